package store_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/jobs"
	"piazza/internal/session"
	"piazza/internal/store"
	"piazza/internal/store/storetest"
	"piazza/internal/tenants"
)

var ctx = context.Background()

func TestMigrationFilesMatchAcrossDialects(t *testing.T) {
	names := func(d store.Dialect) []string {
		ms, err := store.Migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.Version)
		}
		return out
	}
	a, b := names(store.SQLite), names(store.Postgres)
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Fatalf("migrations differ: sqlite %v, postgres %v", a, b)
	}
	_ = fs.ValidPath
}

func TestMigrateIsIdempotent(t *testing.T) {
	db := storetest.Open(t)
	done, err := db.Migrate(ctx)
	if err != nil || len(done) != 0 {
		t.Fatalf("second migrate applied %v, %v", done, err)
	}
}

func TestTimesRoundTripInUTC(t *testing.T) {
	db := storetest.Open(t)
	rome, _ := time.LoadLocation("Europe/Rome")
	when := time.Date(2026, 3, 29, 2, 30, 0, 123456789, rome) // around the DST change
	a := storetest.MustCreateAccount(t, db, "t@example.org", "una-password-lunga")
	if err := db.SetLockedUntil(ctx, a.ID, when); err != nil {
		t.Fatal(err)
	}
	got, err := db.Account(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.LockedUntil.Equal(when.Truncate(time.Microsecond)) || got.LockedUntil.Location() != time.UTC {
		t.Fatalf("locked_until = %v, want %v in UTC", got.LockedUntil, when)
	}
	if err := db.SetLockedUntil(ctx, a.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Account(ctx, a.ID)
	if !got.LockedUntil.IsZero() {
		t.Fatalf("zero time must round-trip as NULL, got %v", got.LockedUntil)
	}
}

func TestTenantLifecycle(t *testing.T) {
	db := storetest.Open(t)
	v0, _ := db.TenantsVersion(ctx)
	tn := storetest.MustCreateTenant(t, db, "borgofiorito")
	if v1, _ := db.TenantsVersion(ctx); v1 <= v0 {
		t.Fatal("creating a tenant must bump the version stamp")
	}
	got, err := db.TenantByHost(ctx, "servizi.borgofiorito.example.it")
	if err != nil || got.ID != tn.ID || got.ServicesHost() != "servizi.borgofiorito.example.it" || !got.Has(tenants.ModuleServices) {
		t.Fatalf("TenantByHost = %+v, %v", got, err)
	}
	got.Social = []tenants.SocialLink{{Network: "facebook", URL: "https://facebook.com/borgo"}}
	got.Status = tenants.StatusSuspended
	stale := got
	if err := db.UpdateTenant(ctx, &got); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateTenant(ctx, &stale); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("stale update must conflict, got %v", err)
	}
	again, _ := db.Tenant(ctx, tn.ID)
	if again.Status != tenants.StatusSuspended || len(again.Social) != 1 || again.Version != 2 {
		t.Fatalf("update not saved: %+v", again)
	}
	other := tenants.Tenant{Slug: "altro", Name: "Comune di Altro", Kind: tenants.KindComune, PrimaryColor: "#0066CC", Status: tenants.StatusActive,
		Hosts: []tenants.Host{{Name: "borgofiorito.example.it", Kind: tenants.HostSite}}}
	if err := db.CreateTenant(ctx, &other); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("taken host must conflict: %v", err)
	}
	if _, err := db.TenantBySlug(ctx, "altro"); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("failed create must leave nothing behind: %v", err)
	}
	other.Slug, other.Hosts = "borgofiorito", []tenants.Host{{Name: "x.example.it", Kind: tenants.HostSite}}
	if err := db.CreateTenant(ctx, &other); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("taken slug must conflict: %v", err)
	}
	if _, err := db.Tenant(ctx, 9999); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("missing tenant: %v", err)
	}
}

func TestAtomicRollsBackEverything(t *testing.T) {
	db := storetest.Open(t)
	tn := storetest.MustCreateTenant(t, db, "borgo")
	boom := errors.New("boom")
	err := db.Atomic(ctx, func(ctx context.Context) error {
		o := accounts.Office{TenantID: tn.ID, Name: "Ufficio Tributi", Slug: "tributi"}
		if err := db.CreateOffice(ctx, &o); err != nil {
			return err
		}
		if err := db.AppendAudit(ctx, audit.Entry{TenantID: tn.ID, Action: "office.create"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	offices, _ := db.Offices(ctx, tn.ID)
	entries, _ := db.AuditEntries(ctx, tn.ID, audit.Filter{})
	if len(offices) != 0 || len(entries) != 0 {
		t.Fatalf("rolled-back transaction left %d offices and %d audit entries", len(offices), len(entries))
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	db := storetest.Open(t)
	tn := storetest.MustCreateTenant(t, db, "borgo")
	if err := db.AppendAudit(ctx, audit.Entry{TenantID: tn.ID, Action: "x", Actor: audit.Actor{Kind: audit.ActorStaff, Label: "a@b.it"}}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"UPDATE audit_log SET action = 'y'", "DELETE FROM audit_log"} {
		if err := store.ExecForTest(db, ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: want refusal, got %v", q, err)
		}
	}
	entries, _ := db.AuditEntries(ctx, tn.ID, audit.Filter{})
	if len(entries) != 1 || entries[0].Action != "x" {
		t.Fatalf("entries changed: %+v", entries)
	}
}

func TestAuditFilter(t *testing.T) {
	db := storetest.Open(t)
	tn := storetest.MustCreateTenant(t, db, "borgo")
	base := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for i, a := range []string{"office.create", "office.update", "staff.add", "citizen.view"} {
		e := audit.Entry{TenantID: tn.ID, At: base.Add(time.Duration(i) * time.Hour), Action: a, ObjectType: strings.Split(a, ".")[0],
			Actor: audit.Actor{Kind: audit.ActorStaff, Label: []string{"anna@borgo.it", "bruno@borgo.it"}[i%2]}}
		if err := db.AppendAudit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		f    audit.Filter
		want []string
	}{
		{"all newest first", audit.Filter{}, []string{"citizen.view", "staff.add", "office.update", "office.create"}},
		{"action prefix", audit.Filter{Action: "office."}, []string{"office.update", "office.create"}},
		{"actor substring, any case", audit.Filter{Actor: "BRUNO"}, []string{"citizen.view", "office.update"}},
		{"time range", audit.Filter{From: base.Add(time.Hour), To: base.Add(3 * time.Hour)}, []string{"staff.add", "office.update"}},
		{"like wildcards are literal", audit.Filter{Action: "%"}, nil},
		{"limit", audit.Filter{Limit: 1}, []string{"citizen.view"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.AuditEntries(ctx, tn.ID, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, e := range got {
				actions = append(actions, e.Action)
			}
			if !slices.Equal(actions, tt.want) {
				t.Fatalf("got %v, want %v", actions, tt.want)
			}
		})
	}
}

func TestStaffRolesAndOffices(t *testing.T) {
	db := storetest.Open(t)
	tn := storetest.MustCreateTenant(t, db, "borgo")
	a := storetest.MustCreateAccount(t, db, "anna@borgo.it", "una-password-lunga")
	storetest.MustAddStaff(t, db, tn.ID, a.ID, accounts.RoleOperator, accounts.RoleEditor)
	o := storetest.MustCreateOffice(t, db, tn.ID, "Anagrafe e Stato civile")
	if err := db.SetOfficeMembers(ctx, tn.ID, o.ID, []int64{a.ID}); err != nil {
		t.Fatal(err)
	}
	st, err := db.StaffMember(ctx, tn.ID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.Roles, []accounts.Role{accounts.RoleEditor, accounts.RoleOperator}) || !slices.Equal(st.OfficeIDs, []int64{o.ID}) {
		t.Fatalf("staff = %+v", st)
	}
	if err := db.AddStaff(ctx, tn.ID, a.ID); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("double membership: %v", err)
	}
	stranger := storetest.MustCreateAccount(t, db, "x@altro.it", "una-password-lunga")
	if err := db.SetOfficeMembers(ctx, tn.ID, o.ID, []int64{stranger.ID}); apperr.KindOf(err) != apperr.Invalid {
		t.Fatalf("a non-member cannot join an office: %v", err)
	}
	if ids, _ := db.OfficeMemberIDs(ctx, tn.ID, o.ID); !slices.Equal(ids, []int64{a.ID}) {
		t.Fatalf("failed replacement must keep the old members: %v", ids)
	}
	if err := db.RemoveStaff(ctx, tn.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if ids, _ := db.OfficeMemberIDs(ctx, tn.ID, o.ID); len(ids) != 0 {
		t.Fatalf("office memberships must go with the staff membership: %v", ids)
	}
	if _, err := db.StaffMember(ctx, tn.ID, a.ID); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("removed: %v", err)
	}
}

func TestPasswordResetIsSingleUseAndExpires(t *testing.T) {
	db := storetest.Open(t)
	a := storetest.MustCreateAccount(t, db, "anna@borgo.it", "una-password-lunga")
	now := time.Now().UTC()
	if err := db.CreatePasswordReset(ctx, "h1", a.ID, 0, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.CreatePasswordReset(ctx, "h2", a.ID, 0, now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.PasswordResetUsable(ctx, "h1", now); !ok {
		t.Fatal("fresh token must be usable")
	}
	var wg sync.WaitGroup
	results := make(chan error, 5)
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.ConsumePasswordReset(ctx, "h1", now)
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	okCount := 0
	for err := range results {
		if err == nil {
			okCount++
		} else if apperr.KindOf(err) != apperr.NotFound {
			t.Fatal(err)
		}
	}
	if okCount != 1 {
		t.Fatalf("token consumed %d times concurrently, want 1", okCount)
	}
	if _, err := db.ConsumePasswordReset(ctx, "h2", now); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("expired token: %v", err)
	}
	if n, _ := db.CountPasswordResets(ctx, a.ID, now.Add(-time.Minute)); n != 2 {
		t.Fatalf("count = %d", n)
	}
}

func TestTOTPStepCannotBeReused(t *testing.T) {
	db := storetest.Open(t)
	a := storetest.MustCreateAccount(t, db, "anna@borgo.it", "una-password-lunga")
	if err := db.UseTOTPStep(ctx, a.ID, 100); err != nil {
		t.Fatal(err)
	}
	for _, step := range []int64{100, 99} {
		if err := db.UseTOTPStep(ctx, a.ID, step); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("step %d reused: %v", step, err)
		}
	}
}

func TestAuthAttempts(t *testing.T) {
	db := storetest.Open(t)
	now := time.Now().UTC()
	for i := range 3 {
		db.RecordAuthAttempt(ctx, accounts.AuthAttempt{Email: "a@b.it", IP: "10.0.0.1", Kind: "password", At: now.Add(-time.Duration(i) * 10 * time.Minute)})
	}
	db.RecordAuthAttempt(ctx, accounts.AuthAttempt{Email: "a@b.it", IP: "10.0.0.2", Kind: "password", Success: true, At: now})
	if n, _ := db.AuthFailures(ctx, "email", "a@b.it", now.Add(-15*time.Minute)); n != 2 {
		t.Fatalf("email failures = %d", n)
	}
	if n, _ := db.AuthFailures(ctx, "ip", "10.0.0.2", now.Add(-time.Hour)); n != 0 {
		t.Fatalf("ip failures = %d", n)
	}
	if last, _ := db.LastAuthSuccess(ctx, "a@b.it"); !last.Equal(now.Truncate(time.Microsecond)) {
		t.Fatalf("last success %v", last)
	}
	if _, err := db.AuthFailures(ctx, "name; DROP TABLE x", "a", now); err == nil {
		t.Fatal("unknown column must be refused")
	}
}

func TestSessions(t *testing.T) {
	db := storetest.Open(t)
	now := time.Now().UTC()
	s := session.Session{TokenHash: "abc", TenantID: 3, Kind: session.Anonymous, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour),
		Data: session.Data{Logins: map[string]session.PendingLogin{"st": {Nonce: "n", Verifier: "v", Started: now}}}}
	if err := db.CreateSession(ctx, &s); err != nil {
		t.Fatal(err)
	}
	got, err := db.SessionByHash(ctx, "abc", now)
	if err != nil || got.TenantID != 3 || got.Data.Logins["st"].Nonce != "n" {
		t.Fatalf("got %+v, %v", got, err)
	}
	if _, err := db.SessionByHash(ctx, "abc", now.Add(2*time.Hour)); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("expired session must not be found: %v", err)
	}
	a := storetest.MustCreateAccount(t, db, "anna@borgo.it", "una-password-lunga")
	s2 := session.Session{TokenHash: "def", TenantID: 3, Kind: session.Staff, AccountID: a.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	db.CreateSession(ctx, &s2)
	if err := db.DeleteAccountSessions(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionByHash(ctx, "def", now); apperr.KindOf(err) != apperr.NotFound {
		t.Fatal("account sessions must be gone")
	}
	if _, err := db.SessionByHash(ctx, "abc", now); err != nil {
		t.Fatal("other sessions must stay")
	}
	if n, _ := db.PruneSessions(ctx, now.Add(2*time.Hour)); n != 1 {
		t.Fatalf("pruned %d", n)
	}
}

func TestJobsClaimRetryAndLease(t *testing.T) {
	db := storetest.Open(t)
	now := time.Now().UTC()
	for i := range 3 {
		j := &jobs.Job{Kind: "mail.send", Payload: []byte(`{"n":` + string(rune('0'+i)) + `}`), MaxAttempts: 3, RunAt: now}
		if err := db.EnqueueJob(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	later := &jobs.Job{Kind: "mail.send", Payload: []byte(`{}`), MaxAttempts: 3, RunAt: now.Add(time.Hour), UniqueKey: "k"}
	db.EnqueueJob(ctx, later)
	db.EnqueueJob(ctx, later) // same unique key: ignored
	counts, _ := db.JobCounts(ctx)
	if counts["available"] != 4 {
		t.Fatalf("counts %v", counts)
	}
	got, err := db.ClaimJobs(ctx, "w1", 10, time.Minute, now)
	if err != nil || len(got) != 3 || got[0].Attempts != 1 {
		t.Fatalf("claimed %+v, %v", got, err)
	}
	if again, _ := db.ClaimJobs(ctx, "w2", 10, time.Minute, now); len(again) != 0 {
		t.Fatalf("leased jobs claimed twice: %v", again)
	}
	db.CompleteJob(ctx, got[0].ID, now)
	db.RetryJob(ctx, got[1].ID, now.Add(10*time.Second), "smtp down")
	// got[2]'s worker "dies": after the lease it is claimed again.
	rescued, _ := db.ClaimJobs(ctx, "w2", 10, time.Minute, now.Add(2*time.Minute))
	ids := []int64{}
	for _, j := range rescued {
		ids = append(ids, j.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []int64{got[1].ID, got[2].ID}) {
		t.Fatalf("rescued %v, want retry and expired lease", ids)
	}
	counts, _ = db.JobCounts(ctx)
	if counts["done"] != 1 || counts["running"] != 2 || counts["available"] != 1 {
		t.Fatalf("counts %v", counts)
	}
}

func TestJobsConcurrentClaimsNeverOverlap(t *testing.T) {
	db := storetest.Open(t)
	now := time.Now().UTC()
	for range 40 {
		db.EnqueueJob(ctx, &jobs.Job{Kind: "k", Payload: []byte(`{}`), MaxAttempts: 1, RunAt: now})
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				js, err := db.ClaimJobs(ctx, "w"+string(rune('0'+w)), 3, time.Minute, now)
				if err != nil {
					t.Error(err)
					return
				}
				if len(js) == 0 {
					return
				}
				mu.Lock()
				for _, j := range js {
					seen[j.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 40 {
		t.Fatalf("claimed %d distinct jobs, want 40", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("job %d claimed %d times", id, n)
		}
	}
}

func TestCitizens(t *testing.T) {
	db := storetest.Open(t)
	tn := storetest.MustCreateTenant(t, db, "borgo")
	now := time.Now().UTC()
	c, err := db.UpsertCitizen(ctx, tn.ID, accounts.Identity{FiscalCode: "RSSMRA80A01H501U", GivenName: "Mario", FamilyName: "Rossi", Email: "m@idp.it"}, now)
	if err != nil || c.Email != "m@idp.it" || !c.NotifyEmail {
		t.Fatalf("first sign-in: %+v %v", c, err)
	}
	if err := db.UpdateCitizenProfile(ctx, tn.ID, c.ID, accounts.Profile{Email: "mario@casa.it", Language: "en"}); err != nil {
		t.Fatal(err)
	}
	c2, err := db.UpsertCitizen(ctx, tn.ID, accounts.Identity{FiscalCode: "RSSMRA80A01H501U", GivenName: "Mario", FamilyName: "Rossi Bianchi", Email: "m@idp.it", Phone: "+39 333 1234567"}, now)
	if err != nil || c2.ID != c.ID || c2.Email != "mario@casa.it" || c2.FamilyName != "Rossi Bianchi" || c2.Phone != "+39 333 1234567" || c2.Language != "en" {
		t.Fatalf("second sign-in must keep the citizen's own email: %+v %v", c2, err)
	}
	for q, want := range map[string]int{"RSSMRA": 1, "rossi": 1, "mario rossi": 1, "rossi bianchi mario": 1, "_": 0, "%": 0, "bianchi, anna": 0} {
		got, err := db.SearchCitizens(ctx, tn.ID, q, 10)
		if err != nil || len(got) != want {
			t.Errorf("search %q: %d results (%v), want %d", q, len(got), err, want)
		}
	}
}

func TestStaffCounts(t *testing.T) {
	db := storetest.Open(t)
	a := storetest.MustCreateTenant(t, db, "alfa")
	b := storetest.MustCreateTenant(t, db, "beta")
	storetest.MustCreateTenant(t, db, "gamma")
	for i, email := range []string{"1@x.it", "2@x.it", "3@x.it"} {
		acc := storetest.MustCreateAccount(t, db, email, "una-password-lunga")
		storetest.MustAddStaff(t, db, a.ID, acc.ID, accounts.RoleViewer)
		if i == 0 {
			storetest.MustAddStaff(t, db, b.ID, acc.ID, accounts.RoleAdmin)
		}
	}
	got, err := db.StaffCounts(ctx)
	if err != nil || len(got) != 2 || got[a.ID] != 3 || got[b.ID] != 1 {
		t.Fatalf("StaffCounts = %v, %v", got, err)
	}
}
