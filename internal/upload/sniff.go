package upload

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"unicode/utf8"
)

// The types Sniff recognises.
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
// PDF, ODT, DOCX, P7M, JPEG, PNG, GIF, WebP and plain UTF-8 text; anything else is
// TypeUnknown. A zip archive that is not a recognised document, or that looks like
// a decompression bomb, is "application/zip", which no file field accepts as a
// document. (The checks are by magic numbers, as the WHATWG sniffing algorithm
// does, without depending on net/http: upload is used by domain packages.)
func Sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return TypePDF
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return sniffZip(data)
	case isP7M(data):
		return TypeP7M
	}
	switch {
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return TypeJPEG
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG
	case bytes.HasPrefix(data, []byte("GIF87a")) || bytes.HasPrefix(data, []byte("GIF89a")):
		return "image/gif"
	case len(data) >= 12 && bytes.HasPrefix(data, []byte("RIFF")) && bytes.Equal(data[8:12], []byte("WEBP")):
		return "image/webp"
	case isMarkup(data, htmlTags):
		return "text/html"
	case isMarkup(data, [][]byte{[]byte("<?xml")}):
		return "text/xml"
	case isText(data):
		return TypeText
	}
	return TypeUnknown
}

// htmlTags are the openings by which content sniffing recognises HTML.
var htmlTags = func() [][]byte {
	var out [][]byte
	for _, t := range strings.Fields("<!DOCTYPE HTML <HTML <HEAD <SCRIPT <IFRAME <H1 <DIV <FONT <TABLE <A <STYLE <TITLE <B <BODY <BR <P <!--") {
		out = append(out, []byte(t))
	}
	return out
}()

// isMarkup reports whether data, after leading white space, opens with one of the
// tags (case-insensitively) followed by a space or ">" (or is "<?xml").
func isMarkup(data []byte, tags [][]byte) bool {
	data = bytes.TrimLeft(data, "\t\n\f\r ")
	for _, t := range tags {
		if len(data) < len(t) || !bytes.EqualFold(data[:len(t)], t) {
			continue
		}
		if bytes.Equal(t, []byte("<?xml")) || bytes.Equal(t, []byte("<!--")) {
			return true
		}
		if len(data) > len(t) && (data[len(t)] == ' ' || data[len(t)] == '>') {
			return true
		}
	}
	return false
}

// isText reports whether data is UTF-8 text without control characters other
// than tab, line feed, form feed and carriage return (the first 512 bytes decide,
// as in content sniffing; a character cut at that boundary is allowed).
func isText(data []byte) bool {
	if len(data) == 0 {
		return false
	}
	head := data[:min(len(data), 512)]
	for i := 0; i < len(head); {
		r, size := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && size <= 1 {
			return len(head) < len(data) && len(head)-i < utf8.UTFMax
		}
		if r < 0x20 && r != '\t' && r != '\n' && r != '\f' && r != '\r' || r == 0x7f {
			return false
		}
		i += size
	}
	return true
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
