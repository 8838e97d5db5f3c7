package store_test

import (
	"fmt"
	"testing"

	"piazza/internal/apperr"
	"piazza/internal/applications"
)

// appsOf gives each tenant of w a registered application of its citizen, each
// with one submitted file and a message.
func appsOf(t *testing.T, w *world) (a, b applications.Application) {
	t.Helper()
	a = mustDraft(t, w.db, w.a, w.officeA.ID, w.citizenA.ID, "mensa")
	b = mustDraft(t, w.db, w.b, w.officeB.ID, w.citizenB.ID, "mensa")
	for _, x := range []*applications.Application{&a, &b} {
		f := applications.File{TenantID: x.TenantID, ApplicationID: x.ID, PublicID: "f" + x.Code, Kind: applications.FileAttachment,
			Name: "a.pdf", Type: "application/pdf", Size: 1, SHA256: "x", BlobKey: "k"}
		if err := w.db.AddApplicationFile(ctx, &f); err != nil {
			t.Fatal(err)
		}
		mustSubmit(t, w.db, x, f.PublicID)
		m := applications.Message{TenantID: x.TenantID, ApplicationID: x.ID, AuthorKind: applications.ActorCitizen, AuthorID: 1, AuthorName: "M", Body: "x"}
		if err := w.db.AddApplicationMessage(ctx, &m); err != nil {
			t.Fatal(err)
		}
	}
	return a, b
}

func init() {
	notFound := func(t *testing.T, what string, err error) {
		t.Helper()
		if !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("%s of B through A: %v", what, err)
		}
	}
	isolationChecks["CreateApplication"] = func(t *testing.T, w *world) {
		_, b := appsOf(t, w)
		// A's application can point at neither B's card, office nor citizen.
		for i, mod := range []func(*applications.Application){
			func(x *applications.Application) { x.CardID = b.CardID },
			func(x *applications.Application) { x.OfficeID = w.officeB.ID },
			func(x *applications.Application) { x.Applicant.CitizenID = w.citizenB.ID },
		} {
			x := mustDraft(t, w.db, w.a, w.officeA.ID, w.citizenA.ID, fmt.Sprintf("altro-%d", i))
			x.Code, _ = applications.NewCode()
			mod(&x)
			if err := w.db.CreateApplication(ctx, &x, []byte("{}")); err == nil {
				t.Fatal("application of A points into B")
			}
			w.db.DeleteDraftApplication(ctx, w.a, x.ID)
		}
	}
	isolationChecks["Application"] = func(t *testing.T, w *world) {
		_, b := appsOf(t, w)
		_, err := w.db.Application(ctx, w.a, b.ID)
		notFound(t, "Application", err)
	}
	isolationChecks["ApplicationByCode"] = func(t *testing.T, w *world) {
		_, b := appsOf(t, w)
		_, err := w.db.ApplicationByCode(ctx, w.a, b.Code)
		notFound(t, "ApplicationByCode", err)
	}
	isolationChecks["CitizenApplications"] = func(t *testing.T, w *world) {
		a, _ := appsOf(t, w)
		list, _ := w.db.CitizenApplications(ctx, w.a, w.citizenA.ID)
		if len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("CitizenApplications(A) = %+v", list)
		}
		if list, _ := w.db.CitizenApplications(ctx, w.a, w.citizenB.ID); len(list) != 0 {
			t.Fatal("B's citizen's applications listed through A")
		}
	}
	isolationChecks["CitizenDraft"] = func(t *testing.T, w *world) {
		b := mustDraft(t, w.db, w.b, w.officeB.ID, w.citizenB.ID, "mensa")
		_, err := w.db.CitizenDraft(ctx, w.a, w.citizenB.ID, b.CardID)
		notFound(t, "CitizenDraft", err)
	}
	isolationChecks["ApplicationDraft"] = func(t *testing.T, w *world) {
		b := mustDraft(t, w.db, w.b, w.officeB.ID, w.citizenB.ID, "mensa")
		_, err := w.db.ApplicationDraft(ctx, w.a, b.ID)
		notFound(t, "ApplicationDraft", err)
	}
	isolationChecks["SaveApplicationDraft"] = func(t *testing.T, w *world) {
		b := mustDraft(t, w.db, w.b, w.officeB.ID, w.citizenB.ID, "mensa")
		notFound(t, "SaveApplicationDraft", w.db.SaveApplicationDraft(ctx, w.a, b.ID, []byte(`{"x":1}`), "s"))
		if d, _ := w.db.ApplicationDraft(ctx, w.b, b.ID); string(d.Answers) != `{"a":"1"}` {
			t.Fatal("B's draft changed")
		}
	}
	isolationChecks["DropApplicationDraft"] = func(t *testing.T, w *world) {
		b := mustDraft(t, w.db, w.b, w.officeB.ID, w.citizenB.ID, "mensa")
		w.db.DropApplicationDraft(ctx, w.a, b.ID)
		if _, err := w.db.ApplicationDraft(ctx, w.b, b.ID); err != nil {
			t.Fatal("B's draft dropped through A")
		}
	}
	isolationChecks["DeleteDraftApplication"] = func(t *testing.T, w *world) {
		b := mustDraft(t, w.db, w.b, w.officeB.ID, w.citizenB.ID, "mensa")
		_, err := w.db.DeleteDraftApplication(ctx, w.a, b.ID)
		notFound(t, "DeleteDraftApplication", err)
	}
	isolationChecks["ApplicationFiles"] = func(t *testing.T, w *world) {
		_, b := appsOf(t, w)
		if list, _ := w.db.ApplicationFiles(ctx, w.a, b.ID); len(list) != 0 {
			t.Fatal("B's files listed through A")
		}
	}
	isolationChecks["ApplicationFile"] = func(t *testing.T, w *world) {
		_, b := appsOf(t, w)
		_, err := w.db.ApplicationFile(ctx, w.a, b.ID, "f"+b.Code)
		notFound(t, "ApplicationFile", err)
	}
	isolationChecks["DeleteDraftFile"] = func(t *testing.T, w *world) {
		b := mustDraft(t, w.db, w.b, w.officeB.ID, w.citizenB.ID, "mensa")
		f := applications.File{TenantID: w.b, ApplicationID: b.ID, PublicID: "fb", Kind: applications.FileAttachment, Name: "a", Type: "t", SHA256: "x", BlobKey: "k"}
		w.db.AddApplicationFile(ctx, &f)
		notFound(t, "DeleteDraftFile", w.db.DeleteDraftFile(ctx, w.a, b.ID, "fb"))
		if _, err := w.db.ApplicationFile(ctx, w.b, b.ID, "fb"); err != nil {
			t.Fatal("B's file deleted through A")
		}
	}
	isolationChecks["AddApplicationFile"] = func(t *testing.T, w *world) {
		_, b := appsOf(t, w)
		f := applications.File{TenantID: w.a, ApplicationID: b.ID, PublicID: "x", Kind: applications.FileAttachment, Name: "a", Type: "t", SHA256: "x", BlobKey: "k"}
		if err := w.db.AddApplicationFile(ctx, &f); err == nil {
			t.Fatal("file of A attached to B's application")
		}
	}
	isolationChecks["ApplicationSubmissions"] = func(t *testing.T, w *world) {
		_, b := appsOf(t, w)
		if list, _ := w.db.ApplicationSubmissions(ctx, w.a, b.ID); len(list) != 0 {
			t.Fatal("B's submissions listed through A")
		}
	}
	isolationChecks["UpdateApplication"] = func(t *testing.T, w *world) {
		_, b := appsOf(t, w)
		x := b
		x.TenantID, x.Status = w.a, applications.Accepted
		if err := w.db.UpdateApplication(ctx, &x, applications.Registered); err == nil {
			t.Fatal("B's application updated through A")
		}
		if got, _ := w.db.Application(ctx, w.b, b.ID); got.Status != applications.Registered {
			t.Fatal("B's application changed")
		}
	}
	isolationChecks["ApplicationEvents"] = func(t *testing.T, w *world) {
		_, b := appsOf(t, w)
		e := applications.Event{TenantID: w.b, ApplicationID: b.ID, ActorKind: applications.ActorSystem, From: "draft", To: "submitted"}
		w.db.AppendApplicationEvent(ctx, &e)
		if list, _ := w.db.ApplicationEvents(ctx, w.a, b.ID); len(list) != 0 {
			t.Fatal("B's history listed through A")
		}
		e.TenantID = w.a
		if err := w.db.AppendApplicationEvent(ctx, &e); err == nil {
			t.Fatal("event of A on B's application")
		}
	}
	isolationChecks["ApplicationMessages"] = func(t *testing.T, w *world) {
		_, b := appsOf(t, w)
		if list, _ := w.db.ApplicationMessages(ctx, w.a, b.ID, true); len(list) != 0 {
			t.Fatal("B's messages listed through A")
		}
		m := applications.Message{TenantID: w.a, ApplicationID: b.ID, AuthorKind: applications.ActorStaff, AuthorID: 1, AuthorName: "x", Body: "x"}
		if err := w.db.AddApplicationMessage(ctx, &m); err == nil {
			t.Fatal("message of A on B's application")
		}
	}
	isolationChecks["ApplicationQueue"] = func(t *testing.T, w *world) {
		a, _ := appsOf(t, w)
		list, _ := w.db.ApplicationQueue(ctx, w.a, applications.Query{})
		if len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("ApplicationQueue(A) = %+v", list)
		}
		if list, _ := w.db.ApplicationQueue(ctx, w.a, applications.Query{Offices: []int64{w.officeB.ID}}); len(list) != 0 {
			t.Fatal("B's office's applications listed through A")
		}
	}
}
