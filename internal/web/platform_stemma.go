package web

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"

	"piazza/internal/apperr"
	"piazza/internal/blob"
	"piazza/internal/tenants"
)

const (
	// platformCoatMaxBody is the body limit of the upload form: the image and a few fields.
	platformCoatMaxBody = 2 << 20
	// platformCoatMaxSide is the largest width or height accepted. A coat of arms is shown
	// at 82 px; the limit stops decompression bombs (a small file that declares a
	// huge image) before any pixel is decoded.
	platformCoatMaxSide = 2000
)

var (
	platformPNGMagic  = []byte("\x89PNG\r\n\x1a\n")
	platformJPEGMagic = []byte{0xFF, 0xD8, 0xFF}
)

// platformCoatErr is a problem with the uploaded coat of arms, shown next to the file field.
func platformCoatErr(code string) error {
	return &apperr.Error{Kind: apperr.Invalid, Code: "error.invalid", Fields: []apperr.FieldError{{Field: "stemma", Code: code,
		Args: map[string]any{"Max": platformCoatMaxSide}}}}
}

// platformProcessCoat checks an uploaded coat of arms and returns it re-encoded as
// PNG. Only PNG and JPEG are accepted, recognised from their content (never from
// the file name or the declared type). The header is read first and images larger
// than platformCoatMaxSide on either side are refused before decoding. Re-encoding keeps
// only the pixels: EXIF (with any GPS position), text chunks and other metadata
// are dropped, and whatever else the file carried does not reach the public site.
func platformProcessCoat(data []byte) ([]byte, error) {
	var want string
	switch {
	case bytes.HasPrefix(data, platformPNGMagic):
		want = "png"
	case bytes.HasPrefix(data, platformJPEGMagic):
		want = "jpeg"
	default:
		return nil, platformCoatErr("platform.coat.type")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || format != want {
		return nil, platformCoatErr("platform.coat.corrupt")
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > platformCoatMaxSide || cfg.Height > platformCoatMaxSide {
		return nil, platformCoatErr("platform.coat.dimensions")
	}
	var img image.Image
	if want == "png" {
		img, err = png.Decode(bytes.NewReader(data))
	} else {
		img, err = jpeg.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, platformCoatErr("platform.coat.corrupt")
	}
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&out, img); err != nil {
		return nil, fmt.Errorf("encode coat of arms: %w", err)
	}
	return out.Bytes(), nil
}

// platformUploadCoat stores a new coat of arms under tenants/<id>/stemma-<sha8>.png
// and points the tenant at it; the previous file is removed afterwards.
func (s *Server) platformUploadCoat(w http.ResponseWriter, r *http.Request) {
	t, ok := s.platformTenant(w, r)
	if !ok {
		return
	}
	again := func(err error) { s.renderPlatformTenantEdit(w, r, platformFormFromTenant(t), t, err) }
	data, err := platformUploadedFile(r, "stemma", platformCoatMaxBody)
	if err != nil {
		again(err)
		return
	}
	img, err := platformProcessCoat(data)
	if err != nil {
		if apperr.As(err) == nil {
			s.fail(w, r, err)
			return
		}
		again(err)
		return
	}
	sum := blob.SHA256(img)
	key := fmt.Sprintf("tenants/%d/stemma-%s.png", t.ID, sum[:8])
	ctx := r.Context()
	if err := s.Blobs.Put(ctx, key, img); err != nil {
		s.fail(w, r, err)
		return
	}
	old := t.CoatOfArms
	next := t
	next.CoatOfArms = tenants.CoatOfArms{Key: key, ContentType: "image/png", SHA256: sum}
	if err := s.Tenants.Update(ctx, &next); err != nil {
		if key != old.Key {
			s.platformDeleteBlob(r, key)
		}
		again(err)
		return
	}
	if old.Key != "" && old.Key != key {
		s.platformDeleteBlob(r, old.Key)
	}
	s.flash(w, r, "platform.flash.coat_saved")
	seeOther(w, r, platformTenantURL(t.ID))
}

// platformDeleteCoat removes the coat of arms.
func (s *Server) platformDeleteCoat(w http.ResponseWriter, r *http.Request) {
	t, ok := s.platformTenant(w, r)
	if !ok {
		return
	}
	old := t.CoatOfArms
	if old.Key != "" {
		t.CoatOfArms = tenants.CoatOfArms{}
		if err := s.Tenants.Update(r.Context(), &t); err != nil {
			s.fail(w, r, err)
			return
		}
		s.platformDeleteBlob(r, old.Key)
	}
	s.flash(w, r, "platform.flash.coat_deleted")
	seeOther(w, r, platformTenantURL(t.ID))
}

// platformDeleteBlob removes a file no tenant points at any more; a failure only leaves an
// orphan file behind, so it is logged and the action goes on.
func (s *Server) platformDeleteBlob(r *http.Request, key string) {
	if err := s.Blobs.Delete(r.Context(), key); err != nil {
		s.log.WarnContext(r.Context(), "delete blob", "key", key, "err", err, "request_id", info(r).ID)
	}
}

// platformCoatOfArms serves a tenant's coat of arms to the console (the console
// cannot show images from the tenant's host: its CSP allows only its own).
func (s *Server) platformCoatOfArms(w http.ResponseWriter, r *http.Request) {
	t, ok := s.platformTenant(w, r)
	if !ok {
		return
	}
	s.serveCoatOfArms(w, r, &t)
}

// platformUploadedFile reads the one file posted in field, up to limit bytes.
func platformUploadedFile(r *http.Request, field string, limit int64) ([]byte, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File[field]) != 1 {
		return nil, platformCoatErr("platform.coat.missing")
	}
	fh := r.MultipartForm.File[field][0]
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	if len(data) == 0 {
		return nil, platformCoatErr("platform.coat.missing")
	}
	return data, nil
}
