package web

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/content"
	"piazza/internal/upload"
	"piazza/internal/vocab"
)

// contentBackofficeRoutes are the editors' pages of news, events and places, their
// images and (for admins) the map settings.
func (s *Server) contentBackofficeRoutes() []route {
	editors := []accounts.Role{accounts.RoleEditor}
	admins := []accounts.Role{accounts.RoleAdmin}
	routes := []route{
		{pattern: "GET /backoffice/contenuti", handler: s.boContents, access: staff, roles: editors},
		{pattern: "GET /backoffice/contenuti/{id}", handler: s.boContent, access: staff, roles: editors},
		{pattern: "POST /backoffice/contenuti/{id}", handler: s.boContentSave, access: staff, roles: editors},
		{pattern: "GET /backoffice/contenuti/{id}/anteprima", handler: s.boContentPreview, access: staff, roles: editors},
		{pattern: "POST /backoffice/contenuti/{id}/pubblica", handler: s.boContentPublish, access: staff, roles: editors},
		{pattern: "POST /backoffice/contenuti/{id}/ritira", handler: s.boContentUnpublish, access: staff, roles: editors},
		{pattern: "GET /backoffice/contenuti/{id}/elimina", handler: s.boContentDeleteConfirm, access: staff, roles: editors},
		{pattern: "POST /backoffice/contenuti/{id}/elimina", handler: s.boContentDelete, access: staff, roles: editors},
		{pattern: "GET /backoffice/contenuti/{id}/versioni", handler: s.boContentRevisions, access: staff, roles: editors},
		{pattern: "POST /backoffice/contenuti/{id}/versioni/{n}/ripristina", handler: s.boContentRestore, access: staff, roles: editors},
		{pattern: "GET /backoffice/contenuti/immagini", handler: s.boContentImages, access: staff, roles: editors},
		{pattern: "POST /backoffice/contenuti/{id}/allegati", handler: s.boContentAttach, access: staff, roles: editors, maxBody: content.MaxAttachmentBytes + 64<<10},
		{pattern: "POST /backoffice/contenuti/{id}/allegati/{file}/elimina", handler: s.boContentDetach, access: staff, roles: editors},
		{pattern: "POST /backoffice/contenuti/immagini", handler: s.boContentImageUpload, access: staff, roles: editors, maxBody: content.MaxImageBytes + 64<<10},
		{pattern: "GET /backoffice/contenuti/mappa", handler: s.boContentMap, access: staff, roles: admins},
		{pattern: "POST /backoffice/contenuti/mappa", handler: s.boContentMapSave, access: staff, roles: admins},
	}
	// One literal path per kind: a wildcard there would be ambiguous with {id}/….
	for _, w := range []string{"notizia", "evento", "luogo", "persona", "organo", "documento", "faq"} {
		kind := kindSlugs[w]
		routes = append(routes,
			route{pattern: "GET /backoffice/contenuti/nuovo/" + w, handler: s.boContentNew(kind), access: staff, roles: editors},
			route{pattern: "POST /backoffice/contenuti/nuovo/" + w, handler: s.boContentCreate(kind), access: staff, roles: editors})
	}
	return routes
}

// kindSlugs are the back office's path words for the kinds.
var kindSlugs = map[string]content.Kind{"notizia": content.KindNews, "evento": content.KindEvent, "luogo": content.KindPlace,
	"persona": content.KindPerson, "organo": content.KindOrganisation, "documento": content.KindDocument, "faq": content.KindFAQ}

// boContentsData is the editors' list.
type boContentsData struct {
	Items        []content.Item
	Total        int
	Kind, Status string // the filters
	Now          time.Time
	Pager        pager
}

const boContentsPerPage = 50

func (s *Server) boContents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := boContentsData{Now: s.Content.Now()}
	cq := content.Query{Text: q.Get("q"), Limit: boContentsPerPage}
	if k := content.Kind(q.Get("tipo")); content.ValidKind(k) {
		cq.Kind, d.Kind = k, string(k)
	}
	if st := content.Status(q.Get("stato")); st == content.StatusDraft || st == content.StatusPublished {
		cq.Status, d.Status = st, string(st)
	}
	n := pageNumber(r)
	cq.Offset = (n - 1) * boContentsPerPage
	p, err := s.Content.List(r.Context(), info(r).Tenant.ID, cq)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Items, d.Total = p.Items, p.Total
	v := r.URL.Query()
	v.Del("pagina")
	d.Pager = pager{Page: n, Pages: max((p.Total+boContentsPerPage-1)/boContentsPerPage, 1), Base: "/backoffice/contenuti", Query: v.Encode()}
	s.render(w, r, page{Template: "backoffice/contenuti.html", Title: "content.bo.title", Data: d})
}

// contentForm is the editor of one item.
type contentForm struct {
	Item    content.Item
	New     bool
	KindURL string // notizia, evento, luogo
	Topics  []vocab.Topic
	Places  []option // for events
	// Options of the select boxes.
	NewsTypes, PlaceTypes                                     []option
	PersonSections, OrganisationTypes, DocumentTypes, Offices []option
	Organisations                                             []option // for people
	DocumentDate                                              string   // yyyy-mm-dd
	// The date-time fields as typed (yyyy-mm-ddThh:mm, Rome).
	Start, End, ExpireAt, PublishAt string
	Now                             time.Time
}

// datetimeLocal formats a time for an <input type="datetime-local">.
func datetimeLocal(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(rome).Format("2006-01-02T15:04")
}

func kindURL(k content.Kind) string {
	for w, kk := range kindSlugs {
		if kk == k {
			return w
		}
	}
	return ""
}

func (s *Server) contentForm(r *http.Request, it content.Item, isNew bool) (contentForm, error) {
	f := contentForm{Item: it, New: isNew, KindURL: kindURL(it.Kind), Topics: vocab.Topics, Now: s.Content.Now(),
		Start: datetimeLocal(it.Event.Start), End: datetimeLocal(it.Event.End), ExpireAt: datetimeLocal(it.ExpireAt)}
	for _, t := range content.NewsTypes {
		f.NewsTypes = append(f.NewsTypes, option{string(t), "site.second." + string(t)})
	}
	for _, t := range content.PlaceTypes {
		f.PlaceTypes = append(f.PlaceTypes, option{t, "content.place_type." + t})
	}
	for _, t := range content.PersonSections {
		f.PersonSections = append(f.PersonSections, option{t, "site.second." + t})
	}
	for _, t := range content.OrganisationTypes {
		f.OrganisationTypes = append(f.OrganisationTypes, option{t, "site.second." + t})
	}
	for _, t := range content.DocumentTypes {
		f.DocumentTypes = append(f.DocumentTypes, option{t, "content.document_type." + t})
	}
	if !it.Document.Date.IsZero() {
		f.DocumentDate = it.Document.Date.In(rome).Format("2006-01-02")
	}
	if it.Kind == content.KindPerson || it.Kind == content.KindDocument {
		offices, err := s.Accounts.Offices(r.Context(), it.TenantID)
		if err != nil {
			return f, err
		}
		for _, o := range offices {
			f.Offices = append(f.Offices, option{strconv.FormatInt(o.ID, 10), o.Name})
		}
	}
	if it.Kind == content.KindPerson {
		p, err := s.Content.List(r.Context(), it.TenantID, content.Query{Kind: content.KindOrganisation})
		if err != nil {
			return f, err
		}
		for _, o := range p.Items {
			f.Organisations = append(f.Organisations, option{strconv.FormatInt(o.ID, 10), o.Title})
		}
	}
	if it.Kind == content.KindEvent {
		p, err := s.Content.List(r.Context(), it.TenantID, content.Query{Kind: content.KindPlace})
		if err != nil {
			return f, err
		}
		for _, pl := range p.Items {
			f.Places = append(f.Places, option{strconv.FormatInt(pl.ID, 10), pl.Title})
		}
	}
	return f, nil
}

// parseLocal reads a datetime-local field in Rome; "" is the zero time.
func parseLocal(v *apperr.Validation, r *http.Request, field, code string) time.Time {
	x := strings.TrimSpace(r.PostFormValue(field))
	if x == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", x, rome)
	if err != nil {
		v.Add(field, code)
		return time.Time{}
	}
	return t.UTC()
}

// itemFromForm reads the editor's fields onto base (which carries id, tenant, kind
// and publication); unreadable numbers and dates are reported on their fields.
func itemFromForm(r *http.Request, base content.Item) (content.Item, error) {
	f := r.PostFormValue
	it := base
	it.Title, it.Slug, it.Summary, it.Body, it.Topics = f("title"), f("slug"), f("summary"), f("body"), r.PostForm["topics"]
	var v apperr.Validation
	it.ExpireAt = parseLocal(&v, r, "expire_at", "content.expire_at.before_publish")
	switch it.Kind {
	case content.KindNews:
		it.NewsType = content.NewsType(f("news_type"))
	case content.KindEvent:
		e := content.Event{Recurrence: f("recurrence"), Venue: f("venue"), Organiser: f("organiser"), Cost: f("cost"),
			Audience: f("audience"), BookingURL: f("booking_url")}
		e.Start = parseLocal(&v, r, "start", "content.event.start.required")
		e.End = parseLocal(&v, r, "end", "content.event.end.invalid")
		if x := strings.TrimSpace(f("place_id")); x != "" {
			id, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				v.Add("place_id", "content.event.place.invalid")
			}
			e.PlaceID = id
		}
		it.Event = e
	case content.KindPlace:
		p := content.Place{Type: f("place_type"), Address: f("address"), OpeningHours: f("opening_hours"), Phone: f("phone"),
			Email: f("email"), Website: f("website"), Accessibility: f("accessibility")}
		for _, c := range []struct {
			field, code string
			dst         *float64
		}{{"latitude", "content.place.latitude.invalid", &p.Latitude}, {"longitude", "content.place.longitude.invalid", &p.Longitude}} {
			x := strings.ReplaceAll(strings.TrimSpace(f(c.field)), ",", ".")
			n, err := strconv.ParseFloat(x, 64)
			if err != nil {
				v.Add(c.field, c.code)
			}
			*c.dst = n
		}
		it.Place = p
	case content.KindPerson:
		it.Person = content.Person{Section: f("section"), Role: f("role"), Email: f("email"), Phone: f("phone"),
			OfficeID:       formID(&v, r, "office_id", "content.person.office.invalid"),
			OrganisationID: formID(&v, r, "organisation_id", "content.person.organisation.invalid")}
	case content.KindOrganisation:
		it.Org = content.Organisation{Type: f("organisation_type"), Address: f("address"), Phone: f("phone"), Email: f("email"), Website: f("website")}
	case content.KindDocument:
		d := content.Document{Type: f("document_type"), Protocol: f("protocol"), OfficeID: formID(&v, r, "office_id", "content.person.office.invalid")}
		if x := strings.TrimSpace(f("document_date")); x != "" {
			t, err := time.ParseInLocation("2006-01-02", x, rome)
			if err != nil {
				v.Add("document_date", "content.document.date.invalid")
			}
			d.Date = t.UTC()
		}
		it.Document = d
	}
	return it, v.Err()
}

// formID reads an optional id from a select box ("" is 0).
func formID(v *apperr.Validation, r *http.Request, field, code string) int64 {
	x := strings.TrimSpace(r.PostFormValue(field))
	if x == "" {
		return 0
	}
	id, err := strconv.ParseInt(x, 10, 64)
	if err != nil || id < 0 {
		v.Add(field, code)
		return 0
	}
	return id
}

// saveItem saves it unless the form had unreadable fields; then it reports those
// with every other problem of the item, so that one round trip shows them all.
func (s *Server) saveItem(r *http.Request, it *content.Item, parseErr error) error {
	if parseErr == nil {
		return s.Content.Save(r.Context(), it)
	}
	it.Normalize()
	all := apperr.As(parseErr)
	if e := apperr.As(it.Validate()); e != nil {
		seen := map[string]bool{}
		for _, f := range all.Fields {
			seen[f.Field] = true
		}
		for _, f := range e.Fields {
			if !seen[f.Field] {
				all.Fields = append(all.Fields, f)
			}
		}
	}
	return all
}

func contentURL(id int64) string { return "/backoffice/contenuti/" + strconv.FormatInt(id, 10) }

// renderContentForm shows the editor, with err's problems if any.
func (s *Server) renderContentForm(w http.ResponseWriter, r *http.Request, it content.Item, isNew bool, err error) {
	f, ferr := s.contentForm(r, it, isNew)
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	if isNew {
		f.Item.ID = 0
	}
	title := it.Title
	if isNew || title == "" {
		title = "content.bo.new." + string(it.Kind)
	}
	s.render(w, r, page{Template: "backoffice/contenuti-modifica.html", Title: title, Data: f, Err: err})
}

func (s *Server) boContentNew(kind content.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		it := content.Item{TenantID: info(r).Tenant.ID, Kind: kind, NewsType: content.NewsStory}
		if kind == content.KindEvent {
			start := s.Content.Now().In(rome).AddDate(0, 0, 7).Truncate(time.Hour)
			it.Event.Start, it.Event.End = start, start.Add(2*time.Hour)
		}
		s.renderContentForm(w, r, it, true, nil)
	}
}

func (s *Server) boContentCreate(kind content.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		it, err := itemFromForm(r, content.Item{TenantID: info(r).Tenant.ID, Kind: kind})
		if err = s.saveItem(r, &it, err); err != nil {
			s.renderContentForm(w, r, it, true, err)
			return
		}
		s.flash(w, r, "content.bo.flash.created")
		seeOther(w, r, contentURL(it.ID))
	}
}

// itemForEdit loads the item of the path, of the request's tenant.
func (s *Server) itemForEdit(r *http.Request) (content.Item, error) {
	id, ok := pathID(r)
	if !ok {
		return content.Item{}, errNotFound
	}
	return s.Content.Item(r.Context(), info(r).Tenant.ID, id)
}

func (s *Server) boContent(w http.ResponseWriter, r *http.Request) {
	it, err := s.itemForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderContentForm(w, r, it, false, nil)
}

func (s *Server) boContentSave(w http.ResponseWriter, r *http.Request) {
	old, err := s.itemForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	it, err := itemFromForm(r, old)
	if err = s.saveItem(r, &it, err); err != nil {
		s.renderContentForm(w, r, it, false, err)
		return
	}
	s.flash(w, r, "content.bo.flash.saved")
	seeOther(w, r, contentURL(it.ID))
}

func (s *Server) boContentPreview(w http.ResponseWriter, r *http.Request) {
	it, err := s.itemForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderItem(w, r, it, true)
}

func (s *Server) boContentPublish(w http.ResponseWriter, r *http.Request) {
	it, err := s.itemForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var v apperr.Validation
	at := parseLocal(&v, r, "publish_at", "content.publish_at.invalid")
	if err := v.Err(); err != nil {
		s.renderContentForm(w, r, it, false, err)
		return
	}
	pub, err := s.Content.Publish(r.Context(), it.TenantID, it.ID, at)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
			s.renderContentForm(w, r, it, false, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	if pub.Scheduled(s.Content.Now()) {
		s.flash(w, r, "content.bo.flash.scheduled")
	} else {
		s.flash(w, r, "content.bo.flash.published")
	}
	seeOther(w, r, contentURL(it.ID))
}

func (s *Server) boContentUnpublish(w http.ResponseWriter, r *http.Request) {
	it, err := s.itemForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Content.Unpublish(r.Context(), it.TenantID, it.ID); err != nil {
		if apperr.Is(err, apperr.Invalid) {
			s.renderContentForm(w, r, it, false, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "content.bo.flash.unpublished")
	seeOther(w, r, contentURL(it.ID))
}

func (s *Server) boContentDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	it, err := s.itemForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "backoffice/contenuti-elimina.html", Title: "content.bo.delete.title", Data: it})
}

func (s *Server) boContentDelete(w http.ResponseWriter, r *http.Request) {
	it, err := s.itemForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		seeOther(w, r, contentURL(it.ID)+"/elimina")
		return
	}
	if err := s.Content.Delete(r.Context(), it.TenantID, it.ID); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			s.render(w, r, page{Template: "backoffice/contenuti-elimina.html", Title: "content.bo.delete.title", Data: it, Err: err})
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "content.bo.flash.deleted")
	seeOther(w, r, "/backoffice/contenuti")
}

// revisionsData is the revisions page, with a comparison when asked.
type revisionsData struct {
	Item      content.Item
	Revisions []content.Revision
	From, To  int
	Diff      []content.DiffLine
}

func (s *Server) boContentRevisions(w http.ResponseWriter, r *http.Request) {
	it, err := s.itemForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	revs, err := s.Content.Revisions(ctx, it.TenantID, it.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := revisionsData{Item: it, Revisions: revs, To: it.Revision, From: max(it.Revision-1, 1)}
	q := r.URL.Query()
	if n, err := strconv.Atoi(q.Get("da")); err == nil {
		d.From = n
	}
	if n, err := strconv.Atoi(q.Get("a")); err == nil {
		d.To = n
	}
	if d.From != d.To {
		if _, _, d.Diff, err = s.Content.Compare(ctx, it.TenantID, it.ID, d.From, d.To); err != nil && !apperr.Is(err, apperr.NotFound) {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, page{Template: "backoffice/contenuti-versioni.html", Title: "content.bo.revisions.title", Data: d})
}

func (s *Server) boContentRestore(w http.ResponseWriter, r *http.Request) {
	it, err := s.itemForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil {
		s.notFound(w, r)
		return
	}
	if _, err := s.Content.Restore(r.Context(), it.TenantID, it.ID, n); err != nil {
		if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
			s.renderContentForm(w, r, it, false, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "content.bo.flash.restored")
	seeOther(w, r, contentURL(it.ID))
}

// imagesData is the images page.
type imagesData struct {
	Images []content.Image
	Alt    string
}

func (s *Server) renderImages(w http.ResponseWriter, r *http.Request, alt string, err error) {
	list, lerr := s.Content.Images(r.Context(), info(r).Tenant.ID)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	s.render(w, r, page{Template: "backoffice/contenuti-immagini.html", Title: "content.bo.images.title", Data: imagesData{Images: list, Alt: alt}, Err: err})
}

func (s *Server) boContentImages(w http.ResponseWriter, r *http.Request) {
	s.renderImages(w, r, "", nil)
}

func (s *Server) boContentImageUpload(w http.ResponseWriter, r *http.Request) {
	alt := r.PostFormValue("alt")
	var data []byte
	name := ""
	if file, hdr, err := r.FormFile("file"); err == nil {
		defer file.Close()
		data, err = io.ReadAll(io.LimitReader(file, content.MaxImageBytes+1))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		name = hdr.Filename
	}
	im, err := s.Content.UploadImage(r.Context(), info(r).Tenant.ID, name, data, alt)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			s.renderImages(w, r, alt, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "content.bo.flash.image")
	seeOther(w, r, "/backoffice/contenuti/immagini#img-"+im.PublicID)
}

// boContentAttach attaches an uploaded file to an item; a refused file is shown on
// the item's page with the reason.
func (s *Server) boContentAttach(w http.ResponseWriter, r *http.Request) {
	it, err := s.itemForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var data []byte
	name := ""
	if file, hdr, ferr := r.FormFile("file"); ferr == nil {
		defer file.Close()
		data, err = upload.Read("file", hdr, content.MaxAttachmentBytes)
		name = hdr.Filename
	}
	if err == nil {
		_, err = s.Content.AddAttachment(r.Context(), it.TenantID, it.ID, name, data)
	}
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			s.renderContentForm(w, r, it, false, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "content.attachments.flash.added")
	seeOther(w, r, contentURL(it.ID)+"#c-attachments")
}

func (s *Server) boContentDetach(w http.ResponseWriter, r *http.Request) {
	it, err := s.itemForEdit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Content.DeleteAttachment(r.Context(), it.TenantID, it.ID, r.PathValue("file")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "content.attachments.flash.deleted")
	seeOther(w, r, contentURL(it.ID)+"#c-attachments")
}

func (s *Server) boContentMap(w http.ResponseWriter, r *http.Request) {
	m, err := s.Content.Map(r.Context(), info(r).Tenant.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "backoffice/contenuti-mappa.html", Title: "content.bo.map.title", Data: m})
}

func (s *Server) boContentMapSave(w http.ResponseWriter, r *http.Request) {
	m := content.MapSettings{TileURL: r.PostFormValue("tile_url"), Attribution: r.PostFormValue("attribution")}
	if err := s.Content.SaveMap(r.Context(), info(r).Tenant.ID, m); err != nil {
		s.render(w, r, page{Template: "backoffice/contenuti-mappa.html", Title: "content.bo.map.title", Data: m, Err: err})
		return
	}
	s.flash(w, r, "content.bo.flash.map")
	seeOther(w, r, "/backoffice/contenuti/mappa")
}
