package upload

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"strings"
)

// The types Sniff recognises beyond what http.DetectContentType knows.
const (
	TypePDF  = "application/pdf"
	TypeODT  = "application/vnd.oasis.opendocument.text"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeP7M  = "application/pkcs7-mime" // a CAdES signed file (.p7m)
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeText = "text/plain"
	TypeZip  = "application/zip"
	// TypeUnknown is what Sniff says of anything it cannot name.
	TypeUnknown = "application/octet-stream"
)

// Limits of zip-based documents (ODT, DOCX): declared sizes are checked before
// anything is decompressed, so a decompression bomb is refused unopened.
const (
	maxZipEntries      = 5000
	maxZipUncompressed = 200 << 20 // bytes, all entries together
	maxZipRatio        = 200       // uncompressed / compressed, per entry
)

// signedDataOID is the DER encoding of the OID 1.2.840.113549.1.7.2 (PKCS#7
// signedData), which a .p7m file declares near its start.
var signedDataOID = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}

// Sniff names the type of data from its content alone (never from a file name):
// PDF, ODT, DOCX, P7M, then whatever http.DetectContentType finds, without
// parameters ("text/plain", not "text/plain; charset=utf-8"). A zip archive that is
// not a recognised document, or that looks like a decompression bomb, is
// "application/zip", which no file field accepts as a document.
func Sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return TypePDF
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return sniffZip(data)
	case isP7M(data):
		return TypeP7M
	}
	t := http.DetectContentType(data)
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return strings.TrimSpace(t)
}

// isP7M recognises a DER PKCS#7 SignedData structure: an ASN.1 SEQUENCE whose first
// element is the signedData content type.
func isP7M(data []byte) bool {
	if len(data) < 2+len(signedDataOID) || data[0] != 0x30 {
		return false
	}
	// Skip the SEQUENCE's length (short form, long form up to 4 bytes, or
	// indefinite), then the OID must follow.
	i := 1
	switch l := data[1]; {
	case l < 0x80 || l == 0x80:
		i = 2
	case l <= 0x84:
		i = 2 + int(l&0x7f)
	default:
		return false
	}
	return len(data) >= i+len(signedDataOID) && bytes.Equal(data[i:i+len(signedDataOID)], signedDataOID)
}

// sniffZip tells ODT and DOCX from other zip archives, reading only the central
// directory and the small "mimetype" entry of OpenDocument files.
func sniffZip(data []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil || len(zr.File) == 0 || len(zr.File) > maxZipEntries {
		return TypeZip
	}
	var total uint64
	contentTypes, word := false, false
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > maxZipUncompressed {
			return TypeZip
		}
		if f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > maxZipRatio {
			return TypeZip
		}
		if f.CompressedSize64 == 0 && f.UncompressedSize64 > 0 {
			return TypeZip
		}
		switch {
		case f.Name == "[Content_Types].xml":
			contentTypes = true
		case strings.HasPrefix(f.Name, "word/"):
			word = true
		}
	}
	if first := zr.File[0]; first.Name == "mimetype" && first.UncompressedSize64 <= 100 {
		if rc, err := first.Open(); err == nil {
			b, _ := io.ReadAll(io.LimitReader(rc, 101))
			rc.Close()
			if string(b) == TypeODT {
				return TypeODT
			}
		}
	}
	if contentTypes && word {
		return TypeDOCX
	}
	return TypeZip
}
