package content

import (
	"context"
	"strconv"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/audit"
	"piazza/internal/check"
	"piazza/internal/upload"
)

// Attachment is a file attached to an item: a public document's files, a news
// item's attachments. Its type is sniffed from the bytes (the name's extension is
// not believed), images are re-encoded without their metadata.
type Attachment struct {
	ID          int64
	TenantID    int64
	ItemID      int64
	PublicID    string
	Name        string
	ContentType string
	Size        int64
	SHA256      string
	Key         string
	CreatedAt   time.Time
}

// URL is where visitors download the file.
func (a Attachment) URL() string { return "/contenuti/allegati/" + a.PublicID }

// Attachments' limits: the types an office publishes, the size of one file, how
// many one item carries.
var AttachmentTypes = []string{upload.TypePDF, upload.TypeP7M, upload.TypeODT, upload.TypeDOCX, upload.TypeJPEG, upload.TypePNG}

const (
	MaxAttachmentBytes = 20 << 20
	MaxAttachments     = 30
)

// AttachmentStore keeps attachments' records.
type AttachmentStore interface {
	AddAttachment(ctx context.Context, a *Attachment) error
	Attachments(ctx context.Context, tenantID, itemID int64) ([]Attachment, error)
	Attachment(ctx context.Context, tenantID int64, publicID string) (Attachment, error)
	DeleteAttachment(ctx context.Context, tenantID, itemID int64, publicID string) (Attachment, error)
}

// AddAttachment checks a file and attaches it to an item of the tenant. Bad files
// are refused with a message on the field "file"; nothing is stored then.
func (s *Service) AddAttachment(ctx context.Context, tenantID, itemID int64, name string, data []byte) (Attachment, error) {
	it, err := s.store.Item(ctx, tenantID, itemID)
	if err != nil {
		return Attachment{}, err
	}
	existing, err := s.store.Attachments(ctx, tenantID, itemID)
	if err != nil {
		return Attachment{}, err
	}
	if len(existing) >= MaxAttachments {
		return Attachment{}, fieldErr(apperr.Invalid, "file", "content.attachment.too_many")
	}
	f, clean, err := upload.Check("file", name, data, upload.Rules{Accept: AttachmentTypes, MaxBytes: MaxAttachmentBytes, Remaining: MaxAttachmentBytes})
	if err != nil {
		return Attachment{}, err
	}
	a := Attachment{TenantID: tenantID, ItemID: it.ID, PublicID: s.newID(), Name: f.Name, ContentType: f.Type, Size: f.Size,
		SHA256: f.SHA256, CreatedAt: s.Now()}
	a.Key = "content/" + strconv.FormatInt(tenantID, 10) + "/attachments/" + a.PublicID
	if err := s.blobs.Put(ctx, a.Key, clean); err != nil {
		return Attachment{}, err
	}
	err = s.store.Atomic(ctx, func(ctx context.Context) error {
		if err := s.store.AddAttachment(ctx, &a); err != nil {
			return err
		}
		return s.audit.AppendAudit(ctx, audit.New(ctx, tenantID, "content.attachment.add", "content", strconv.FormatInt(it.ID, 10), a.Name))
	})
	if err != nil {
		s.blobs.Delete(context.WithoutCancel(ctx), a.Key)
		return Attachment{}, err
	}
	return a, nil
}

// Attachments lists an item's files in upload order.
func (s *Service) Attachments(ctx context.Context, tenantID, itemID int64) ([]Attachment, error) {
	return s.store.Attachments(ctx, tenantID, itemID)
}

// DeleteAttachment removes a file from an item.
func (s *Service) DeleteAttachment(ctx context.Context, tenantID, itemID int64, publicID string) error {
	if !check.Slug(publicID) {
		return apperr.E(apperr.NotFound, "content.not_found")
	}
	var a Attachment
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		var err error
		if a, err = s.store.DeleteAttachment(ctx, tenantID, itemID, publicID); err != nil {
			return err
		}
		return s.audit.AppendAudit(ctx, audit.New(ctx, tenantID, "content.attachment.delete", "content", strconv.FormatInt(itemID, 10), a.Name))
	})
	if err != nil {
		return err
	}
	s.blobs.Delete(context.WithoutCancel(ctx), a.Key) // a leftover blob is harmless; a record without its blob is not
	return nil
}

// PublicAttachment returns a file with its bytes when its item is public now;
// NotFound otherwise (drafts, scheduled and expired items, other tenants' files).
func (s *Service) PublicAttachment(ctx context.Context, tenantID int64, publicID string) (Attachment, []byte, error) {
	notFound := apperr.E(apperr.NotFound, "content.not_found")
	if !check.Slug(publicID) {
		return Attachment{}, nil, notFound
	}
	a, err := s.store.Attachment(ctx, tenantID, publicID)
	if err != nil {
		return Attachment{}, nil, err
	}
	it, err := s.store.Item(ctx, tenantID, a.ItemID)
	if err != nil || !it.Public(s.Now()) {
		return Attachment{}, nil, notFound
	}
	data, err := s.blobs.Get(ctx, a.Key)
	return a, data, err
}
