// Package mail sends email: through an SMTP server in production, or into an outbox
// directory of .eml files when none is configured (development and the demo).
// Messages are sent by the "mail.send" background job, so a slow or unavailable mail
// server never slows a request down and a message is retried until it goes out.
package mail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"piazza/internal/jobs"
)

// JobKind is the kind of the background job that sends a message.
const JobKind = "mail.send"

// Message is one email.
type Message struct {
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	ReplyTo string   `json:"reply_to,omitempty"`
	// Attachments go with the text (e.g. a PDF receipt).
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment is a file attached to a message.
type Attachment struct {
	Name string `json:"name"`
	Type string `json:"type"` // MIME type
	Data []byte `json:"data"`
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

func build(from string, m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("mail from: %w", err)
	}
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("mail to: %w", err)
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, err
		}
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	for _, a := range m.Attachments {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.Type))); err != nil {
			return nil, fmt.Errorf("mail attachment: %w", err)
		}
	}
	return msg, nil
}

// SMTP sends through a mail server.
type SMTP struct {
	from   string
	client *gomail.Client
}

// NewSMTP configures a sender from smtp://user:password@host:port?tls=starttls|tls|none.
// Without a tls parameter, port 465 means implicit TLS and any other port STARTTLS.
// With starttls the connection must be upgraded (never falling back to clear text)
// and the certificate must verify; with none the password may travel in clear.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	port := 587
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("smtp port: %w", err)
		}
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(30 * time.Second)}
	mode := u.Query().Get("tls")
	if mode == "" {
		mode = "starttls"
		if port == 465 || u.Scheme == "smtps" {
			mode = "tls"
		}
	}
	switch mode {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		return nil, fmt.Errorf("smtp tls=%q: use starttls, tls or none", mode)
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		auth := gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover)
		if mode == "none" {
			// Auto-discovery never sends a password in clear, so it finds nothing on a
			// relay that offers only PLAIN or LOGIN without TLS. tls=none is the
			// operator's explicit choice (a relay on loopback or a trusted network):
			// prefer the mechanisms that do not reveal the password, then allow the
			// plain ones.
			auth = gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1,
				gomail.SMTPAuthCramMD5, gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc)
		}
		opts = append(opts, auth, gomail.WithUsername(u.User.Username()), gomail.WithPassword(pw))
	}
	c, err := gomail.NewClient(u.Hostname(), opts...)
	if err != nil {
		return nil, err
	}
	return &SMTP{from: from, client: c}, nil
}

// Send delivers one message.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := build(s.from, m)
	if err != nil {
		return jobs.Permanent(err)
	}
	return s.client.DialAndSendWithContext(ctx, msg)
}

// Outbox writes messages as .eml files into a directory.
type Outbox struct {
	from string
	dir  string
}

// NewOutbox returns a sender that writes into dir.
func NewOutbox(dir, from string) (*Outbox, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	return &Outbox{from: from, dir: dir}, nil
}

// Send writes the message to <dir>/<time>-<n>.eml.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	msg, err := build(o.from, m)
	if err != nil {
		return jobs.Permanent(err)
	}
	name := filepath.Join(o.dir, time.Now().UTC().Format("20060102T150405.000000000")+".eml")
	return msg.WriteToFile(name)
}

// Dir returns the outbox directory.
func (o *Outbox) Dir() string { return o.dir }

// Handler returns the job handler that sends "mail.send" jobs with sender.
func Handler(sender Sender) jobs.Handler {
	return func(ctx context.Context, j jobs.Job) error {
		var m Message
		if err := json.Unmarshal(j.Payload, &m); err != nil {
			return jobs.Permanent(fmt.Errorf("mail job payload: %w", err))
		}
		if len(m.To) == 0 {
			return jobs.Permanent(errors.New("mail job without recipients"))
		}
		return sender.Send(ctx, m)
	}
}
