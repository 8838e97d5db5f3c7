package store_test

import (
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/reports"
)

// reportsWorld gives both tenants a category with the same code and a report with
// an update and a photo, at the same place and time.
func reportsWorld(t *testing.T, w *world) (a, b reports.Report) {
	t.Helper()
	at := time.Date(2030, 3, 5, 9, 0, 0, 0, time.UTC)
	for i, tn := range []struct{ tenant, office, citizen int64 }{{w.a, w.officeA.ID, w.citizenA.ID}, {w.b, w.officeB.ID, w.citizenB.ID}} {
		c := reports.Category{TenantID: tn.tenant, Code: "buche", Name: "Buche", OfficeID: tn.office, Active: true}
		if err := w.db.SaveReportCategory(ctx, &c); err != nil {
			t.Fatal(err)
		}
		r := reports.Report{TenantID: tn.tenant, Code: []string{"AAAA-AAAA-AAAA", "BBBB-BBBB-BBBB"}[i], CategoryID: c.ID,
			OfficeID: tn.office, Status: reports.Submitted, Subject: "Buca", Description: "d", Point: reports.Point{Lat: 45, Lon: 7.6},
			Source: "web", Name: "Mario", Email: "m@x.it", CitizenID: tn.citizen, Lang: "it", CreatedAt: at, UpdatedAt: at}
		if err := w.db.InsertReport(ctx, &r); err != nil {
			t.Fatal(err)
		}
		if err := w.db.InsertReportUpdate(ctx, &reports.Update{TenantID: tn.tenant, ReportID: r.ID, Body: "ok", Public: true, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		p := reports.Photo{TenantID: tn.tenant, ReportID: r.ID, FileID: []string{"aaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbb"}[i],
			Key: "k", ThumbKey: "t", Type: "image/jpeg", SHA256: "x", Size: 1, CreatedAt: at}
		if err := w.db.InsertReportPhoto(ctx, &p); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			a = r
		} else {
			b = r
		}
	}
	return a, b
}

func init() {
	isolationChecks["ReportCategories"] = func(t *testing.T, w *world) {
		a, _ := reportsWorld(t, w)
		list, err := w.db.ReportCategories(ctx, w.a, false)
		if err != nil || len(list) != 1 || list[0].ID != a.CategoryID {
			t.Fatalf("ReportCategories(A) = %+v, %v", list, err)
		}
	}
	isolationChecks["ReportCategory"] = func(t *testing.T, w *world) {
		_, b := reportsWorld(t, w)
		if _, err := w.db.ReportCategory(ctx, w.a, b.CategoryID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's category seen from A: %v", err)
		}
	}
	isolationChecks["ReportCategoryByCode"] = func(t *testing.T, w *world) {
		a, _ := reportsWorld(t, w)
		c, err := w.db.ReportCategoryByCode(ctx, w.a, "buche")
		if err != nil || c.ID != a.CategoryID || c.TenantID != w.a {
			t.Fatalf("ReportCategoryByCode(A) = %+v, %v", c, err)
		}
	}
	isolationChecks["ReportByCode"] = func(t *testing.T, w *world) {
		_, b := reportsWorld(t, w)
		if _, err := w.db.ReportByCode(ctx, w.a, b.Code); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's report seen from A: %v", err)
		}
	}
	isolationChecks["ReportByID"] = func(t *testing.T, w *world) {
		_, b := reportsWorld(t, w)
		if _, err := w.db.ReportByID(ctx, w.a, b.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's report seen from A: %v", err)
		}
	}
	isolationChecks["Reports"] = func(t *testing.T, w *world) {
		a, b := reportsWorld(t, w)
		list, err := w.db.Reports(ctx, w.a, reports.Filter{Box: [2]reports.Point{{Lat: 44, Lon: 7}, {Lat: 46, Lon: 8}}})
		if err != nil || len(list) != 1 || list[0].Code != a.Code {
			t.Fatalf("Reports(A) = %+v, %v", list, err)
		}
		list, _ = w.db.Reports(ctx, w.a, reports.Filter{Codes: []string{b.Code}, CategoryIDs: []int64{b.CategoryID}})
		if len(list) != 0 {
			t.Fatalf("B's report listed in A: %+v", list)
		}
	}
	isolationChecks["CountReports"] = func(t *testing.T, w *world) {
		_, b := reportsWorld(t, w)
		if n, err := w.db.CountReports(ctx, w.a, reports.Filter{}); err != nil || n != 1 {
			t.Fatalf("CountReports(A) = %d, %v", n, err)
		}
		if n, _ := w.db.CountReports(ctx, w.a, reports.Filter{OfficeID: b.OfficeID}); n != 0 {
			t.Fatalf("B's office counted in A: %d", n)
		}
	}
	isolationChecks["ReportUpdates"] = func(t *testing.T, w *world) {
		_, b := reportsWorld(t, w)
		list, err := w.db.ReportUpdates(ctx, w.a, b.ID, false)
		if err != nil || len(list) != 0 {
			t.Fatalf("B's updates seen from A: %+v, %v", list, err)
		}
	}
	isolationChecks["ReportPhotos"] = func(t *testing.T, w *world) {
		_, b := reportsWorld(t, w)
		list, err := w.db.ReportPhotos(ctx, w.a, b.ID)
		if err != nil || len(list) != 0 {
			t.Fatalf("B's photos seen from A: %+v, %v", list, err)
		}
	}
	isolationChecks["ReportPhoto"] = func(t *testing.T, w *world) {
		reportsWorld(t, w)
		if _, err := w.db.ReportPhoto(ctx, w.a, "bbbbbbbbbbbbbbbbbbbbbbbbbb"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's photo seen from A: %v", err)
		}
	}
	// Writers take the tenant inside the struct: pointing A's rows at B's objects
	// fails, and updates of B's rows through A touch nothing.
	isolationChecks["UpdateReport"] = func(t *testing.T, w *world) {
		_, b := reportsWorld(t, w)
		b.TenantID = w.a
		b.Status = reports.Closed
		if err := w.db.UpdateReport(ctx, &b); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("A updated B's report: %v", err)
		}
		got, _ := w.db.ReportByID(ctx, w.b, b.ID)
		if got.Status != reports.Submitted {
			t.Fatalf("B's report changed: %s", got.Status)
		}
	}
	isolationChecks["SaveReportCategory"] = func(t *testing.T, w *world) {
		_, b := reportsWorld(t, w)
		// A category of A handled by B's office is refused.
		c := reports.Category{TenantID: w.a, Code: "verde", Name: "Verde", OfficeID: w.officeB.ID, Active: true}
		if err := w.db.SaveReportCategory(ctx, &c); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("A's category with B's office: %v", err)
		}
		// Renaming B's category through A touches nothing.
		c = reports.Category{ID: b.CategoryID, TenantID: w.a, Code: "x", Name: "X", OfficeID: w.officeA.ID}
		if err := w.db.SaveReportCategory(ctx, &c); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("A renamed B's category: %v", err)
		}
	}
	isolationChecks["InsertReport"] = func(t *testing.T, w *world) {
		_, b := reportsWorld(t, w)
		r := reports.Report{TenantID: w.a, Code: "CCCC-CCCC-CCCC", CategoryID: b.CategoryID, OfficeID: w.officeA.ID,
			Status: reports.Submitted, Subject: "s", Description: "d", Address: "via Roma", Lang: "it",
			CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := w.db.InsertReport(ctx, &r); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("A's report in B's category: %v", err)
		}
	}
	isolationChecks["InsertReportUpdate"] = func(t *testing.T, w *world) {
		_, b := reportsWorld(t, w)
		if err := w.db.InsertReportUpdate(ctx, &reports.Update{TenantID: w.a, ReportID: b.ID, Body: "x", CreatedAt: time.Now()}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("A updated B's report: %v", err)
		}
	}
	isolationChecks["InsertReportPhoto"] = func(t *testing.T, w *world) {
		_, b := reportsWorld(t, w)
		p := reports.Photo{TenantID: w.a, ReportID: b.ID, FileID: "cccccccccccccccccccccccccc", Key: "k", ThumbKey: "t",
			Type: "image/jpeg", SHA256: "x", Size: 1, CreatedAt: time.Now()}
		if err := w.db.InsertReportPhoto(ctx, &p); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("A added a photo to B's report: %v", err)
		}
	}
}
