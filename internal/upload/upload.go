// Package upload accepts the files citizens attach to applications. It never trusts
// what the browser says: the type is sniffed from the content and must be one the
// field accepts whatever the file's extension; empty and oversized files are
// refused; images are decoded and re-encoded, which drops EXIF, GPS and any other
// metadata, after their pixel count has been read from the header (so a
// decompression bomb is refused before it is decoded); zip-based documents are
// checked the same way. Each file gets its SHA-256 and an unguessable public id,
// and is stored in the blob store under a key scoped to its tenant.
package upload

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"piazza/internal/apperr"
	"piazza/internal/blob"
)

// Defaults used when a field or a service says nothing.
const (
	DefaultMaxBytes = 10 << 20 // one file
	DefaultMaxTotal = 50 << 20 // every file of one application
	MaxPixels       = 40 << 20 // width × height of an image (about 40 megapixels)
	MaxNameRunes    = 200      // a file name is cut to this length
	jpegQuality     = 90
)

// File is an accepted, stored file.
type File struct {
	ID     string // public id: 26 random base32 characters
	Name   string // the file name the citizen gave, cleaned
	Type   string // sniffed MIME type
	SHA256 string // hex digest of the stored bytes
	Size   int64  // stored bytes (after re-encoding images)
	Key    string // blob store key
}

// Rules say what a file field accepts.
type Rules struct {
	Accept   []string // sniffed MIME types; empty accepts PDF only
	MaxBytes int64    // per file; 0 means DefaultMaxBytes
	// Remaining is what the application may still take in bytes (its total limit
	// minus the files it has); 0 or less means nothing more fits.
	Remaining int64
}

// Uploader stores accepted files.
type Uploader struct {
	blobs blob.Store
}

// New returns an uploader storing into blobs.
func New(blobs blob.Store) *Uploader { return &Uploader{blobs: blobs} }

// Read reads an uploaded part, refusing it as soon as it passes max bytes. The
// error is apperr.Invalid with code "apps.err.file_too_big" on the field.
func Read(field string, fh *multipart.FileHeader, max int64) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxBytes
	}
	if fh.Size > max {
		return nil, fieldErr(field, "apps.err.file_too_big", max)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, apperr.Wrap(apperr.Invalid, "error.bad_request", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, apperr.Wrap(apperr.Invalid, "error.bad_request", err)
	}
	if int64(len(data)) > max {
		return nil, fieldErr(field, "apps.err.file_too_big", max)
	}
	return data, nil
}

// Accept checks data against the rules, cleans images, and stores the result
// under tenants/<tenantID>/uploads/<id>. field names the form field in errors
// (apperr.Invalid with one field error: apps.err.file_empty, file_too_big,
// file_type, file_total, file_bad_image). Storage failures are internal.
func (u *Uploader) Accept(ctx context.Context, tenantID int64, field, name string, data []byte, r Rules) (File, error) {
	f, clean, err := Check(field, name, data, r)
	if err != nil {
		return File{}, err
	}
	id, err := NewID()
	if err != nil {
		return File{}, err
	}
	f.ID = id
	f.Key = fmt.Sprintf("tenants/%d/uploads/%s", tenantID, id)
	if err := u.blobs.Put(ctx, f.Key, clean); err != nil {
		return File{}, fmt.Errorf("upload: store: %w", err)
	}
	return f, nil
}

// Get returns a stored file's bytes.
func (u *Uploader) Get(ctx context.Context, key string) ([]byte, error) { return u.blobs.Get(ctx, key) }

// Delete removes a stored file (a draft's attachment the citizen removed).
func (u *Uploader) Delete(ctx context.Context, key string) error { return u.blobs.Delete(ctx, key) }

// Check is Accept without storing: it returns the file's description (without id
// and key) and the bytes to store.
func Check(field, name string, data []byte, r Rules) (File, []byte, error) {
	maxBytes := r.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	accept := r.Accept
	if len(accept) == 0 {
		accept = []string{TypePDF}
	}
	switch {
	case len(data) == 0:
		return File{}, nil, fieldErr(field, "apps.err.file_empty", 0)
	case int64(len(data)) > maxBytes:
		return File{}, nil, fieldErr(field, "apps.err.file_too_big", maxBytes)
	}
	typ := Sniff(data)
	if !slices.Contains(accept, typ) {
		return File{}, nil, &apperr.Error{Kind: apperr.Invalid, Code: "error.invalid", Fields: []apperr.FieldError{{
			Field: field, Code: "apps.err.file_type", Args: map[string]any{"Types": Describe(accept)}}}}
	}
	clean := data
	if typ == TypeJPEG || typ == TypePNG {
		var err error
		if clean, err = Reencode(typ, data); err != nil {
			return File{}, nil, fieldErr(field, "apps.err.file_bad_image", 0)
		}
	}
	if int64(len(clean)) > r.Remaining {
		return File{}, nil, fieldErr(field, "apps.err.file_total", r.Remaining)
	}
	return File{Name: CleanName(name, typ), Type: typ, SHA256: blob.SHA256(clean), Size: int64(len(clean))}, clean, nil
}

// Reencode decodes an image and encodes it again, which keeps the pixels and drops
// every metadata block (EXIF with GPS position, XMP, comments). The pixel count is
// read from the header first: anything over MaxPixels is refused undecoded.
func Reencode(typ string, data []byte) ([]byte, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, fmt.Errorf("upload: image of %d×%d pixels", cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	switch {
	case typ == TypeJPEG && format == "jpeg":
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: jpegQuality})
	case typ == TypePNG && format == "png":
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&out, img)
	default:
		err = fmt.Errorf("upload: %s content decoded as %s", typ, format)
	}
	if err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// extensions gives each accepted type the extension its name should end with.
var extensions = map[string]string{
	TypePDF: ".pdf", TypeODT: ".odt", TypeDOCX: ".docx", TypeP7M: ".p7m",
	TypeJPEG: ".jpg", TypePNG: ".png", TypeText: ".txt",
}

// Describe lists accepted types as people know them: "PDF, JPEG".
func Describe(types []string) string {
	names := make([]string, 0, len(types))
	for _, t := range types {
		if ext, ok := extensions[t]; ok {
			names = append(names, strings.ToUpper(strings.TrimPrefix(ext, ".")))
		} else {
			names = append(names, t)
		}
	}
	return strings.Join(names, ", ")
}

// CleanName keeps the base of a client file name without control characters or
// path separators, cut to MaxNameRunes, and makes its extension match the sniffed
// type (a PDF sent as "photo.jpg" is stored as "photo.jpg.pdf").
func CleanName(name, typ string) string {
	name = strings.ToValidUTF8(name, "")
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == "/" {
		name = "documento"
	}
	if utf8.RuneCountInString(name) > MaxNameRunes {
		name = string([]rune(name)[:MaxNameRunes])
	}
	if ext, ok := extensions[typ]; ok && !strings.HasSuffix(strings.ToLower(name), ext) &&
		!(typ == TypeJPEG && strings.HasSuffix(strings.ToLower(name), ".jpeg")) {
		name += ext
	}
	return name
}

// idEncoding is lower-case base32 without padding: safe in URLs and blob keys.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns a public id of 128 random bits.
func NewID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("upload: random id: %w", err)
	}
	return idEncoding.EncodeToString(b[:]), nil
}

// ValidID reports whether s has the shape of a public id.
func ValidID(s string) bool {
	if len(s) != 26 {
		return false
	}
	_, err := idEncoding.DecodeString(s)
	return err == nil
}

func fieldErr(field, code string, limit int64) error {
	var args map[string]any
	if limit > 0 {
		args = map[string]any{"Size": HumanSize(limit)}
	}
	return &apperr.Error{Kind: apperr.Invalid, Code: "error.invalid", Fields: []apperr.FieldError{{Field: field, Code: code, Args: args}}}
}

// HumanSize writes a byte count as people read it: "10 MB", "512 KB".
func HumanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", (n+(1<<19))>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+(1<<9))>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// Store saves a file Piazza made itself (an outcome document): no checks, the
// same kind of key and id as an upload.
func (u *Uploader) Store(ctx context.Context, tenantID int64, name, typ string, data []byte) (File, error) {
	id, err := NewID()
	if err != nil {
		return File{}, err
	}
	f := File{ID: id, Name: name, Type: typ, SHA256: blob.SHA256(data), Size: int64(len(data)),
		Key: fmt.Sprintf("tenants/%d/uploads/%s", tenantID, id)}
	if err := u.blobs.Put(ctx, f.Key, data); err != nil {
		return File{}, fmt.Errorf("upload: store: %w", err)
	}
	return f, nil
}
