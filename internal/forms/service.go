package forms

import (
	"context"
	"strconv"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/audit"
)

// Version statuses. A key has at most one draft and one live version; publishing
// retires the live one. Live and retired versions never change, so an application
// keeps pointing at exactly what its applicant filled.
const (
	StatusDraft   = "draft"
	StatusLive    = "live"
	StatusRetired = "retired"
)

// Version is one stored version of a tenant's form.
type Version struct {
	ID, TenantID  int64
	Key           string
	Number        int // 1, 2, … per key
	Status        string
	JSON          []byte
	Def           *Definition // parsed JSON, set by the Service
	CreatedBy     int64       // the staff account that saved it (0 for the system)
	CreatedByName string      // who saved it, as the audit log names them
	CreatedAt     time.Time
	PublishedAt   time.Time // zero until it went live
}

// FormInfo is a form key of a tenant with its current versions, for lists.
type FormInfo struct {
	Key   string
	Title Text // of the newest version
	Live  int  // number of the live version, 0 if none
	Draft int  // number of the draft version, 0 if none
	// UpdatedAt is when the newest version was saved.
	UpdatedAt time.Time
}

// Store keeps form versions. Every method is scoped to a tenant; NotFound when
// there is no such version in that tenant.
type Store interface {
	// Atomic runs fn in one transaction.
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
	// SaveFormDraft creates the key's draft (numbered after the newest version) or
	// replaces the existing draft's JSON; it never touches other versions.
	SaveFormDraft(ctx context.Context, v *Version) error
	// PublishFormDraft makes the draft live, retiring the live version; NotFound
	// without a draft.
	PublishFormDraft(ctx context.Context, tenantID int64, key string, at time.Time) (Version, error)
	FormVersion(ctx context.Context, tenantID, id int64) (Version, error)
	// FormVersionByStatus returns the draft or the live version of a key.
	FormVersionByStatus(ctx context.Context, tenantID int64, key, status string) (Version, error)
	// FormVersions lists a key's versions, newest first.
	FormVersions(ctx context.Context, tenantID int64, key string) ([]Version, error)
	// FormKeys lists the tenant's forms by key.
	FormKeys(ctx context.Context, tenantID int64) ([]FormInfo, error)
}

// AuditStore appends audit entries.
type AuditStore interface {
	AppendAudit(ctx context.Context, e audit.Entry) error
}

// Service runs the use cases of form definitions and their versions.
type Service struct {
	store Store
	audit AuditStore
	now   func() time.Time
}

// NewService returns the forms module; now may be nil for the real clock.
func NewService(st Store, au AuditStore, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, audit: au, now: now}
}

// load parses a stored version's JSON; the store's key wins over the one in the
// JSON (a definition imported from another comune may carry its own).
func (s *Service) load(v Version, err error) (Version, error) {
	if err != nil {
		return v, err
	}
	d, perr := Parse(v.JSON)
	if perr != nil {
		return v, apperr.Wrap(apperr.Internal, "error.internal", perr)
	}
	d.Key = v.Key
	d.now = s.now
	v.Def = d
	return v, nil
}

// Live returns the live version of a form; NotFound if it has none.
func (s *Service) Live(ctx context.Context, tenantID int64, key string) (Version, error) {
	return s.load(s.store.FormVersionByStatus(ctx, tenantID, key, StatusLive))
}

// Draft returns the draft version of a form; NotFound if it has none.
func (s *Service) Draft(ctx context.Context, tenantID int64, key string) (Version, error) {
	return s.load(s.store.FormVersionByStatus(ctx, tenantID, key, StatusDraft))
}

// Version returns any version of the tenant's forms by id (applications keep it).
func (s *Service) Version(ctx context.Context, tenantID, versionID int64) (Version, error) {
	return s.load(s.store.FormVersion(ctx, tenantID, versionID))
}

// Versions lists a form's versions, newest first, without parsing them.
func (s *Service) Versions(ctx context.Context, tenantID int64, key string) ([]Version, error) {
	return s.store.FormVersions(ctx, tenantID, key)
}

// List lists the tenant's forms.
func (s *Service) List(ctx context.Context, tenantID int64) ([]FormInfo, error) {
	return s.store.FormKeys(ctx, tenantID)
}

// Exists reports whether the tenant has a form with that key.
func (s *Service) Exists(ctx context.Context, tenantID int64, key string) (bool, error) {
	vs, err := s.store.FormVersions(ctx, tenantID, key)
	return len(vs) > 0, err
}

// CheckKey validates a form key.
func CheckKey(key string) error {
	if !keyRE.MatchString(key) {
		return &apperr.Error{Kind: apperr.Invalid, Code: "forms.key.invalid", Fields: []apperr.FieldError{{Field: "key", Code: "forms.key.invalid"}}}
	}
	return nil
}

// SaveDraft checks a definition and stores it as the form's draft, creating the
// draft (and the form) or replacing the existing draft. A "key" in the JSON must
// be the form's key. Invalid with the definition's problems (see Parse).
func (s *Service) SaveDraft(ctx context.Context, tenantID int64, key string, data []byte) (Version, error) {
	if err := CheckKey(key); err != nil {
		return Version{}, err
	}
	d, err := Parse(data)
	if err != nil {
		return Version{}, err
	}
	if d.Key != "" && d.Key != key {
		return Version{}, &apperr.Error{Kind: apperr.Invalid, Code: "forms.def.invalid", Fields: []apperr.FieldError{
			{Field: "key", Code: "forms.def.key_mismatch", Args: map[string]any{"Value": d.Key, "Key": key, "Line": 1, "Where": "key"}}}}
	}
	return s.saveDraft(ctx, tenantID, key, data, d, "form.draft")
}

func (s *Service) saveDraft(ctx context.Context, tenantID int64, key string, data []byte, d *Definition, action string) (Version, error) {
	actor := audit.ActorFrom(ctx)
	v := Version{TenantID: tenantID, Key: key, Status: StatusDraft, JSON: data, CreatedByName: actor.Label,
		CreatedAt: s.now().UTC()}
	if actor.Kind == audit.ActorStaff {
		v.CreatedBy = actor.ID
	}
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.SaveFormDraft(ctx, &v); err != nil {
			return err
		}
		return s.audit.AppendAudit(ctx, audit.New(ctx, tenantID, action, "form", key, "v"+strconv.Itoa(v.Number)))
	})
	if err != nil {
		return Version{}, err
	}
	d.Key, d.now = key, s.now
	v.Def = d
	return v, nil
}

// ImportDraft stores an exported definition (perhaps of another comune, with
// another key) as the form's draft.
func (s *Service) ImportDraft(ctx context.Context, tenantID int64, key string, data []byte) (Version, error) {
	if err := CheckKey(key); err != nil {
		return Version{}, err
	}
	d, err := Parse(data)
	if err != nil {
		return Version{}, err
	}
	return s.saveDraft(ctx, tenantID, key, data, d, "form.import")
}

// Publish makes the form's draft live and retires the live version. NotFound
// ("forms.no_draft") without a draft.
func (s *Service) Publish(ctx context.Context, tenantID int64, key string) (Version, error) {
	var v Version
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		var err error
		if v, err = s.store.PublishFormDraft(ctx, tenantID, key, s.now().UTC()); err != nil {
			return err
		}
		return s.audit.AppendAudit(ctx, audit.New(ctx, tenantID, "form.publish", "form", key, "v"+strconv.Itoa(v.Number)))
	})
	if err != nil {
		return Version{}, err
	}
	return s.load(v, nil)
}

// Export returns the JSON of the live version, or of the newest one if none is
// live; NotFound if the form does not exist.
func (s *Service) Export(ctx context.Context, tenantID int64, key string) ([]byte, error) {
	v, err := s.store.FormVersionByStatus(ctx, tenantID, key, StatusLive)
	if apperr.Is(err, apperr.NotFound) {
		var vs []Version
		if vs, err = s.store.FormVersions(ctx, tenantID, key); err == nil {
			if len(vs) == 0 {
				return nil, apperr.E(apperr.NotFound, "forms.not_found")
			}
			return vs[0].JSON, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return v.JSON, nil
}

// Adopt stores a definition as the tenant's live form with that key (the shared
// catalogue's copy): a draft published at once, in one transaction.
func (s *Service) Adopt(ctx context.Context, tenantID int64, key string, data []byte) error {
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		if _, err := s.ImportDraft(ctx, tenantID, key, data); err != nil {
			return err
		}
		_, err := s.Publish(ctx, tenantID, key)
		return err
	})
}
