package store_test

import (
	"context"
	"testing"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/applications"
	"piazza/internal/store"
)

// mustDraft creates a draft application of citizen for a new card of the tenant.
func mustDraft(t *testing.T, db *store.DB, tenantID, officeID, citizenID int64, slug string) applications.Application {
	t.Helper()
	c := mustCard(t, db, testCard(tenantID, officeID, slug))
	code, _ := applications.NewCode()
	a := applications.Application{TenantID: tenantID, Code: code, CardID: c.ID, CardSlug: c.Slug, CardTitle: c.Title,
		Category: c.Category, FormKey: "mensa", FormVersionID: 1, Status: applications.Draft, OfficeID: officeID,
		Applicant: applications.Applicant{CitizenID: citizenID, Name: "Mario Rossi", FiscalCode: "RSSMRA80A01H501U"}}
	if err := db.CreateApplication(ctx, &a, []byte(`{"a":"1"}`)); err != nil {
		t.Fatal(err)
	}
	return a
}

// mustSubmit turns a draft into a registered application with one submission.
func mustSubmit(t *testing.T, db *store.DB, a *applications.Application, files ...string) {
	t.Helper()
	err := db.Atomic(ctx, func(ctx2 context.Context) error {
		s := applications.Submission{TenantID: a.TenantID, ApplicationID: a.ID, Kind: applications.SubmissionFirst,
			Answers: []byte(`{"a":"1"}`), FormVersionID: 1, ProtocolID: 1, ProtocolNumber: "0000001/2026", At: db.Now()}
		if err := db.InsertApplicationSubmission(ctx2, &s, files); err != nil {
			return err
		}
		if err := db.DropApplicationDraft(ctx2, a.TenantID, a.ID); err != nil {
			return err
		}
		a.Status, a.ProtocolNumber, a.SubmittedAt = applications.Registered, "0000001/2026", db.Now()
		return db.UpdateApplication(ctx2, a, applications.Draft)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestApplicationLifecycleStore(t *testing.T) {
	w := newWorld(t)
	a := mustDraft(t, w.db, w.a, w.officeA.ID, w.citizenA.ID, "mensa")
	if got, err := w.db.ApplicationByCode(ctx, w.a, a.Code); err != nil || got.ID != a.ID || got.Status != applications.Draft {
		t.Fatalf("ApplicationByCode = %+v, %v", got, err)
	}
	if got, err := w.db.CitizenDraft(ctx, w.a, w.citizenA.ID, a.CardID); err != nil || got.ID != a.ID {
		t.Fatalf("CitizenDraft = %+v, %v", got, err)
	}
	if err := w.db.SaveApplicationDraft(ctx, w.a, a.ID, []byte(`{"a":"2"}`), "figli"); err != nil {
		t.Fatal(err)
	}
	d, err := w.db.ApplicationDraft(ctx, w.a, a.ID)
	if err != nil || string(d.Answers) != `{"a":"2"}` {
		t.Fatalf("draft = %s, %v", d.Answers, err)
	}
	kept := applications.File{TenantID: w.a, ApplicationID: a.ID, PublicID: "kept", Kind: applications.FileAttachment, Field: "isee",
		Name: "isee.pdf", Type: "application/pdf", Size: 3, SHA256: "abc", BlobKey: "tenants/1/uploads/kept"}
	dropped := kept
	dropped.PublicID, dropped.BlobKey = "dropped", "tenants/1/uploads/dropped"
	for _, f := range []*applications.File{&kept, &dropped} {
		if err := w.db.AddApplicationFile(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.db.DeleteDraftFile(ctx, w.a, a.ID, "dropped"); err != nil {
		t.Fatal(err)
	}
	mustSubmit(t, w.db, &a, "kept")
	if _, err := w.db.ApplicationDraft(ctx, w.a, a.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("draft after submission: %v", err)
	}
	files, _ := w.db.ApplicationFiles(ctx, w.a, a.ID)
	if len(files) != 1 || files[0].SubmissionID == 0 {
		t.Fatalf("files = %+v", files)
	}
	// Submitted answers and files cannot change, even by SQL.
	if err := w.db.DeleteDraftFile(ctx, w.a, a.ID, "kept"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("submitted file deleted: %v", err)
	}
	for _, q := range []string{"UPDATE application_submissions SET answers = '{}'", "DELETE FROM application_submissions",
		"UPDATE application_files SET name = 'x'", "DELETE FROM application_files"} {
		if err := store.ExecRaw(ctx, w.db, q); err == nil {
			t.Errorf("%s: allowed", q)
		}
	}
	// A stale status is a conflict.
	stale := a
	stale.Status = applications.TakenInCharge
	if err := w.db.UpdateApplication(ctx, &stale, applications.Draft); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale update: %v", err)
	}
	// The history is append-only.
	e := applications.Event{TenantID: w.a, ApplicationID: a.ID, ActorKind: applications.ActorCitizen, ActorID: w.citizenA.ID,
		From: applications.Draft, To: applications.Submitted}
	if err := w.db.AppendApplicationEvent(ctx, &e); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"UPDATE application_events SET note = 'x'", "DELETE FROM application_events"} {
		if err := store.ExecRaw(ctx, w.db, q); err == nil {
			t.Errorf("%s: allowed", q)
		}
	}
	if evs, _ := w.db.ApplicationEvents(ctx, w.a, a.ID); len(evs) != 1 || evs[0].To != applications.Submitted {
		t.Fatalf("events = %+v", evs)
	}
	// Messages and internal notes.
	for _, internal := range []bool{false, true} {
		m := applications.Message{TenantID: w.a, ApplicationID: a.ID, AuthorKind: applications.ActorStaff, AuthorID: w.staffA.ID,
			AuthorName: "Anna", Body: "ciao", Internal: internal}
		if err := w.db.AddApplicationMessage(ctx, &m); err != nil {
			t.Fatal(err)
		}
	}
	if ms, _ := w.db.ApplicationMessages(ctx, w.a, a.ID, false); len(ms) != 1 || ms[0].Internal {
		t.Fatalf("citizen messages = %+v", ms)
	}
	if ms, _ := w.db.ApplicationMessages(ctx, w.a, a.ID, true); len(ms) != 2 {
		t.Fatalf("office messages = %+v", ms)
	}
	// Only drafts can be deleted.
	if _, err := w.db.DeleteDraftApplication(ctx, w.a, a.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("submitted application deleted: %v", err)
	}
}

func TestPruneApplicationDrafts(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	w := newWorld(t)
	old := mustDraft(t, w.db, w.a, w.officeA.ID, w.citizenA.ID, "vecchia")
	f := applications.File{TenantID: w.a, ApplicationID: old.ID, PublicID: "p1", Kind: applications.FileAttachment,
		Name: "a.pdf", Type: "application/pdf", Size: 1, SHA256: "x", BlobKey: "tenants/1/uploads/p1"}
	if err := w.db.AddApplicationFile(ctx, &f); err != nil {
		t.Fatal(err)
	}
	sent := mustDraft(t, w.db, w.a, w.officeA.ID, w.citizenA.ID, "inviata")
	mustSubmit(t, w.db, &sent)
	n, keys, err := w.db.PruneApplicationDrafts(ctx, now.Add(100*365*24*time.Hour))
	if err != nil || n != 1 || len(keys) != 1 || keys[0] != f.BlobKey {
		t.Fatalf("prune = %d %v %v", n, keys, err)
	}
	if _, err := w.db.Application(ctx, w.a, sent.ID); err != nil {
		t.Fatalf("submitted application pruned: %v", err)
	}
}

func TestApplicationQueue(t *testing.T) {
	w := newWorld(t)
	a := mustDraft(t, w.db, w.a, w.officeA.ID, w.citizenA.ID, "mensa")
	draft := mustDraft(t, w.db, w.a, w.officeA.ID, w.citizenA.ID, "ztl")
	mustSubmit(t, w.db, &a)
	got, err := w.db.ApplicationQueue(ctx, w.a, applications.Query{})
	if err != nil || len(got) != 1 || got[0].ID != a.ID {
		t.Fatalf("queue = %+v, %v (draft %d must not show)", got, err, draft.ID)
	}
	if got, _ := w.db.ApplicationQueue(ctx, w.a, applications.Query{Offices: []int64{}}); len(got) != 0 {
		t.Fatal("queue without offices shows applications")
	}
	if got, _ := w.db.ApplicationQueue(ctx, w.a, applications.Query{Search: "rossi", Status: applications.Registered}); len(got) != 1 {
		t.Fatal("search by name")
	}
	if got, _ := w.db.ApplicationQueue(ctx, w.a, applications.Query{Search: "verdi"}); len(got) != 0 {
		t.Fatal("search matched another name")
	}
}

// TestRecordSubmission: what a registered submission changes is stored all or
// nothing (one statement on PostgreSQL): the submitted leg with its files frozen,
// the application's new state, the draft gone, the history with its ids; a stale
// status or another tenant's application changes nothing.
func TestRecordSubmission(t *testing.T) {
	w := newWorld(t)
	a := mustDraft(t, w.db, w.a, w.officeA.ID, w.citizenA.ID, "ztl")
	for _, id := range []string{"one", "two", "other"} {
		f := applications.File{TenantID: w.a, ApplicationID: a.ID, PublicID: id, Kind: applications.FileAttachment, Field: "doc",
			Name: id + ".pdf", Type: "application/pdf", Size: 3, SHA256: "abc", BlobKey: "k/" + id}
		if err := w.db.AddApplicationFile(ctx, &f); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	record := func(a applications.Application, from applications.Status) (applications.Submission, []applications.Event, error) {
		s := applications.Submission{TenantID: a.TenantID, ApplicationID: a.ID, Kind: applications.SubmissionFirst,
			Answers: []byte(`{"targa":"AB123CD"}`), FormVersionID: 1, ProtocolID: 7, ProtocolNumber: "0000007/2026", At: at}
		next := a
		next.Status, next.ProtocolNumber, next.ProtocolAt, next.SubmittedAt = applications.Registered, "0000007/2026", at, at
		events := []applications.Event{
			{TenantID: a.TenantID, ApplicationID: a.ID, At: at, ActorKind: applications.ActorCitizen, ActorID: w.citizenA.ID, ActorName: "Mario Rossi",
				From: applications.Draft, To: applications.Submitted},
			{TenantID: a.TenantID, ApplicationID: a.ID, At: at, ActorKind: applications.ActorSystem, From: applications.Submitted,
				To: applications.Registered, Note: "Protocollo n. 0000007/2026"},
		}
		err := w.db.Atomic(ctx, func(ctx context.Context) error {
			return w.db.RecordSubmission(ctx, &s, []string{"one", "two"}, &next, from, events)
		})
		return s, events, err
	}
	// Stale status, another tenant: nothing happens.
	if _, _, err := record(a, applications.TakenInCharge); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("stale status: %v", err)
	}
	foreign := a
	foreign.TenantID = w.b
	if _, _, err := record(foreign, applications.Draft); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another tenant's application: %v", err)
	}
	if subs, _ := w.db.ApplicationSubmissions(ctx, w.a, a.ID); len(subs) != 0 {
		t.Fatalf("refused submissions stored: %+v", subs)
	}
	if _, err := w.db.ApplicationDraft(ctx, w.a, a.ID); err != nil {
		t.Fatalf("draft lost by a refused submission: %v", err)
	}
	if evs, _ := w.db.ApplicationEvents(ctx, w.a, a.ID); len(evs) != 0 {
		t.Fatalf("refused history stored: %+v", evs)
	}

	s, events, err := record(a, applications.Draft)
	if err != nil {
		t.Fatal(err)
	}
	subs, _ := w.db.ApplicationSubmissions(ctx, w.a, a.ID)
	if len(subs) != 1 || subs[0].ID != s.ID || subs[0].ProtocolNumber != "0000007/2026" || string(subs[0].Answers) != `{"targa":"AB123CD"}` {
		t.Fatalf("submissions %+v (id %d)", subs, s.ID)
	}
	got, _ := w.db.Application(ctx, w.a, a.ID)
	if got.Status != applications.Registered || got.ProtocolNumber != "0000007/2026" || !got.SubmittedAt.Equal(at) {
		t.Fatalf("application %+v", got)
	}
	if _, err := w.db.ApplicationDraft(ctx, w.a, a.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("draft kept: %v", err)
	}
	files, _ := w.db.ApplicationFiles(ctx, w.a, a.ID)
	for _, f := range files {
		if frozen := f.SubmissionID == s.ID; frozen != (f.PublicID != "other") {
			t.Errorf("file %s: submission %d", f.PublicID, f.SubmissionID)
		}
	}
	evs, _ := w.db.ApplicationEvents(ctx, w.a, a.ID)
	if len(evs) != 2 || evs[0].ID != events[0].ID || evs[1].ID != events[1].ID || evs[0].To != applications.Submitted ||
		evs[1].To != applications.Registered || evs[1].Note != "Protocollo n. 0000007/2026" || !evs[1].At.Equal(at) {
		t.Fatalf("history %+v, ids %d %d", evs, events[0].ID, events[1].ID)
	}
}
