package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"piazza/internal/apperr"
	"piazza/internal/content"
	"piazza/internal/reports"
	"piazza/internal/tenants"
	"piazza/internal/upload"
)

// The citizens' reports (segnalazioni), public side. Filing works without
// JavaScript: the place is the address field; with JavaScript a Leaflet map lets the
// reporter put a pin, which fills the hidden lat/lon fields. Nothing on these pages
// shows who filed a report: every list and page goes through reports.Report.Public.
const (
	rpBase    = "/segnalazioni"
	rpPerPage = 20
	// A report's form: five photos of at most 10 MB each, plus the text fields.
	rpMaxBody = reports.MaxPhotos*reports.MaxPhotoBytes + 64<<10
)

func init() {
	funcs["rpStatuses"] = func() []reports.Status { return reports.Statuses }
	funcs["rpReasons"] = func() []reports.CloseReason { return reports.CloseReasons }
	funcs["rpInc"] = func(i int) int { return i + 1 }
}

func (s *Server) reportRoutes() []route {
	if s.Reports == nil {
		return nil
	}
	m := tenants.ModuleReports
	return []route{
		{pattern: "GET " + rpBase, handler: s.rpList, module: m},
		{pattern: "GET " + rpBase + ".geojson", handler: s.rpGeoJSON, module: m},
		{pattern: "GET " + rpBase + "/nuova", handler: s.rpNew, module: m, personal: true},
		{pattern: "POST " + rpBase + "/nuova", handler: s.rpCreate, module: m, personal: true, maxBody: rpMaxBody},
		{pattern: "GET " + rpBase + "/{code}", handler: s.rpShow, module: m, personal: true},
		{pattern: "GET " + rpBase + "/foto/{id}", handler: s.rpPhoto, module: m},
		{pattern: "GET " + rpBase + "/foto/{id}/anteprima", handler: s.rpPhoto, module: m},
	}
}

// rpMap returns the tenant's map settings (OpenStreetMap by default) and lets the
// page load its tiles.
func (s *Server) rpMap(w http.ResponseWriter, r *http.Request) content.MapSettings {
	m := content.DefaultMap
	if s.Content != nil {
		if got, err := s.Content.Map(r.Context(), info(r).Tenant.ID); err == nil && got.TileURL != "" {
			m = got
		}
	}
	s.allowTiles(w, m.TileURL)
	return m
}

// rpListPage is the public list.
type rpListPage struct {
	Reports    []reports.Report
	Total      int
	Categories []reports.Category
	Category   int64
	Status     string
	Page       int
	Prev, Next string
	Map        content.MapSettings
	GeoJSON    string
}

// rpFilter reads the public filters (category, status, page) from the query;
// anything unknown is ignored.
func rpFilter(q url.Values) (reports.Filter, int64, string, int) {
	var f reports.Filter
	cat, _ := strconv.ParseInt(q.Get("categoria"), 10, 64)
	if cat > 0 {
		f.CategoryIDs = []int64{cat}
	} else {
		cat = 0
	}
	st := q.Get("stato")
	if reports.Status(st).Valid() {
		f.Statuses = []reports.Status{reports.Status(st)}
	} else {
		st = ""
	}
	pg, _ := strconv.Atoi(q.Get("pagina"))
	if pg < 1 || pg > 10000 {
		pg = 1
	}
	return f, cat, st, pg
}

func (s *Server) rpList(w http.ResponseWriter, r *http.Request) {
	tid := info(r).Tenant.ID
	f, cat, st, pg := rpFilter(r.URL.Query())
	f.Limit, f.Offset = rpPerPage, (pg-1)*rpPerPage
	list, total, err := s.Reports.List(r.Context(), tid, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cats, err := s.Reports.Categories(r.Context(), tid, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := rpListPage{Reports: list, Total: total, Categories: cats, Category: cat, Status: st, Page: pg, Map: s.rpMap(w, r)}
	link := func(n int) string {
		q := url.Values{}
		if cat > 0 {
			q.Set("categoria", strconv.FormatInt(cat, 10))
		}
		if st != "" {
			q.Set("stato", st)
		}
		if n > 1 {
			q.Set("pagina", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return rpBase
		}
		return rpBase + "?" + q.Encode()
	}
	if pg > 1 {
		p.Prev = link(pg - 1)
	}
	if pg*rpPerPage < total {
		p.Next = link(pg + 1)
	}
	gq := url.Values{}
	if cat > 0 {
		gq.Set("categoria", strconv.FormatInt(cat, 10))
	}
	if st != "" {
		gq.Set("stato", st)
	}
	p.GeoJSON = rpBase + ".geojson"
	if len(gq) > 0 {
		p.GeoJSON += "?" + gq.Encode()
	}
	s.render(w, r, page{Template: "site/segnalazioni.html", Title: "reports.title",
		Crumbs: []Crumb{{Label: "site.first.services", URL: "/servizi"}, {Label: "reports.title"}}, Data: p})
}

// parseBBox reads "minLon,minLat,maxLon,maxLat" (the order of GeoJSON and of
// Leaflet's toBBoxString).
func parseBBox(s string) ([2]reports.Point, bool) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return [2]reports.Point{}, false
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return [2]reports.Point{}, false
		}
		v[i] = f
	}
	sw, ne := reports.Point{Lat: v[1], Lon: v[0]}, reports.Point{Lat: v[3], Lon: v[2]}
	if !sw.Valid() || !ne.Valid() || sw.Lat > ne.Lat || sw.Lon > ne.Lon {
		return [2]reports.Point{}, false
	}
	return [2]reports.Point{sw, ne}, true
}

// rpGeoJSON is the public map's data: the reports with a point, in the viewport
// given by ?bbox= (the newest 1,000), with category and status filters. It carries
// no personal data.
func (s *Server) rpGeoJSON(w http.ResponseWriter, r *http.Request) {
	f, _, _, _ := rpFilter(r.URL.Query())
	if b := r.URL.Query().Get("bbox"); b != "" {
		box, ok := parseBBox(b)
		if !ok {
			http.Error(w, "bbox: minLon,minLat,maxLon,maxLat", http.StatusBadRequest)
			return
		}
		f.Box = box
	}
	f.Limit = 1000
	list, _, err := s.Reports.List(r.Context(), info(r).Tenant.ID, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type feature struct {
		Type       string         `json:"type"`
		Geometry   map[string]any `json:"geometry"`
		Properties map[string]any `json:"properties"`
	}
	fc := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection", Features: []feature{}}
	lang := info(r).Lang
	for _, rep := range list {
		if rep.Point.IsZero() {
			continue
		}
		fc.Features = append(fc.Features, feature{Type: "Feature",
			Geometry: map[string]any{"type": "Point", "coordinates": []float64{rep.Point.Lon, rep.Point.Lat}},
			Properties: map[string]any{"name": rep.Subject, "url": rpBase + "/" + rep.Code, "code": rep.Code,
				"category": rep.CategoryLabel(lang), "status": string(rep.Status), "address": rep.Address,
				"created": rep.CreatedAt.Format("2006-01-02T15:04:05Z")}})
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "public, max-age=60")
	json.NewEncoder(w).Encode(fc)
}

// rpFormPage is the form to file a report.
type rpFormPage struct {
	Categories []reports.Category
	Req        reports.Request
	Lat, Lon   string
	SignedIn   bool
	Map        content.MapSettings
}

func (s *Server) rpFormData(w http.ResponseWriter, r *http.Request, req reports.Request) (rpFormPage, error) {
	cats, err := s.Reports.Categories(r.Context(), info(r).Tenant.ID, true)
	p := rpFormPage{Categories: cats, Req: req, SignedIn: info(r).Citizen != nil, Map: s.rpMap(w, r)}
	if !req.Point.IsZero() {
		p.Lat, p.Lon = strconv.FormatFloat(req.Point.Lat, 'f', 6, 64), strconv.FormatFloat(req.Point.Lon, 'f', 6, 64)
	}
	return p, err
}

func (s *Server) rpFormRender(w http.ResponseWriter, r *http.Request, req reports.Request, formErr error) {
	p, err := s.rpFormData(w, r, req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "site/segnalazione-nuova.html", Title: "reports.new.title",
		Crumbs: []Crumb{{Label: "site.first.services", URL: "/servizi"}, {Label: "reports.title", URL: rpBase}, {Label: "reports.new.title"}},
		Data:   p, Err: formErr})
}

func (s *Server) rpNew(w http.ResponseWriter, r *http.Request) {
	var req reports.Request
	if c := info(r).Citizen; c != nil {
		req.Name, req.Email, req.Phone = c.FullName(), c.Email, c.Phone
	}
	req.CategoryID, _ = strconv.ParseInt(r.URL.Query().Get("categoria"), 10, 64)
	s.rpFormRender(w, r, req, nil)
}

// rpRequest reads the form. Coordinates that do not parse are kept as an invalid
// point, so that the reporter gets a message instead of a silent drop.
func (s *Server) rpRequest(r *http.Request) reports.Request {
	ri := info(r)
	req := reports.Request{TenantID: ri.Tenant.ID, Subject: r.FormValue("subject"), Description: r.FormValue("description"),
		Address: r.FormValue("address"), Name: r.FormValue("name"), Email: r.FormValue("email"), Phone: r.FormValue("phone"),
		Lang: ri.Lang, Source: "web"}
	req.CategoryID, _ = strconv.ParseInt(r.FormValue("category"), 10, 64)
	lat, lon := strings.TrimSpace(r.FormValue("lat")), strings.TrimSpace(r.FormValue("lon"))
	if lat != "" || lon != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(lon, 64)
		if err1 != nil || err2 != nil {
			la, lo = 999, 999
		}
		req.Point = reports.Point{Lat: la, Lon: lo}
	}
	if ri.Citizen != nil {
		req.CitizenID = ri.Citizen.ID
		if req.Name == "" {
			req.Name = ri.Citizen.FullName()
		}
		if req.Email == "" {
			req.Email = ri.Citizen.Email
		}
	}
	return req
}

func (s *Server) rpCreate(w http.ResponseWriter, r *http.Request) {
	req := s.rpRequest(r)
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["photos"] {
			if fh.Size == 0 && fh.Filename == "" {
				continue // the input left empty
			}
			data, err := upload.Read("photos", fh, reports.MaxPhotoBytes)
			if err != nil {
				s.rpFormRender(w, r, req, err)
				return
			}
			req.Photos = append(req.Photos, reports.PhotoUpload{Name: fh.Filename, Data: data})
		}
	}
	rep, err := s.Reports.Submit(r.Context(), &req)
	if apperr.Is(err, apperr.Invalid) {
		req.Photos = nil
		s.rpFormRender(w, r, req, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "reports.new.sent")
	seeOther(w, r, rpBase+"/"+rep.Code)
}

func (s *Server) rpShow(w http.ResponseWriter, r *http.Request) {
	rep, err := s.Reports.Public(r.Context(), info(r).Tenant.ID, r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := s.rpMap(w, r)
	s.render(w, r, page{Template: "site/segnalazione.html", Title: rep.Subject,
		Crumbs: []Crumb{{Label: "site.first.services", URL: "/servizi"}, {Label: "reports.title", URL: rpBase}, {Label: rep.Code}},
		Data: struct {
			R   reports.Report
			Map content.MapSettings
		}{rep, m}})
}

// rpPhoto serves a report's photo or its thumbnail. The bytes never change under
// one id, so they are cached for long.
func (s *Server) rpPhoto(w http.ResponseWriter, r *http.Request) {
	p, err := s.Reports.Photo(r.Context(), info(r).Tenant.ID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	thumb := strings.HasSuffix(r.URL.Path, "/anteprima")
	data, err := s.Reports.PhotoBytes(r.Context(), p, thumb)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	typ := p.Type
	if thumb {
		typ = upload.TypeJPEG
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(data)
}
