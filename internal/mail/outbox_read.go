package mail

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Stored is a message read back from the outbox directory.
type Stored struct {
	Name        string // file name, the message's id in the outbox
	Date        time.Time
	From        string
	To          []string
	Subject     string
	Text        string   // the plain-text body
	Attachments []string // attachment file names
}

// ErrNoMessage means the outbox has no message with that name.
var ErrNoMessage = errors.New("mail: no such message in the outbox")

var outboxName = regexp.MustCompile(`^[0-9T.]+\.eml$`)

// List returns the newest messages of the outbox, at most limit, newest first.
// Messages that cannot be parsed are skipped.
func (o *Outbox) List(limit int) ([]Stored, error) {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && outboxName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	slices.Reverse(names)
	var out []Stored
	for _, n := range names {
		if limit > 0 && len(out) == limit {
			break
		}
		m, err := o.Read(n)
		if err == nil {
			out = append(out, m)
		}
	}
	return out, nil
}

// Read parses one message of the outbox.
func (o *Outbox) Read(name string) (Stored, error) {
	if !outboxName.MatchString(name) {
		return Stored{}, ErrNoMessage
	}
	data, err := os.ReadFile(filepath.Join(o.dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return Stored{}, ErrNoMessage
	}
	if err != nil {
		return Stored{}, err
	}
	s, err := ParseMessage(data)
	s.Name = name
	return s, err
}

// ParseMessage reads an RFC 5322 message: headers, the plain-text body (decoded)
// and the names of its attachments.
func ParseMessage(data []byte) (Stored, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return Stored{}, err
	}
	var s Stored
	dec := new(mime.WordDecoder)
	s.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		s.Subject = msg.Header.Get("Subject")
	}
	s.From = msg.Header.Get("From")
	if list, err := msg.Header.AddressList("To"); err == nil {
		for _, a := range list {
			s.To = append(s.To, a.Address)
		}
	}
	s.Date, _ = msg.Header.Date()
	err = walkPart(msg.Header, msg.Body, &s, 0)
	return s, err
}

// header is what mail.Header and textproto.MIMEHeader share.
type header interface{ Get(string) string }

// walkPart collects the text and the attachment names of a (multipart) body.
func walkPart(h header, body io.Reader, s *Stored, depth int) error {
	if depth > 5 {
		return nil
	}
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mediaType = "text/plain"
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walkPart(p.Header, p, s, depth+1); err != nil {
				return err
			}
		}
	}
	if disp == "attachment" || (dparams["filename"] != "" && mediaType != "text/plain") {
		name := dparams["filename"]
		if name == "" {
			name = params["name"]
		}
		s.Attachments = append(s.Attachments, name)
		return nil
	}
	if mediaType != "text/plain" || s.Text != "" {
		return nil
	}
	var r io.Reader = body
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &newlineStripper{body})
	}
	text, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return err
	}
	s.Text = strings.ReplaceAll(string(text), "\r\n", "\n")
	return nil
}

// newlineStripper drops the line breaks of base64 bodies.
type newlineStripper struct{ r io.Reader }

func (n *newlineStripper) Read(p []byte) (int, error) {
	buf := make([]byte, len(p))
	k, err := n.r.Read(buf)
	j := 0
	for _, b := range buf[:k] {
		if b != '\r' && b != '\n' {
			p[j] = b
			j++
		}
	}
	return j, err
}
