package upload

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"piazza/internal/apperr"
	"piazza/internal/blob"
)

func jpegBytes(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withEXIF inserts an APP1 Exif segment holding a GPS marker after the JPEG's SOI.
func withEXIF(j []byte) []byte {
	payload := append([]byte("Exif\x00\x00"), []byte("GPSLatitude 45.0703 N GPSLongitude 7.6869 E")...)
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, j[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, j[2:]...)
}

func zipOf(t testing.TB, files ...[2]string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i, f := range files {
		method := zip.Deflate
		if i == 0 && f[0] == "mimetype" {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f[0], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f[1]))
	}
	zw.Close()
	return b.Bytes()
}

// pngHeader is a PNG signature and IHDR chunk claiming w×h pixels, without data.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0
	chunk := append([]byte("IHDR"), ihdr...)
	crc := make([]byte, 4)
	binary.BigEndian.PutUint32(crc, crc32.ChecksumIEEE(chunk))
	out := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d")
	out = append(out, chunk...)
	return append(out, crc...)
}

var p7m = append([]byte{0x30, 0x80}, append(signedDataOID, 0xa0, 0x80)...)

func TestSniff(t *testing.T) {
	odt := zipOf(t, [2]string{"mimetype", TypeODT}, [2]string{"content.xml", "<office/>"})
	docx := zipOf(t, [2]string{"[Content_Types].xml", "<Types/>"}, [2]string{"word/document.xml", "<w/>"})
	plainZip := zipOf(t, [2]string{"a.txt", "ciao"})
	bomb := zipOf(t, [2]string{"[Content_Types].xml", "<Types/>"}, [2]string{"word/document.xml", strings.Repeat("0", 50<<20)})
	p7mLong := append([]byte{0x30, 0x82, 0x01, 0x00}, signedDataOID...)
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"pdf":       {[]byte("%PDF-1.7\n..."), TypePDF},
		"jpeg":      {jpegBytes(t), TypeJPEG},
		"png":       {pngBytes(t), TypePNG},
		"odt":       {odt, TypeODT},
		"docx":      {docx, TypeDOCX},
		"zip":       {plainZip, TypeZip},
		"zip bomb":  {bomb, TypeZip},
		"p7m":       {p7m, TypeP7M},
		"p7m long":  {p7mLong, TypeP7M},
		"text":      {[]byte("ciao a tutti"), TypeText},
		"html":      {[]byte("<html><script>x</script>"), "text/html"},
		"der other": {[]byte{0x30, 0x03, 0x02, 0x01, 0x01}, TypeUnknown},
	} {
		if got := Sniff(c.data); got != c.want {
			t.Errorf("%s: Sniff = %q, want %q", name, got, c.want)
		}
	}
}

func fieldCode(err error) string {
	e := apperr.As(err)
	if e == nil || e.Kind != apperr.Invalid || len(e.Fields) != 1 {
		return "not a field error: " + func() string {
			if err == nil {
				return "nil"
			}
			return err.Error()
		}()
	}
	return e.Fields[0].Field + " " + e.Fields[0].Code
}

func TestCheckRefuses(t *testing.T) {
	pdfRules := Rules{Accept: []string{TypePDF}, MaxBytes: 1 << 20, Remaining: 5 << 20}
	imgRules := Rules{Accept: []string{TypeJPEG, TypePNG}, MaxBytes: 1 << 20, Remaining: 5 << 20}
	for name, c := range map[string]struct {
		data  []byte
		rules Rules
		want  string
	}{
		"empty":             {nil, pdfRules, "isee apps.err.file_empty"},
		"too big":           {append([]byte("%PDF-"), make([]byte, 1<<20)...), pdfRules, "isee apps.err.file_too_big"},
		"html named pdf":    {[]byte("<html><body>x"), pdfRules, "isee apps.err.file_type"},
		"jpeg for pdf":      {jpegBytes(t), pdfRules, "isee apps.err.file_type"},
		"pixel bomb":        {pngHeader(100000, 100000), imgRules, "isee apps.err.file_bad_image"},
		"broken png":        {pngHeader(10, 10), imgRules, "isee apps.err.file_bad_image"},
		"over the total":    {[]byte("%PDF-1.4 abc"), Rules{Accept: []string{TypePDF}, Remaining: 5}, "isee apps.err.file_total"},
		"nothing remaining": {[]byte("%PDF-1.4 abc"), Rules{Accept: []string{TypePDF}}, "isee apps.err.file_total"},
		"default pdf only":  {pngBytes(t), Rules{Remaining: 1 << 20}, "isee apps.err.file_type"},
	} {
		_, _, err := Check("isee", "file.pdf", c.data, c.rules)
		if got := fieldCode(err); got != c.want {
			t.Errorf("%s: %s, want %s", name, got, c.want)
		}
	}
}

func TestImagesLoseMetadata(t *testing.T) {
	in := withEXIF(jpegBytes(t))
	if !bytes.Contains(in, []byte("GPSLatitude")) {
		t.Fatal("test image has no EXIF")
	}
	f, clean, err := Check("foto", "IMG_0001.JPG", in, Rules{Accept: []string{TypeJPEG}, Remaining: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(clean, []byte("Exif")) || bytes.Contains(clean, []byte("GPS")) {
		t.Fatal("EXIF survived re-encoding")
	}
	if f.Type != TypeJPEG || f.Size != int64(len(clean)) || f.SHA256 != blob.SHA256(clean) || f.Name != "IMG_0001.JPG" {
		t.Fatalf("file = %+v", f)
	}
	if _, err := jpeg.Decode(bytes.NewReader(clean)); err != nil {
		t.Fatalf("re-encoded image does not decode: %v", err)
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"../../etc/passwd":     "passwd.pdf",
		`C:\Users\me\isee.pdf`: "isee.pdf",
		"foto.jpg":             "foto.jpg.pdf",
		"":                     "documento.pdf",
		"a\x00b\nc.PDF":        "abc.PDF",
	} {
		if got := CleanName(in, TypePDF); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAcceptStoresUnderTenant(t *testing.T) {
	dir, err := blob.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	u := New(dir)
	f, err := u.Accept(context.Background(), 7, "isee", "isee.pdf", []byte("%PDF-1.4 ciao"), Rules{Accept: []string{TypePDF}, Remaining: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if !ValidID(f.ID) || f.Key != "tenants/7/uploads/"+f.ID {
		t.Fatalf("file = %+v", f)
	}
	got, err := u.Get(context.Background(), f.Key)
	if err != nil || string(got) != "%PDF-1.4 ciao" {
		t.Fatalf("stored %q, %v", got, err)
	}
	g, _ := u.Accept(context.Background(), 7, "isee", "isee.pdf", []byte("%PDF-1.4 ciao"), Rules{Accept: []string{TypePDF}, Remaining: 1 << 20})
	if g.ID == f.ID {
		t.Fatal("two uploads share an id")
	}
}

// FuzzSniff feeds arbitrary bytes to the sniffer and the whole check: nothing
// panics, and whatever is accepted as an image or document really has that type.
func FuzzSniff(f *testing.F) {
	f.Add([]byte("%PDF-1.7"))
	f.Add(jpegBytes(f))
	f.Add(withEXIF(jpegBytes(f)))
	f.Add(pngBytes(f))
	f.Add(pngHeader(1<<16, 1<<16))
	f.Add(zipOf(f, [2]string{"mimetype", TypeODT}))
	f.Add(zipOf(f, [2]string{"[Content_Types].xml", "x"}, [2]string{"word/a", "y"}))
	f.Add(p7m)
	f.Add([]byte{})
	all := Rules{Accept: []string{TypePDF, TypeJPEG, TypePNG, TypeODT, TypeDOCX, TypeP7M}, MaxBytes: 1 << 20, Remaining: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		typ := Sniff(data)
		if typ == "" || strings.Contains(typ, ";") {
			t.Fatalf("Sniff = %q", typ)
		}
		file, clean, err := Check("f", "x", data, all)
		if err != nil {
			if apperr.KindOf(err) != apperr.Invalid {
				t.Fatalf("non-input error: %v", err)
			}
			return
		}
		if file.Type != typ || Sniff(clean) != typ || file.Size == 0 {
			t.Fatalf("accepted %q as %+v, cleaned sniffs as %q", typ, file, Sniff(clean))
		}
	})
}
