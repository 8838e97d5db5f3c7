package web

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"piazza/internal/accounts"
	"piazza/internal/audit"
	"piazza/internal/blob"
	"piazza/internal/reports"
	"piazza/internal/store"
	"piazza/internal/tenants"
	"piazza/internal/upload"
)

// reportsEnv is a harness with the reports module on in both comuni, an office
// and a category in each.
type reportsEnv struct {
	*harness
	svc       *reports.Service
	office    accounts.Office
	category  reports.Category // Borgo's
	categoryM reports.Category // Marina's
}

func newReportsEnv(t *testing.T) *reportsEnv {
	t.Helper()
	ctx := context.Background()
	var svc *reports.Service
	mailer := NewMailer()
	h := newHarness(t, func(d *Deps) {
		blobs, err := blob.OpenDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		svc = reports.New(d.DB.(*store.DB), upload.New(blobs), nil)
		svc.SetNotifier(mailer)
		d.Reports = svc
	})
	mailer.Bind(h.srv)
	e := &reportsEnv{harness: h, svc: svc}
	for _, tn := range []*tenants.Tenant{&h.borgo, &h.marina} {
		tn.Modules = append(tn.Modules, tenants.ModuleReports)
		if err := h.db.UpdateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		o := accounts.Office{TenantID: tn.ID, Name: "Lavori pubblici", Email: "lavori@" + tn.Slug + ".example.it"}
		o.Normalize()
		if err := h.db.CreateOffice(ctx, &o); err != nil {
			t.Fatal(err)
		}
		c := reports.Category{TenantID: tn.ID, Name: "Buche stradali", NameEN: "Potholes", OfficeID: o.ID, Active: true}
		if err := svc.SaveCategory(ctx, &c); err != nil {
			t.Fatal(err)
		}
		if tn.ID == h.borgo.ID {
			e.office, e.category = o, c
		} else {
			e.categoryM = c
		}
	}
	return e
}

// exifJPEG is a 600×400 JPEG carrying an EXIF block with a GPS position.
func exifJPEG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 600, 400))
	for y := 0; y < 400; y++ {
		for x := 0; x < 600; x++ {
			img.Set(x, y, color.RGBA{120, uint8(x), uint8(y), 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, nil)
	j := b.Bytes()
	payload := append([]byte("Exif\x00\x00"), []byte("GPSLatitude 45.0703 N")...)
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, j[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, j[2:]...)
}

var reportCodeRE = regexp.MustCompile(`/segnalazioni/([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})$`)

// Private details used by every report of these tests: none may appear in public.
const (
	rpName  = "Giovanna Riservata"
	rpEmail = "giovanna.riservata@example.it"
	rpPhone = "+39 347 7654321"
)

func (e *reportsEnv) file(t *testing.T, host string, form url.Values, photo []byte) string {
	t.Helper()
	c := e.client(host)
	var files map[string][2]string
	if photo != nil {
		files = map[string][2]string{"photos": {"buca.jpg", string(photo)}}
	}
	res := c.postFiles("/segnalazioni/nuova", form, files)
	wantStatus(t, res, 303, "file a report")
	m := reportCodeRE.FindStringSubmatch(res.Header.Get("Location"))
	if m == nil {
		t.Fatalf("redirect to %q", res.Header.Get("Location"))
	}
	return m[1]
}

func (e *reportsEnv) form(cat reports.Category) url.Values {
	return url.Values{"category": {itoa(cat.ID)}, "subject": {"Buca in via Roma"}, "description": {"Buca profonda davanti al civico 12."},
		"address": {"Via Roma 12"}, "name": {rpName}, "email": {rpEmail}, "phone": {rpPhone}}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestReportFiledWithoutJavaScript(t *testing.T) {
	e := newReportsEnv(t)
	host := "borgo.example.it"
	c := e.client(host)

	// The footer's "Segnala disservizio" leads to the reports.
	home := c.get("/")
	if !strings.Contains(home.Body, `href="/segnalazioni" data-element="report-inefficiency"`) {
		t.Fatal("footer link does not lead to /segnalazioni")
	}
	form := c.get("/segnalazioni/nuova")
	wantStatus(t, form, 200, "form")
	for _, want := range []string{`enctype="multipart/form-data"`, `name="address"`, `name="photos"`, "Buche stradali", `id="report-map-button"`} {
		if !strings.Contains(form.Body, want) {
			t.Errorf("form lacks %s", want)
		}
	}
	if cc := form.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("form Cache-Control %q", cc)
	}

	// Address only (no JavaScript, no pin), with a photo carrying GPS metadata.
	code := e.file(t, host, e.form(e.category), exifJPEG(t))
	page := c.get("/segnalazioni/" + strings.ToLower(code))
	wantStatus(t, page, 200, "report page")
	for _, want := range []string{"Buca in via Roma", "Via Roma 12", "Inviata", "Lavori pubblici", code} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("report page lacks %q", want)
		}
	}
	m := regexp.MustCompile(`/segnalazioni/foto/([a-z0-9]+)/anteprima`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatal("no photo on the page")
	}
	full := c.get("/segnalazioni/foto/" + m[1])
	wantStatus(t, full, 200, "photo")
	if strings.Contains(full.Body, "GPSLatitude") || full.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatal("photo served with its metadata")
	}
	thumb := c.get("/segnalazioni/foto/" + m[1] + "/anteprima")
	cfg, err := jpeg.DecodeConfig(strings.NewReader(thumb.Body))
	if err != nil || cfg.Width != upload.ThumbSide {
		t.Fatalf("thumbnail %+v %v", cfg, err)
	}

	// With a pin (as the map's script sends it).
	f := e.form(e.category)
	f.Set("address", "")
	f.Set("lat", "45.071234")
	f.Set("lon", "7.681234")
	code2 := e.file(t, host, f, nil)

	// Neither the list, the map's data nor the pages show who reported.
	geo := c.get("/segnalazioni.geojson")
	wantStatus(t, geo, 200, "geojson")
	var fc struct {
		Features []struct {
			Geometry   struct{ Coordinates []float64 }
			Properties map[string]any
		}
	}
	if err := json.Unmarshal([]byte(geo.Body), &fc); err != nil || len(fc.Features) != 1 || fc.Features[0].Properties["code"] != code2 ||
		fc.Features[0].Geometry.Coordinates[0] != 7.681234 {
		t.Fatalf("geojson = %s (%v)", geo.Body, err)
	}
	for _, path := range []string{"/segnalazioni", "/segnalazioni.geojson", "/segnalazioni.geojson?bbox=7,45,8,46", "/segnalazioni/" + code, "/segnalazioni/" + code2, "/segnalazioni?stato=submitted"} {
		res := c.get(path)
		wantStatus(t, res, 200, path)
		for _, secret := range []string{rpName, rpEmail, rpPhone, "Riservata", "347"} {
			if strings.Contains(res.Body, secret) {
				t.Errorf("%s shows the reporter's %q", path, secret)
			}
		}
	}
	list := c.get("/segnalazioni")
	if !strings.Contains(list.Body, "Segnalazioni (2)") || !strings.Contains(list.Body, "/segnalazioni/"+code2) {
		t.Fatalf("list: %s", clip(text(list.Body)))
	}
	if res := c.get("/segnalazioni.geojson?bbox=8,46,7,45"); res.StatusCode != 400 {
		t.Fatalf("inverted bbox: %d", res.StatusCode)
	}
	if res := c.get("/segnalazioni.geojson?bbox=7,45,8,46"); !strings.Contains(res.Body, code2) {
		t.Fatal("bbox lost the report")
	}
	if res := c.get("/segnalazioni.geojson?bbox=9,40,10,41"); strings.Contains(res.Body, code2) {
		t.Fatal("bbox kept a report outside")
	}
}

func TestReportFormRefusesBadInput(t *testing.T) {
	e := newReportsEnv(t)
	host := "borgo.example.it"
	c := e.client(host)
	cases := []struct {
		name  string
		edit  func(url.Values)
		photo []byte
		want  string
	}{
		{"no category", func(f url.Values) { f.Del("category") }, nil, "Scegli la categoria del problema."},
		{"another comune's category", func(f url.Values) { f.Set("category", itoa(e.categoryM.ID)) }, nil, "Scegli la categoria del problema."},
		{"no place", func(f url.Values) { f.Set("address", "") }, nil, "Indica dove si trova il problema"},
		{"tampered pin", func(f url.Values) { f.Set("lat", "abc"); f.Set("lon", "7") }, nil, "La posizione sulla mappa non è valida."},
		{"no email", func(f url.Values) { f.Set("email", "") }, nil, "Scrivi il tuo indirizzo email"},
		{"no subject nor description", func(f url.Values) { f.Set("subject", ""); f.Set("description", "") }, nil, "Scrivi l&#39;oggetto della segnalazione."},
		{"not an image", nil, []byte("%PDF-1.4 not a photo"), "JPEG"},
		{"broken image", nil, append([]byte{0xff, 0xd8, 0xff, 0xe0}, make([]byte, 50)...), "immagine"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := e.form(e.category)
			if tc.edit != nil {
				tc.edit(f)
			}
			var files map[string][2]string
			if tc.photo != nil {
				files = map[string][2]string{"photos": {"x.jpg", string(tc.photo)}}
			}
			res := c.postFiles("/segnalazioni/nuova", f, files)
			wantStatus(t, res, 422, tc.name)
			if !strings.Contains(res.Body, tc.want) {
				t.Fatalf("no %q in %s", tc.want, clip(text(res.Body)))
			}
			if tc.edit != nil && f.Get("name") != "" && !strings.Contains(res.Body, `value="`+rpName+`"`) {
				t.Fatal("the form lost what was typed")
			}
		})
	}
	if n, _ := e.db.CountReports(context.Background(), e.borgo.ID, reports.Filter{}); n != 0 {
		t.Fatalf("%d reports stored from bad input", n)
	}
}

func TestReportsAcrossTenants(t *testing.T) {
	e := newReportsEnv(t)
	code := e.file(t, "borgo.example.it", e.form(e.category), exifJPEG(t))
	page := e.client("borgo.example.it").get("/segnalazioni/" + code)
	m := regexp.MustCompile(`/segnalazioni/foto/([a-z0-9]+)`).FindStringSubmatch(page.Body)
	mc := e.client("marina.example.it")
	for _, path := range []string{"/segnalazioni/" + code, "/segnalazioni/foto/" + m[1], "/segnalazioni/foto/" + m[1] + "/anteprima"} {
		if res := mc.get(path); res.StatusCode != 404 {
			t.Errorf("%s on Marina: %d", path, res.StatusCode)
		}
	}
	if res := mc.get("/segnalazioni"); strings.Contains(res.Body, code) || !strings.Contains(res.Body, "Segnalazioni (0)") {
		t.Error("Borgo's report listed on Marina")
	}
	if res := mc.get("/segnalazioni.geojson"); strings.Contains(res.Body, code) {
		t.Error("Borgo's report on Marina's map")
	}
}

func TestReportsBackOffice(t *testing.T) {
	e := newReportsEnv(t)
	ctx := context.Background()
	host := "borgo.example.it"
	code := e.file(t, host, e.form(e.category), nil)
	mails := e.mailJobs(t)
	if len(mails) != 1 || mails[0].To[0] != rpEmail || !strings.Contains(mails[0].Subject, code) || !strings.Contains(mails[0].Text, "/segnalazioni/"+code) {
		t.Fatalf("receipt mails %+v", mails)
	}
	rep, _ := e.db.ReportByCode(ctx, e.borgo.ID, code)
	page := "/backoffice/segnalazioni/" + strconv.FormatInt(rep.ID, 10)

	// The operator belongs to no office yet: neither the queue nor the report.
	op := e.staff(host, "operator@borgo")
	if res := op.get(page); res.StatusCode != 404 {
		t.Fatalf("operator outside the office: %d", res.StatusCode)
	}
	if n := len(e.auditOf(t, "reports.contact.read")); n != 0 {
		t.Fatalf("%d contact reads audited for a refused view", n)
	}
	if err := e.db.SetOfficeMembers(ctx, e.borgo.ID, e.office.ID, []int64{e.acc["operator@borgo"].ID}); err != nil {
		t.Fatal(err)
	}
	queue := op.get("/backoffice/segnalazioni")
	wantStatus(t, queue, 200, "queue")
	if !strings.Contains(queue.Body, "Buca in via Roma") || !strings.Contains(queue.Body, page) {
		t.Fatalf("queue: %s", clip(text(queue.Body)))
	}
	if strings.Contains(queue.Body, rpEmail) {
		t.Fatal("the queue lists contact details (they are read, and audited, on the report's page)")
	}
	show := op.get(page)
	wantStatus(t, show, 200, "report")
	if !strings.Contains(show.Body, rpEmail) || !strings.Contains(show.Body, "347 7654321") {
		t.Fatal("staff page lacks the reporter's contacts")
	}
	if cc := show.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Fatalf("staff page Cache-Control %q", cc)
	}
	if n := len(e.auditOf(t, "reports.contact.read")); n != 1 {
		t.Fatalf("%d contact reads audited, want 1", n)
	}

	steps := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"close without reason", url.Values{"status": {"closed"}, "body": {"No"}}, 422, "Scegli il motivo della chiusura."},
		{"empty", url.Values{}, 422, "Scrivi un testo o scegli un nuovo stato."},
		{"internal note", url.Values{"body": {"Sopralluogo domani mattina"}, "visibility": {"internal"}}, 303, ""},
		{"take in charge", url.Values{"status": {"acknowledged"}, "body": {"Presa in carico dalla squadra strade."}}, 303, ""},
		{"fixed", url.Values{"status": {"fixed"}, "body": {"Buca chiusa con asfalto a freddo."}}, 303, ""},
		{"back to submitted", url.Values{"status": {"submitted"}}, 409, "non è possibile"},
	}
	for _, s := range steps {
		res := op.post(page, s.form)
		if res.StatusCode != s.status || !strings.Contains(res.Body, s.want) {
			t.Fatalf("%s: %d %s", s.name, res.StatusCode, clip(text(res.Body)))
		}
	}
	mails = e.mailJobs(t)
	if len(mails) != 2 || !strings.Contains(mails[0].Subject, "Presa in carico") || !strings.Contains(mails[1].Text, "Buca chiusa") {
		t.Fatalf("update mails %+v", mails)
	}
	pub := e.client(host).get("/segnalazioni/" + code)
	if !strings.Contains(pub.Body, "Risolta") || !strings.Contains(pub.Body, "Buca chiusa con asfalto a freddo.") {
		t.Fatal("public page not updated")
	}
	if strings.Contains(pub.Body, "Sopralluogo") {
		t.Fatal("internal note on the public page")
	}

	// A viewer reads but does not act; Marina's staff see nothing of Borgo.
	if res := e.staff(host, "viewer@borgo").post(page, url.Values{"body": {"x"}}); res.StatusCode != 403 && res.StatusCode != 404 {
		t.Fatalf("viewer acted: %d", res.StatusCode)
	}
	if res := e.staff("marina.example.it", "admin@marina").get(page); res.StatusCode != 404 {
		t.Fatalf("Marina's admin opened Borgo's report: %d", res.StatusCode)
	}
}

func (e *reportsEnv) auditOf(t *testing.T, action string) []audit.Entry {
	t.Helper()
	list, err := e.db.AuditEntries(context.Background(), e.borgo.ID, audit.Filter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return list
}
