package tenants

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/secret"
)

// AuditStore is the audit log as tenants needs it.
type AuditStore interface {
	AppendAudit(ctx context.Context, e audit.Entry) error
}

// Service holds the use cases of the platform operator on tenants.
type Service struct {
	store    Store
	audit    AuditStore
	keys     *secret.Keyring
	resolver *Resolver
}

// NewService returns the tenants service. resolver may be nil; when set, it is
// invalidated after each change so this node sees it at once.
func NewService(store Store, audit AuditStore, keys *secret.Keyring, resolver *Resolver) *Service {
	return &Service{store: store, audit: audit, keys: keys, resolver: resolver}
}

func (s *Service) changed() {
	if s.resolver != nil {
		s.resolver.Invalidate()
	}
}

// Create validates and creates a tenant. Platform action: audited on the platform
// log and on the new tenant's own log.
func (s *Service) Create(ctx context.Context, t *Tenant) error {
	t.Normalize()
	if err := t.Validate(); err != nil {
		return err
	}
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.CreateTenant(ctx, t); err != nil {
			return err
		}
		return s.record(ctx, t.ID, "tenant.create", t.Name)
	})
	if err == nil {
		s.changed()
	}
	return err
}

func (s *Service) record(ctx context.Context, tenantID int64, action, detail string) error {
	id := strconv.FormatInt(tenantID, 10)
	if err := s.audit.AppendAudit(ctx, audit.New(ctx, audit.PlatformTenant, action, "tenant", id, detail)); err != nil {
		return err
	}
	return s.audit.AppendAudit(ctx, audit.New(ctx, tenantID, action, "tenant", id, detail))
}

// Update saves a tenant edited from a copy with the Version it was read at.
func (s *Service) Update(ctx context.Context, t *Tenant) error {
	t.Normalize()
	if err := t.Validate(); err != nil {
		return err
	}
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		old, err := s.store.Tenant(ctx, t.ID)
		if err != nil {
			return err
		}
		if err := s.store.UpdateTenant(ctx, t); err != nil {
			return err
		}
		return s.record(ctx, t.ID, "tenant.update", strings.Join(diff(old, *t), ", "))
	})
	if err == nil {
		s.changed()
	}
	return err
}

// diff names the fields that changed, for the audit log.
func diff(a, b Tenant) []string {
	var out []string
	add := func(name string, changed bool) {
		if changed {
			out = append(out, name)
		}
	}
	add("slug", a.Slug != b.Slug)
	add("name", a.Name != b.Name)
	add("kind", a.Kind != b.Kind)
	add("codes", a.IPACode != b.IPACode || a.ISTATCode != b.ISTATCode || a.FiscalCode != b.FiscalCode)
	add("territory", a.Province != b.Province || a.Region != b.Region)
	add("look", a.PrimaryColor != b.PrimaryColor || a.CoatOfArms != b.CoatOfArms)
	add("contacts", a.Contacts != b.Contacts)
	add("social", !slices.Equal(a.Social, b.Social))
	add("modules", !slices.Equal(a.Modules, b.Modules))
	add("hosts", !slices.Equal(a.Hosts, b.Hosts))
	add("accessibility_url", a.AccessibilityURL != b.AccessibilityURL)
	add("analytics", a.Analytics != b.Analytics)
	add("status", a.Status != b.Status || a.StatusNote != b.StatusNote)
	add("require_totp", a.RequireTOTP != b.RequireTOTP)
	return out
}

// SetStatus suspends or reactivates a tenant.
func (s *Service) SetStatus(ctx context.Context, id int64, status Status, note string) error {
	if status != StatusActive && status != StatusSuspended {
		return apperr.E(apperr.Invalid, "tenant.status.invalid")
	}
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		t, err := s.store.Tenant(ctx, id)
		if err != nil {
			return err
		}
		t.Status, t.StatusNote = status, strings.TrimSpace(note)
		if err := t.Validate(); err != nil {
			return err
		}
		if err := s.store.UpdateTenant(ctx, &t); err != nil {
			return err
		}
		action := "tenant.suspend"
		if status == StatusActive {
			action = "tenant.activate"
		}
		return s.record(ctx, id, action, t.StatusNote)
	})
	if err == nil {
		s.changed()
	}
	return err
}

// Get returns a tenant.
func (s *Service) Get(ctx context.Context, id int64) (Tenant, error) { return s.store.Tenant(ctx, id) }

// BySlug returns a tenant by slug.
func (s *Service) BySlug(ctx context.Context, slug string) (Tenant, error) {
	return s.store.TenantBySlug(ctx, slug)
}

// List returns every tenant.
func (s *Service) List(ctx context.Context) ([]Tenant, error) { return s.store.Tenants(ctx) }

// OIDC returns a tenant's sign-in settings with the client secret opened.
func (s *Service) OIDC(ctx context.Context, tenantID int64) (OIDC, error) {
	o, err := s.store.OIDC(ctx, tenantID)
	if err != nil {
		return o, err
	}
	plain, err := s.keys.Open(oidcPurpose(tenantID), o.ClientSecret)
	if err != nil {
		return o, fmt.Errorf("open client secret of tenant %d: %w", tenantID, err)
	}
	o.ClientSecret = string(plain)
	return o, nil
}

func oidcPurpose(tenantID int64) string {
	return "oidc-client-secret/" + strconv.FormatInt(tenantID, 10)
}

// SetOIDC validates and saves a tenant's sign-in settings. An empty ClientSecret
// keeps the stored one (forms never show secrets back).
func (s *Service) SetOIDC(ctx context.Context, tenantID int64, o OIDC) error {
	o.Normalize()
	if o.ClientSecret == "" {
		if old, err := s.OIDC(ctx, tenantID); err == nil {
			o.ClientSecret = old.ClientSecret
		}
	}
	if err := o.Validate(); err != nil {
		return err
	}
	sealed, err := s.keys.Seal(oidcPurpose(tenantID), []byte(o.ClientSecret))
	if err != nil {
		return err
	}
	o.ClientSecret = sealed
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.SetOIDC(ctx, tenantID, o); err != nil {
			return err
		}
		return s.audit.AppendAudit(ctx, audit.New(ctx, tenantID, "tenant.oidc", "tenant", strconv.FormatInt(tenantID, 10), o.IssuerURL))
	})
	if err == nil {
		s.changed()
	}
	return err
}
