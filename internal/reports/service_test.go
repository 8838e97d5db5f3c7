package reports_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/blob"
	"piazza/internal/reports"
	"piazza/internal/store"
	"piazza/internal/store/storetest"
	"piazza/internal/upload"
)

var ctx = context.Background()

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

type fixture struct {
	db       *store.DB
	svc      *reports.Service
	blobDir  string
	tenant   int64
	other    int64
	office   int64
	category reports.Category
	events   *recorder
}

type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) ReportEvent(ctx context.Context, rep reports.Report, u reports.Update, event string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event+" "+string(rep.Status))
	return nil
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := storetest.OpenWith(t, func() time.Time { return now })
	dir := t.TempDir()
	blobs, err := blob.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	f := &fixture{db: db, svc: reports.New(db, upload.New(blobs), func() time.Time { return now }), blobDir: dir, events: &recorder{}}
	f.svc.SetNotifier(f.events)
	f.tenant = storetest.MustCreateTenant(t, db, "alfa").ID
	f.other = storetest.MustCreateTenant(t, db, "beta").ID
	f.office = storetest.MustCreateOffice(t, db, f.tenant, "Lavori pubblici").ID
	f.category = reports.Category{TenantID: f.tenant, Name: "Buche stradali", NameEN: "Potholes", Group: "Strade", OfficeID: f.office, Active: true}
	if err := f.svc.SaveCategory(ctx, &f.category); err != nil {
		t.Fatal(err)
	}
	return f
}

// photo is a small JPEG with an EXIF block holding a GPS position.
func photo(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 800, 600))
	for y := 0; y < 600; y++ {
		for x := 0; x < 800; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	j := b.Bytes()
	payload := append([]byte("Exif\x00\x00"), []byte("GPSLatitude 45.0703 N")...)
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, j[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, j[2:]...)
}

func (f *fixture) request() *reports.Request {
	return &reports.Request{TenantID: f.tenant, CategoryID: f.category.ID, Subject: "  Buca in via Roma ",
		Description: "Una buca profonda davanti al civico 12.", Point: reports.Point{Lat: 45.07, Lon: 7.68},
		Name: "Maria Bianchi", Email: "Maria@Example.it", Phone: "+39 333 1234567"}
}

func blobCount(t *testing.T, dir string) int {
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func TestSubmitWithPhoto(t *testing.T) {
	f := newFixture(t)
	req := f.request()
	req.Photos = []reports.PhotoUpload{{Name: "IMG_1.jpg", Data: photo(t)}}
	r, err := f.svc.Submit(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != reports.Submitted || r.OfficeID != f.office || reports.NormalizeCode(r.Code) != r.Code || r.Subject != "Buca in via Roma" {
		t.Fatalf("report = %+v", r)
	}
	pub, err := f.svc.Public(ctx, f.tenant, strings.ToLower(r.Code))
	if err != nil {
		t.Fatal(err)
	}
	if pub.Name != "" || pub.Email != "" || pub.Phone != "" || pub.CitizenID != 0 {
		t.Fatalf("public view carries contact details: %+v", pub)
	}
	if len(pub.Photos) != 1 || pub.CategoryName != "Buche stradali" || pub.Point != req.Point {
		t.Fatalf("public view = %+v", pub)
	}
	full, err := f.svc.PhotoBytes(ctx, pub.Photos[0], false)
	if err != nil || bytes.Contains(full, []byte("GPSLatitude")) || bytes.Contains(full, []byte("Exif")) {
		t.Fatalf("photo kept its metadata (err %v)", err)
	}
	th, err := f.svc.PhotoBytes(ctx, pub.Photos[0], true)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(th))
	if err != nil || cfg.Width != upload.ThumbSide || cfg.Height != 240 {
		t.Fatalf("thumbnail %+v, %v", cfg, err)
	}
	if _, err := f.svc.Photo(ctx, f.other, pub.Photos[0].FileID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("photo reachable from another tenant: %v", err)
	}
	if _, err := f.svc.Public(ctx, f.other, r.Code); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("report reachable from another tenant: %v", err)
	}
	if len(f.events.events) != 1 || f.events.events[0] != "submitted submitted" {
		t.Fatalf("events = %v", f.events.events)
	}
}

func TestSubmitRefusesAndStoresNothing(t *testing.T) {
	f := newFixture(t)
	other := storetest.MustCreateOffice(t, f.db, f.other, "Verde").ID
	otherCat := reports.Category{TenantID: f.other, Name: "Verde", OfficeID: other, Active: true}
	if err := f.svc.SaveCategory(ctx, &otherCat); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		edit  func(r *reports.Request)
		field string
	}{
		{"no subject", func(r *reports.Request) { r.Subject = " " }, "subject"},
		{"long subject", func(r *reports.Request) { r.Subject = strings.Repeat("a", 121) }, "subject"},
		{"no description", func(r *reports.Request) { r.Description = "" }, "description"},
		{"huge description", func(r *reports.Request) { r.Description = strings.Repeat("a", 4001) }, "description"},
		{"no place", func(r *reports.Request) { r.Point = reports.Point{} }, "address"},
		{"bad latitude", func(r *reports.Request) { r.Point.Lat = 91 }, "lat"},
		{"anonymous without email", func(r *reports.Request) { r.Email = "" }, "email"},
		{"bad email", func(r *reports.Request) { r.Email = "maria@" }, "email"},
		{"category of another tenant", func(r *reports.Request) { r.CategoryID = otherCat.ID }, "category"},
		{"not an image", func(r *reports.Request) {
			r.Photos = []reports.PhotoUpload{{Name: "x.jpg", Data: []byte("%PDF-1.4 hello")}}
		}, "photos"},
		{"empty photo", func(r *reports.Request) { r.Photos = []reports.PhotoUpload{{Name: "x.jpg"}} }, "photos"},
		{"one good, one bad photo", func(r *reports.Request) {
			r.Photos = []reports.PhotoUpload{{Name: "a.jpg", Data: photo(t)}, {Name: "b.jpg", Data: []byte("nope")}}
		}, "photos"},
		{"too many photos", func(r *reports.Request) { r.Photos = make([]reports.PhotoUpload, 6) }, "photos"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := f.request()
			c.edit(req)
			_, err := f.svc.Submit(ctx, req)
			e := apperr.As(err)
			if e == nil || e.Kind != apperr.Invalid {
				t.Fatalf("err = %v", err)
			}
			found := false
			for _, fe := range e.Fields {
				found = found || fe.Field == c.field
			}
			if !found {
				t.Fatalf("no error on %s: %v", c.field, err)
			}
		})
	}
	if n, _ := f.db.CountReports(ctx, f.tenant, reports.Filter{}); n != 0 {
		t.Fatalf("%d reports stored", n)
	}
	if n := blobCount(t, f.blobDir); n != 0 {
		t.Fatalf("%d files stored", n)
	}
}

func TestWorkflow(t *testing.T) {
	f := newFixture(t)
	r, err := f.svc.Submit(ctx, f.request())
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name   string
		change reports.Change
		want   reports.Status
		err    apperr.Kind
	}{
		{"internal note", reports.Change{Body: "Passo domani"}, reports.Submitted, -1},
		{"close without reason", reports.Change{Status: reports.Closed, Body: "No"}, "", apperr.Invalid},
		{"nothing to say", reports.Change{}, "", apperr.Invalid},
		{"take in charge", reports.Change{Status: reports.Acknowledged, Body: "Presa in carico."}, reports.Acknowledged, -1},
		{"back to submitted", reports.Change{Status: reports.Submitted}, "", apperr.Conflict},
		{"work starts", reports.Change{Status: reports.InProgress}, reports.InProgress, -1},
		{"fixed", reports.Change{Status: reports.Fixed, Body: "Buca chiusa."}, reports.Fixed, -1},
		{"closing a fixed report", reports.Change{Status: reports.Closed, CloseReason: reports.NoAction, Body: "x"}, "", apperr.Conflict},
	}
	for _, s := range steps {
		s.change.TenantID, s.change.ReportID = f.tenant, r.ID
		got, err := f.svc.Apply(ctx, s.change)
		if s.err >= 0 {
			if !apperr.Is(err, s.err) {
				t.Fatalf("%s: err = %v, want %v", s.name, err, s.err)
			}
			continue
		}
		if err != nil || got.Status != s.want {
			t.Fatalf("%s: %s, %v", s.name, got.Status, err)
		}
	}
	pub, _ := f.svc.Public(ctx, f.tenant, r.Code)
	if len(pub.Updates) != 3 || pub.FixedAt.IsZero() || pub.FirstAnswerAt.IsZero() {
		t.Fatalf("public history = %+v", pub.Updates)
	}
	for _, u := range pub.Updates {
		if u.Body == "Passo domani" {
			t.Fatal("internal note is public")
		}
	}
	staff, err := f.svc.ForStaff(audit.WithActor(ctx, audit.Actor{Kind: audit.ActorStaff, Label: "anna"}), f.tenant, r.ID)
	if err != nil || staff.Email != "maria@example.it" || len(staff.Updates) != 4 {
		t.Fatalf("staff view = %+v, %v", staff, err)
	}
	entries, _ := f.db.AuditEntries(ctx, f.tenant, audit.Filter{Action: "reports.contact.read"})
	if len(entries) != 1 || entries[0].ObjectID != r.Code || entries[0].Actor.Label != "anna" {
		t.Fatalf("contact read not audited: %+v", entries)
	}
	want := []string{"submitted submitted", "updated acknowledged", "updated in_progress", "updated fixed"}
	if strings.Join(f.events.events, ",") != strings.Join(want, ",") {
		t.Fatalf("events = %v", f.events.events)
	}

	// Closing another report: reason and answer recorded.
	r2, _ := f.svc.Submit(ctx, f.request())
	got, err := f.svc.Apply(ctx, reports.Change{TenantID: f.tenant, ReportID: r2.ID, Status: reports.Closed,
		CloseReason: reports.NotCompetent, Body: "Competenza della Provincia."})
	if err != nil || got.Status != reports.Closed || got.CloseReason != reports.NotCompetent || got.ClosedAt.IsZero() {
		t.Fatalf("closed = %+v, %v", got, err)
	}
	// Another tenant cannot touch it.
	if _, err := f.svc.Apply(ctx, reports.Change{TenantID: f.other, ReportID: r.ID, Body: "x"}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("cross-tenant change: %v", err)
	}
}

func TestListAndFilters(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < 5; i++ {
		req := f.request()
		req.Point = reports.Point{Lat: 45 + float64(i)/100, Lon: 7.6}
		if _, err := f.svc.Submit(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		f    reports.Filter
		n    int
	}{
		{"all", reports.Filter{}, 5},
		{"viewport", reports.Filter{Box: [2]reports.Point{{Lat: 45.005, Lon: 7.5}, {Lat: 45.025, Lon: 7.7}}}, 2},
		{"status", reports.Filter{Statuses: []reports.Status{reports.Fixed}}, 0},
		{"category", reports.Filter{CategoryIDs: []int64{f.category.ID}}, 5},
		{"period", reports.Filter{From: now.Add(time.Hour)}, 0},
		{"page", reports.Filter{Limit: 2, Offset: 4}, 1},
	}
	for _, c := range cases {
		list, total, err := f.svc.List(ctx, f.tenant, c.f)
		if err != nil || len(list) != c.n {
			t.Fatalf("%s: %d reports, %v", c.name, len(list), err)
		}
		if c.name == "page" && total != 5 {
			t.Fatalf("total = %d", total)
		}
		for _, r := range list {
			if r.Email != "" || r.Name != "" {
				t.Fatalf("%s: contact details in the public list", c.name)
			}
		}
	}
}

func TestCategoryValidation(t *testing.T) {
	f := newFixture(t)
	dup := reports.Category{TenantID: f.tenant, Code: f.category.Code, Name: "Altro", OfficeID: f.office, Active: true}
	if err := f.svc.SaveCategory(ctx, &dup); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("duplicate code: %v", err)
	}
	bad := reports.Category{TenantID: f.tenant, Name: "", OfficeID: 0}
	if err := f.svc.SaveCategory(ctx, &bad); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("empty category: %v", err)
	}
	if f.category.Code != "buche-stradali" {
		t.Fatalf("code = %q", f.category.Code)
	}
}
