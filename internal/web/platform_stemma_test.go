package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io/fs"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"piazza/internal/blob"
)

// platformTestImage is a small picture with some colour in it.
func platformTestImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{R: uint8(x * 4), G: uint8(y * 4), B: 0x80, A: 0xFF})
		}
	}
	return img
}

// platformPNGChunk encodes one PNG chunk with its CRC.
func platformPNGChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	return b.Bytes()
}

// platformPNGWithText is a valid PNG that also carries a tEXt chunk.
func platformPNGWithText(t *testing.T, text string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, platformTestImage(64, 48)); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	iend := len(data) - 12 // the IEND chunk is always the last 12 bytes
	out := append([]byte{}, data[:iend]...)
	out = append(out, platformPNGChunk("tEXt", []byte("Comment\x00"+text))...)
	return append(out, data[iend:]...)
}

// platformPNGBomb is a PNG header that declares a huge image (with a few bytes of data).
func platformPNGBomb(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	out := append([]byte{}, platformPNGMagic...)
	out = append(out, platformPNGChunk("IHDR", ihdr)...)
	out = append(out, platformPNGChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, platformPNGChunk("IEND", nil)...)
}

// platformGPSMarker is in the EXIF GPS block of the test JPEG, so its absence from the
// stored file shows the metadata is gone.
const platformGPSMarker = "PIAZZA-GPS-45N-9E"

// platformJPEGWithGPS is a JPEG with an APP1 EXIF segment holding a GPS IFD (latitude
// 45° 7' 12.34" N, and a processing-method string with platformGPSMarker).
func platformJPEGWithGPS(t *testing.T) []byte {
	t.Helper()
	var j bytes.Buffer
	if err := jpeg.Encode(&j, platformTestImage(40, 30), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	// TIFF, big-endian: header, IFD0 with one entry (GPSInfo pointer), GPS IFD with
	// GPSLatitudeRef, GPSLatitude and GPSProcessingMethod.
	var tiff bytes.Buffer
	be := binary.BigEndian
	w16 := func(v uint16) { binary.Write(&tiff, be, v) }
	w32 := func(v uint32) { binary.Write(&tiff, be, v) }
	tiff.WriteString("MM")
	w16(42)
	w32(8)
	// IFD0 at 8: 1 entry → ends at 8+2+12+4 = 26.
	w16(1)
	w16(0x8825)
	w16(4)
	w32(1)
	w32(26)
	w32(0)
	// GPS IFD at 26: 3 entries → ends at 26+2+36+4 = 68; then the values.
	method := "ASCII\x00\x00\x00" + platformGPSMarker
	w16(3)
	w16(0x0001) // GPSLatitudeRef
	w16(2)
	w32(2)
	tiff.WriteString("N\x00\x00\x00")
	w16(0x0002) // GPSLatitude: 3 rationals at 68
	w16(5)
	w32(3)
	w32(68)
	w16(0x001B) // GPSProcessingMethod: undefined bytes at 92
	w16(7)
	w32(uint32(len(method)))
	w32(92)
	w32(0)
	for _, v := range []uint32{45, 1, 7, 1, 1234, 100} {
		w32(v)
	}
	tiff.WriteString(method)
	app1 := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(app1)+2))
	seg = append(seg, app1...)
	data := j.Bytes()
	out := append([]byte{}, data[:2]...) // SOI
	out = append(out, seg...)
	return append(out, data[2:]...)
}

// platformPNGChunks lists the chunk types of a PNG file.
func platformPNGChunks(t *testing.T, data []byte) []string {
	t.Helper()
	if !bytes.HasPrefix(data, platformPNGMagic) {
		t.Fatal("not a PNG")
	}
	var out []string
	for p := 8; p+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[p:]))
		out = append(out, string(data[p+4:p+8]))
		p += 12 + n
	}
	return out
}

// platformBlobFiles lists the files in a blob directory.
func platformBlobFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	return out
}

func TestPlatformCoatOfArms(t *testing.T) {
	dir := t.TempDir()
	blobs, err := blob.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(d *Deps) { d.Blobs = blobs })
	ctx := context.Background()
	op := h.platformOperator()
	id := strconv.FormatInt(h.borgo.ID, 10)
	path := "/comuni/" + id + "/stemma"
	site := h.client("borgo.example.it")

	var gifData bytes.Buffer
	gif.Encode(&gifData, platformTestImage(20, 20), nil)
	rejected := []struct {
		name     string
		filename string
		data     []byte
		status   int
		message  string
	}{
		{"gif named png", "stemma.png", gifData.Bytes(), http.StatusUnprocessableEntity, "non è un&#39;immagine PNG o JPEG"},
		{"html", "stemma.png", []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"), http.StatusUnprocessableEntity, "non è un&#39;immagine PNG o JPEG"},
		{"svg", "stemma.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`), http.StatusUnprocessableEntity, "non è un&#39;immagine PNG o JPEG"},
		{"png bomb", "stemma.png", platformPNGBomb(20000, 20000), http.StatusUnprocessableEntity, "al massimo 2000 × 2000 pixel"},
		{"too wide", "stemma.png", platformPNGBomb(2001, 10), http.StatusUnprocessableEntity, "al massimo 2000 × 2000 pixel"},
		{"truncated png", "stemma.png", platformPNGBomb(100, 100), http.StatusUnprocessableEntity, "non è un&#39;immagine leggibile"},
		{"png magic only", "stemma.png", platformPNGMagic, http.StatusUnprocessableEntity, "non è un&#39;immagine leggibile"},
		{"empty", "stemma.png", nil, http.StatusUnprocessableEntity, "Scegli un file"},
		{"oversize", "stemma.png", append(append([]byte{}, platformPNGMagic...), make([]byte, 3<<20)...), http.StatusRequestEntityTooLarge, "superano la dimensione"},
	}
	for _, tt := range rejected {
		t.Run(tt.name, func(t *testing.T) {
			r := op.platformPostFile(path, nil, "stemma", tt.filename, tt.data)
			if r.StatusCode != tt.status || !strings.Contains(r.Body, tt.message) {
				t.Fatalf("status %d, want %d with %q: %s", r.StatusCode, tt.status, tt.message, text(r.Body))
			}
			if tt.status == http.StatusUnprocessableEntity && !strings.Contains(r.Body, `id="stemma-error"`) {
				t.Error("the error is not shown at the file field")
			}
			if files := platformBlobFiles(t, dir); len(files) != 0 {
				t.Fatalf("stored %v", files)
			}
			if got, _ := h.tenants.Get(ctx, h.borgo.ID); got.CoatOfArms.Key != "" || got.Version != 1 {
				t.Fatalf("tenant changed: %+v", got.CoatOfArms)
			}
		})
	}
	if r := site.get("/stemma"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("no coat of arms yet: %d", r.StatusCode)
	}

	// A valid PNG (named .gif: the name does not matter) is stored without its text chunk.
	r := op.platformPostFile(path, nil, "stemma", "logo.gif", platformPNGWithText(t, "secret comment"))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("png upload: %d %s", r.StatusCode, text(r.Body))
	}
	got, _ := h.tenants.Get(ctx, h.borgo.ID)
	coat := got.CoatOfArms
	if !regexp.MustCompile(`^tenants/`+id+`/stemma-[0-9a-f]{8}\.png$`).MatchString(coat.Key) || coat.ContentType != "image/png" || len(coat.SHA256) != 64 ||
		!strings.HasPrefix(coat.SHA256, strings.TrimSuffix(strings.TrimPrefix(coat.Key, "tenants/"+id+"/stemma-"), ".png")) {
		t.Fatalf("coat of arms %+v", coat)
	}
	if files := platformBlobFiles(t, dir); len(files) != 1 || files[0] != coat.Key {
		t.Fatalf("files %v", files)
	}
	r = site.get("/stemma?v=" + coat.SHA256)
	sum := sha256.Sum256([]byte(r.Body))
	if r.StatusCode != http.StatusOK || hex.EncodeToString(sum[:]) != coat.SHA256 || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("served coat of arms: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if strings.Contains(r.Body, "secret comment") || strings.Join(platformPNGChunks(t, []byte(r.Body)), ",") != "IHDR,IDAT,IEND" {
		t.Errorf("metadata kept: chunks %v", platformPNGChunks(t, []byte(r.Body)))
	}
	img, err := png.Decode(strings.NewReader(r.Body))
	if err != nil || img.Bounds().Dx() != 64 || img.Bounds().Dy() != 48 {
		t.Fatalf("stored image: %v %v", err, img.Bounds())
	}
	if home := site.get("/"); !strings.Contains(home.Body, `src="/stemma?v=`+coat.SHA256+`"`) {
		t.Error("the site header does not show the coat of arms")
	}
	if r := op.get("/comuni/" + id); !strings.Contains(r.Body, `src="/comuni/`+id+`/stemma?v=`+coat.SHA256+`"`) {
		t.Error("the edit page does not show the coat of arms")
	}
	if r := op.get(path); r.StatusCode != http.StatusOK || r.Body != string(platformBlob(t, blobs, coat.Key)) {
		t.Errorf("console copy: %d", r.StatusCode)
	}

	// A JPEG with EXIF GPS data: stored as PNG without any of it; the old file goes.
	jpg := platformJPEGWithGPS(t)
	if !bytes.Contains(jpg, []byte("Exif\x00\x00MM")) || !bytes.Contains(jpg, []byte(platformGPSMarker)) {
		t.Fatal("test JPEG lacks its EXIF block")
	}
	if _, err := jpeg.Decode(bytes.NewReader(jpg)); err != nil {
		t.Fatalf("test JPEG does not decode: %v", err)
	}
	if r := op.platformPostFile(path, nil, "stemma", "foto.jpg", jpg); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("jpeg upload: %d %s", r.StatusCode, text(r.Body))
	}
	got, _ = h.tenants.Get(ctx, h.borgo.ID)
	stored := platformBlob(t, blobs, got.CoatOfArms.Key)
	for _, bad := range []string{"Exif", "eXIf", platformGPSMarker, "MM\x00\x2a"} {
		if bytes.Contains(stored, []byte(bad)) {
			t.Errorf("stored PNG contains %q", bad)
		}
	}
	if c := strings.Join(platformPNGChunks(t, stored), ","); c != "IHDR,IDAT,IEND" {
		t.Errorf("stored chunks %s", c)
	}
	if files := platformBlobFiles(t, dir); len(files) != 1 || files[0] != got.CoatOfArms.Key || got.CoatOfArms.Key == coat.Key {
		t.Errorf("files after replacement %v", files)
	}
	if a := h.platformAuditActions(h.borgo.ID, "tenant.update"); len(a) != 2 {
		t.Errorf("uploads not audited: %v", a)
	}

	// Deleting.
	if r := op.post(path+"/elimina", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.StatusCode)
	}
	if got, _ := h.tenants.Get(ctx, h.borgo.ID); got.CoatOfArms.Key != "" {
		t.Fatal("still set")
	}
	if files := platformBlobFiles(t, dir); len(files) != 0 {
		t.Errorf("files after deletion %v", files)
	}
	if r := site.get("/stemma"); r.StatusCode != http.StatusNotFound {
		t.Errorf("deleted coat of arms served: %d", r.StatusCode)
	}
}

func platformBlob(t *testing.T, s blob.Store, key string) []byte {
	t.Helper()
	b, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestProcessCoatOfArms(t *testing.T) {
	var j bytes.Buffer
	jpeg.Encode(&j, platformTestImage(2000, 1), nil)
	if out, err := platformProcessCoat(j.Bytes()); err != nil || !bytes.HasPrefix(out, platformPNGMagic) {
		t.Fatalf("2000 px wide JPEG: %v", err)
	}
	for name, data := range map[string][]byte{
		"bomb":           platformPNGBomb(20000, 20000),
		"tall":           platformPNGBomb(1, 2001),
		"zero":           platformPNGBomb(0, 10),
		"jpeg magic":     {0xFF, 0xD8, 0xFF, 0xE0},
		"text":           []byte("hello"),
		"png then other": append(append([]byte{}, platformPNGMagic...), []byte("GIF89a")...),
	} {
		if _, err := platformProcessCoat(data); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

// FuzzCoatOfArms: whatever is uploaded, processing never panics, and anything it
// accepts is a PNG of at most platformCoatMaxSide pixels a side.
func FuzzCoatOfArms(f *testing.F) {
	var p, j bytes.Buffer
	png.Encode(&p, platformTestImage(8, 8))
	jpeg.Encode(&j, platformTestImage(8, 8), nil)
	f.Add(p.Bytes())
	f.Add(j.Bytes())
	f.Add(platformPNGBomb(20000, 20000))
	f.Add([]byte("<svg/>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := platformProcessCoat(data)
		if err != nil {
			return
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(out))
		if err != nil || format != "png" || cfg.Width > platformCoatMaxSide || cfg.Height > platformCoatMaxSide {
			t.Fatalf("accepted output: %v %s %dx%d", err, format, cfg.Width, cfg.Height)
		}
	})
}
