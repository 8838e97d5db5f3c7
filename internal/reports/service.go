package reports

import (
	"context"
	"errors"
	"fmt"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/check"
	"piazza/internal/upload"
)

// Store is what the module needs from the database. Every method is scoped to the
// tenant it is given (writers: the TenantID of the struct); a row of another tenant
// is NotFound. Lookups of a missing row return NotFound, never a zero value.
type Store interface {
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
	AppendAudit(ctx context.Context, e audit.Entry) error

	ReportCategories(ctx context.Context, tenantID int64, activeOnly bool) ([]Category, error)
	ReportCategory(ctx context.Context, tenantID, id int64) (Category, error)
	ReportCategoryByCode(ctx context.Context, tenantID int64, code string) (Category, error)
	// SaveReportCategory inserts (ID 0) or updates a category; a code taken by
	// another category is a Conflict.
	SaveReportCategory(ctx context.Context, c *Category) error

	InsertReport(ctx context.Context, r *Report) error
	// UpdateReport writes the workflow fields: office, status, close reason and
	// the timestamps.
	UpdateReport(ctx context.Context, r *Report) error
	ReportByCode(ctx context.Context, tenantID int64, code string) (Report, error)
	ReportByID(ctx context.Context, tenantID, id int64) (Report, error)
	// Reports lists reports newest first; CountReports counts the same selection.
	Reports(ctx context.Context, tenantID int64, f Filter) ([]Report, error)
	CountReports(ctx context.Context, tenantID int64, f Filter) (int, error)

	InsertReportUpdate(ctx context.Context, u *Update) error
	ReportUpdates(ctx context.Context, tenantID, reportID int64, publicOnly bool) ([]Update, error)
	InsertReportPhoto(ctx context.Context, p *Photo) error
	ReportPhotos(ctx context.Context, tenantID, reportID int64) ([]Photo, error)
	ReportPhoto(ctx context.Context, tenantID int64, fileID string) (Photo, error)
}

// Files stores images (internal/upload's Uploader).
type Files interface {
	Store(ctx context.Context, tenantID int64, name, typ string, data []byte) (upload.File, error)
	Get(ctx context.Context, key string) ([]byte, error)
	Delete(ctx context.Context, key string) error
}

// Notifier hears of every change the reporter should be told about, inside the
// change's transaction (it enqueues the email). Event is "submitted" or "updated".
type Notifier interface {
	ReportEvent(ctx context.Context, r Report, u Update, event string) error
}

// Service is the reports module.
type Service struct {
	store  Store
	files  Files
	now    func() time.Time
	notify Notifier
}

// New returns the reports module.
func New(st Store, files Files, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, files: files, now: now}
}

// WithClock returns a copy of the module that reads time from now (the demo loader
// files reports in the past with it).
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.now = now
	return &c
}

// SetNotifier sets who hears of changes (the mailer).
func (s *Service) SetNotifier(n Notifier) { s.notify = n }

// Categories lists the tenant's categories (only the active ones if activeOnly).
func (s *Service) Categories(ctx context.Context, tenantID int64, activeOnly bool) ([]Category, error) {
	return s.store.ReportCategories(ctx, tenantID, activeOnly)
}

// Category returns one category.
func (s *Service) Category(ctx context.Context, tenantID, id int64) (Category, error) {
	return s.store.ReportCategory(ctx, tenantID, id)
}

// CategoryByCode returns a category by its service code.
func (s *Service) CategoryByCode(ctx context.Context, tenantID int64, code string) (Category, error) {
	return s.store.ReportCategoryByCode(ctx, tenantID, code)
}

// SaveCategory validates and stores a category with its audit entry. Errors:
// Invalid (fields), Conflict (code taken), NotFound (office of another tenant).
func (s *Service) SaveCategory(ctx context.Context, c *Category) error {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	return s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.SaveReportCategory(ctx, c); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit.New(ctx, c.TenantID, "reports.category.save", "report_category", fmt.Sprint(c.ID), c.Code))
	})
}

// cleanPhoto is a photo checked and prepared, not stored yet.
type cleanPhoto struct {
	file  upload.File
	data  []byte
	thumb []byte
}

// preparePhotos checks every photo before anything is stored: JPEG or PNG by
// content, not empty, within MaxPhotoBytes and upload.MaxPixels; each is
// re-encoded (dropping EXIF and GPS) and thumbnailed.
func preparePhotos(photos []PhotoUpload) ([]cleanPhoto, error) {
	out := make([]cleanPhoto, 0, len(photos))
	for _, p := range photos {
		f, clean, err := upload.Check("photos", p.Name, p.Data, upload.Rules{
			Accept: []string{upload.TypeJPEG, upload.TypePNG}, MaxBytes: MaxPhotoBytes, Remaining: MaxPhotoBytes * MaxPhotos})
		if err != nil {
			return nil, err
		}
		thumb, err := upload.Thumbnail(clean, upload.ThumbSide)
		if err != nil {
			var v apperr.Validation
			v.Add("photos", "apps.err.file_bad_image")
			return nil, v.Err()
		}
		out = append(out, cleanPhoto{file: f, data: clean, thumb: thumb})
	}
	return out, nil
}

// Submit files a report. The category must be active; the report goes to the
// category's office. Photos are checked before anything is stored, and the report
// and its photos are saved in one transaction (stored images are removed again
// if it fails). Errors: Invalid (fields, photos), NotFound (category).
func (s *Service) Submit(ctx context.Context, req *Request) (Report, error) {
	req.Normalize()
	if err := req.Validate(); err != nil {
		return Report{}, err
	}
	cat, err := s.store.ReportCategory(ctx, req.TenantID, req.CategoryID)
	if apperr.Is(err, apperr.NotFound) || (err == nil && !cat.Active) {
		var v apperr.Validation
		v.Add("category", "reports.category.required")
		return Report{}, v.Err()
	}
	if err != nil {
		return Report{}, err
	}
	photos, err := preparePhotos(req.Photos)
	if err != nil {
		return Report{}, err
	}
	code, err := NewCode()
	if err != nil {
		return Report{}, err
	}
	now := s.now().UTC()
	r := Report{TenantID: req.TenantID, Code: code, CategoryID: cat.ID, OfficeID: cat.OfficeID, Status: Submitted,
		Subject: req.Subject, Description: req.Description, Point: req.Point, Address: req.Address, Source: req.Source,
		Name: req.Name, Email: req.Email, Phone: req.Phone, CitizenID: req.CitizenID, Lang: req.Lang,
		CreatedAt: now, UpdatedAt: now,
		CategoryName: cat.Name, CategoryNameEN: cat.NameEN, CategoryCode: cat.Code, OfficeName: cat.OfficeName}
	var stored []string
	cleanup := func() {
		for _, k := range stored {
			_ = s.files.Delete(context.WithoutCancel(ctx), k)
		}
	}
	for _, p := range photos {
		img, err := s.files.Store(ctx, r.TenantID, p.file.Name, p.file.Type, p.data)
		if err != nil {
			cleanup()
			return Report{}, err
		}
		stored = append(stored, img.Key)
		th, err := s.files.Store(ctx, r.TenantID, "thumb.jpg", upload.TypeJPEG, p.thumb)
		if err != nil {
			cleanup()
			return Report{}, err
		}
		stored = append(stored, th.Key)
		r.Photos = append(r.Photos, Photo{TenantID: r.TenantID, FileID: img.ID, Key: img.Key, ThumbKey: th.Key,
			Type: img.Type, SHA256: img.SHA256, Size: img.Size, CreatedAt: now})
	}
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.InsertReport(ctx, &r); err != nil {
			return err
		}
		for i := range r.Photos {
			r.Photos[i].ReportID = r.ID
			if err := s.store.InsertReportPhoto(ctx, &r.Photos[i]); err != nil {
				return err
			}
		}
		if s.notify != nil {
			return s.notify.ReportEvent(ctx, r, Update{}, "submitted")
		}
		return nil
	})
	if err != nil {
		cleanup()
		return Report{}, err
	}
	return r, nil
}

// Public returns the public view of a report by its code: without the reporter's
// details, with its photos and public updates.
func (s *Service) Public(ctx context.Context, tenantID int64, code string) (Report, error) {
	code = NormalizeCode(code)
	if code == "" {
		return Report{}, apperr.E(apperr.NotFound, "reports.not_found")
	}
	r, err := s.store.ReportByCode(ctx, tenantID, code)
	if err != nil {
		return Report{}, err
	}
	return s.fill(ctx, r.Public(), true)
}

func (s *Service) fill(ctx context.Context, r Report, publicOnly bool) (Report, error) {
	var err error
	if r.Photos, err = s.store.ReportPhotos(ctx, r.TenantID, r.ID); err != nil {
		return r, err
	}
	r.Updates, err = s.store.ReportUpdates(ctx, r.TenantID, r.ID, publicOnly)
	return r, err
}

// List returns the public view of the reports the filter selects, and how many
// there are in all.
func (s *Service) List(ctx context.Context, tenantID int64, f Filter) ([]Report, int, error) {
	list, err := s.store.Reports(ctx, tenantID, f)
	if err != nil {
		return nil, 0, err
	}
	for i := range list {
		list[i] = list[i].Public()
	}
	n := len(list)
	if f.Offset > 0 || (f.Limit > 0 && n >= f.Limit) {
		if n, err = s.store.CountReports(ctx, tenantID, f); err != nil {
			return nil, 0, err
		}
	}
	return list, n, nil
}

// Queue lists reports for the back office (with the reporter's name, which staff
// may see in lists; contact details are read through ForStaff).
func (s *Service) Queue(ctx context.Context, tenantID int64, f Filter) ([]Report, int, error) {
	list, err := s.store.Reports(ctx, tenantID, f)
	if err != nil {
		return nil, 0, err
	}
	for i := range list {
		list[i].Email, list[i].Phone = "", ""
	}
	n, err := s.store.CountReports(ctx, tenantID, f)
	return list, n, err
}

// Get returns a report without the reporter's details (for routing and access
// checks; nothing is audited).
func (s *Service) Get(ctx context.Context, tenantID, id int64) (Report, error) {
	r, err := s.store.ReportByID(ctx, tenantID, id)
	return r.Public(), err
}

// ForStaff returns a report with the reporter's contact details and every update,
// recording the read in the audit log (personal data read by staff).
func (s *Service) ForStaff(ctx context.Context, tenantID, id int64) (Report, error) {
	r, err := s.store.ReportByID(ctx, tenantID, id)
	if err != nil {
		return Report{}, err
	}
	if err := s.store.AppendAudit(ctx, audit.New(ctx, tenantID, "reports.contact.read", "report", r.Code, "")); err != nil {
		return Report{}, err
	}
	return s.fill(ctx, r, false)
}

// Photo returns a photo's metadata by its public file id.
func (s *Service) Photo(ctx context.Context, tenantID int64, fileID string) (Photo, error) {
	if !upload.ValidID(fileID) {
		return Photo{}, apperr.E(apperr.NotFound, "error.not_found")
	}
	return s.store.ReportPhoto(ctx, tenantID, fileID)
}

// PhotoBytes returns a photo's image, or its thumbnail.
func (s *Service) PhotoBytes(ctx context.Context, p Photo, thumb bool) ([]byte, error) {
	if thumb {
		return s.files.Get(ctx, p.ThumbKey)
	}
	return s.files.Get(ctx, p.Key)
}

// Change is an office's action on a report: a status change, a public answer, an
// internal note, or a status change with its answer.
type Change struct {
	TenantID    int64
	ReportID    int64
	Status      Status // "" keeps the status
	CloseReason CloseReason
	Body        string
	Public      bool // false: an internal note, never shown or sent
	AuthorID    int64
}

// ErrBadMove is the answer to a status change the workflow does not allow.
var ErrBadMove = apperr.E(apperr.Conflict, "reports.status.bad_move")

// Apply records a change in one transaction: the update, the report's new status
// and timestamps, the audit entry and, for public changes, the reporter's email.
// Closing needs a reason and a public answer. Errors: Invalid, NotFound, Conflict
// (ErrBadMove).
func (s *Service) Apply(ctx context.Context, c Change) (Report, error) {
	c.Body = check.Clean(c.Body)
	var v apperr.Validation
	if c.Status != "" && !c.Status.Valid() {
		v.Add("status", "reports.status.invalid")
	}
	if c.Status == Closed {
		if !c.CloseReason.Valid() {
			v.Add("reason", "reports.close.reason")
		}
		if c.Body == "" {
			v.Add("body", "reports.close.body")
		}
		c.Public = true
	}
	if c.Status == "" && c.Body == "" {
		v.Add("body", "reports.update.required")
	}
	if !check.Text(c.Body, MaxUpdate) {
		v.AddArgs("body", "reports.update.too_long", map[string]any{"Max": MaxUpdate})
	}
	if err := v.Err(); err != nil {
		return Report{}, err
	}
	if c.Status != "" {
		c.Public = true // a status change is always public
	}
	var r Report
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		var err error
		if r, err = s.store.ReportByID(ctx, c.TenantID, c.ReportID); err != nil {
			return err
		}
		if c.Status != "" && c.Status != r.Status && !CanMove(r.Status, c.Status) {
			return ErrBadMove
		}
		if c.Status == r.Status {
			c.Status = ""
			if c.Body == "" {
				return ErrBadMove
			}
		}
		now := s.now().UTC()
		u := Update{TenantID: c.TenantID, ReportID: r.ID, Status: c.Status, Body: c.Body, Public: c.Public,
			AuthorID: c.AuthorID, CreatedAt: now}
		if err := s.store.InsertReportUpdate(ctx, &u); err != nil {
			return err
		}
		if c.Public && r.FirstAnswerAt.IsZero() {
			r.FirstAnswerAt = now
		}
		switch c.Status {
		case Fixed:
			r.FixedAt = now
		case Closed:
			r.ClosedAt, r.CloseReason = now, c.CloseReason
		}
		if c.Status != "" {
			r.Status = c.Status
		}
		r.UpdatedAt = now
		if err := s.store.UpdateReport(ctx, &r); err != nil {
			return err
		}
		action := "reports.note"
		if c.Public {
			action = "reports.update"
		}
		if err := s.store.AppendAudit(ctx, audit.New(ctx, r.TenantID, action, "report", r.Code, string(c.Status))); err != nil {
			return err
		}
		if c.Public && s.notify != nil {
			return s.notify.ReportEvent(ctx, r, u, "updated")
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrBadMove) {
			return Report{}, ErrBadMove
		}
		return Report{}, err
	}
	return r, nil
}
