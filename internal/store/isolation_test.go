package store_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/store"
	"piazza/internal/store/storetest"
)

// world is two tenants with one of everything each.
type world struct {
	db             *store.DB
	a, b           int64 // tenant ids
	staffA, staffB accounts.Account
	officeA        accounts.Office
	officeB        accounts.Office
	citizenA       accounts.Citizen
	citizenB       accounts.Citizen
}

func newWorld(t *testing.T) *world {
	db := storetest.Open(t)
	w := &world{db: db}
	w.a = storetest.MustCreateTenant(t, db, "alfa").ID
	w.b = storetest.MustCreateTenant(t, db, "beta").ID
	w.staffA = storetest.MustCreateAccount(t, db, "anna@alfa.it", "una-password-lunga")
	w.staffB = storetest.MustCreateAccount(t, db, "bruno@beta.it", "una-password-lunga")
	storetest.MustAddStaff(t, db, w.a, w.staffA.ID, accounts.RoleAdmin)
	storetest.MustAddStaff(t, db, w.b, w.staffB.ID, accounts.RoleAdmin)
	w.officeA = storetest.MustCreateOffice(t, db, w.a, "Anagrafe")
	w.officeB = storetest.MustCreateOffice(t, db, w.b, "Anagrafe") // same name and slug in the other tenant
	ctx := context.Background()
	db.SetOfficeMembers(ctx, w.a, w.officeA.ID, []int64{w.staffA.ID})
	db.SetOfficeMembers(ctx, w.b, w.officeB.ID, []int64{w.staffB.ID})
	// The same person (same fiscal code) is a citizen of both tenants: two records.
	w.citizenA = storetest.MustCreateCitizen(t, db, w.a, "RSSMRA80A01H501U", "Mario", "Rossi")
	w.citizenB = storetest.MustCreateCitizen(t, db, w.b, "RSSMRA80A01H501U", "Mario", "Rossi")
	db.AppendAudit(ctx, audit.Entry{TenantID: w.a, Action: "x.alfa", Actor: audit.Actor{Kind: audit.ActorStaff, Label: "anna"}})
	db.AppendAudit(ctx, audit.Entry{TenantID: w.b, Action: "x.beta", Actor: audit.Actor{Kind: audit.ActorStaff, Label: "bruno"}})
	return w
}

// isolationChecks has one entry per store method that takes a tenant id. Each check
// calls the method for tenant A and fails if anything of tenant B comes back or
// changes. TestEveryTenantMethodIsChecked makes sure new methods get an entry.
var isolationChecks = map[string]func(t *testing.T, w *world){
	"StaffMember": func(t *testing.T, w *world) {
		if _, err := w.db.StaffMember(ctx, w.a, w.staffB.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's staff seen from A: %v", err)
		}
	},
	"StaffList": func(t *testing.T, w *world) {
		list, _ := w.db.StaffList(ctx, w.a)
		if len(list) != 1 || list[0].Account.ID != w.staffA.ID {
			t.Fatalf("StaffList(A) = %+v", list)
		}
	},
	"AddStaff": func(t *testing.T, w *world) {
		// Adding B's person to A is allowed (a person can work for both), but it must
		// not give them B's roles in A.
		if err := w.db.AddStaff(ctx, w.a, w.staffB.ID); err != nil {
			t.Fatal(err)
		}
		st, _ := w.db.StaffMember(ctx, w.a, w.staffB.ID)
		if len(st.Roles) != 0 || len(st.OfficeIDs) != 0 {
			t.Fatalf("roles or offices leaked across tenants: %+v", st)
		}
	},
	"SetStaffRoles": func(t *testing.T, w *world) {
		if err := w.db.SetStaffRoles(ctx, w.a, w.staffB.ID, []accounts.Role{accounts.RoleViewer}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("roles set in A for B's staff: %v", err)
		}
		st, _ := w.db.StaffMember(ctx, w.b, w.staffB.ID)
		if len(st.Roles) != 1 || st.Roles[0] != accounts.RoleAdmin {
			t.Fatalf("B's roles changed: %v", st.Roles)
		}
	},
	"RemoveStaff": func(t *testing.T, w *world) {
		if err := w.db.RemoveStaff(ctx, w.a, w.staffB.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("removed B's staff through A: %v", err)
		}
	},
	"Office": func(t *testing.T, w *world) {
		if _, err := w.db.Office(ctx, w.a, w.officeB.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's office seen from A: %v", err)
		}
	},
	"OfficeBySlug": func(t *testing.T, w *world) {
		o, err := w.db.OfficeBySlug(ctx, w.a, w.officeB.Slug)
		if err != nil || o.ID != w.officeA.ID {
			t.Fatalf("OfficeBySlug(A) = %+v, %v", o, err)
		}
	},
	"Offices": func(t *testing.T, w *world) {
		list, _ := w.db.Offices(ctx, w.a)
		if len(list) != 1 || list[0].ID != w.officeA.ID {
			t.Fatalf("Offices(A) = %+v", list)
		}
	},
	"UpdateOffice": func(t *testing.T, w *world) {
		o := w.officeB
		o.TenantID, o.Name = w.a, "Rubato"
		if err := w.db.UpdateOffice(ctx, &o); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("updated B's office through A: %v", err)
		}
		if got, _ := w.db.Office(ctx, w.b, w.officeB.ID); got.Name != "Anagrafe" {
			t.Fatal("B's office changed")
		}
	},
	"DeleteOffice": func(t *testing.T, w *world) {
		if err := w.db.DeleteOffice(ctx, w.a, w.officeB.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("deleted B's office through A: %v", err)
		}
	},
	"SetOfficeMembers": func(t *testing.T, w *world) {
		if err := w.db.SetOfficeMembers(ctx, w.a, w.officeB.ID, nil); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("emptied B's office through A: %v", err)
		}
		if err := w.db.SetOfficeMembers(ctx, w.a, w.officeA.ID, []int64{w.staffB.ID}); err == nil {
			t.Fatal("B's staff added to A's office without being A's staff")
		}
		if ids, _ := w.db.OfficeMemberIDs(ctx, w.b, w.officeB.ID); len(ids) != 1 {
			t.Fatal("B's office members changed")
		}
	},
	"OfficeMemberIDs": func(t *testing.T, w *world) {
		if ids, _ := w.db.OfficeMemberIDs(ctx, w.a, w.officeB.ID); len(ids) != 0 {
			t.Fatalf("B's office members seen from A: %v", ids)
		}
	},
	"CreateOffice": func(t *testing.T, w *world) {
		o := accounts.Office{TenantID: w.a, Name: "Tributi", Slug: "tributi"}
		if err := w.db.CreateOffice(ctx, &o); err != nil {
			t.Fatal(err)
		}
		if list, _ := w.db.Offices(ctx, w.b); len(list) != 1 {
			t.Fatal("creating in A changed B")
		}
	},
	"Citizen": func(t *testing.T, w *world) {
		if _, err := w.db.Citizen(ctx, w.a, w.citizenB.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("B's citizen seen from A: %v", err)
		}
	},
	"UpsertCitizen": func(t *testing.T, w *world) {
		c, err := w.db.UpsertCitizen(ctx, w.a, accounts.Identity{FiscalCode: "RSSMRA80A01H501U", GivenName: "Mario", FamilyName: "Rossi Nuovo"}, time.Now())
		if err != nil || c.ID != w.citizenA.ID {
			t.Fatalf("upsert in A: %+v %v", c, err)
		}
		if b, _ := w.db.Citizen(ctx, w.b, w.citizenB.ID); b.FamilyName != "Rossi" {
			t.Fatal("B's citizen changed by A's sign-in")
		}
	},
	"UpdateCitizenProfile": func(t *testing.T, w *world) {
		if err := w.db.UpdateCitizenProfile(ctx, w.a, w.citizenB.ID, accounts.Profile{Email: "x@y.it", Language: "it"}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("updated B's citizen through A: %v", err)
		}
	},
	"SearchCitizens": func(t *testing.T, w *world) {
		list, _ := w.db.SearchCitizens(ctx, w.a, "RSSMRA", 10)
		if len(list) != 1 || list[0].ID != w.citizenA.ID {
			t.Fatalf("SearchCitizens(A) = %+v", list)
		}
	},
	"AuditEntries": func(t *testing.T, w *world) {
		list, _ := w.db.AuditEntries(ctx, w.a, audit.Filter{})
		for _, e := range list {
			if e.TenantID != w.a || e.Action == "x.beta" {
				t.Fatalf("B's audit entry seen from A: %+v", e)
			}
		}
	},
	"OIDC": func(t *testing.T, w *world) {
		if _, err := w.db.OIDC(ctx, w.a); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("A has no OIDC settings: %v", err)
		}
	},
	"SetOIDC":             func(t *testing.T, w *world) {}, // tenant_id is the primary key: it writes only its own row
	"CreatePasswordReset": func(t *testing.T, w *world) {}, // records where a reset was asked; not tenant-owned data
}

func TestEveryTenantMethodIsChecked(t *testing.T) {
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	var unchecked []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, _ := os.ReadFile(f)
		af, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || !fn.Name.IsExported() {
				continue
			}
			takesTenant := false
			for _, p := range fn.Type.Params.List {
				for _, n := range p.Names {
					if n.Name == "tenantID" {
						takesTenant = true
					}
				}
			}
			if takesTenant {
				if _, ok := isolationChecks[fn.Name.Name]; !ok {
					unchecked = append(unchecked, fn.Name.Name)
				}
			}
		}
	}
	sort.Strings(unchecked)
	if len(unchecked) > 0 {
		t.Fatalf("store methods taking a tenant id without an isolation check: %v", unchecked)
	}
}

func TestNoStoreMethodCrossesTenants(t *testing.T) {
	for name, check := range isolationChecks {
		if check == nil {
			continue
		}
		t.Run(name, func(t *testing.T) { check(t, newWorld(t)) })
	}
}

var _ = context.Background
