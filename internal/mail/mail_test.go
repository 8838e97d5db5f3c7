package mail

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"piazza/internal/jobs"
)

// A real SMTP server (emersion/go-smtp) on loopback records what it receives.

type received struct {
	from   string
	to     []string
	data   []byte
	user   string // who authenticated, "" if nobody
	secure bool   // the message came over TLS
}

type backend struct {
	user, pass string // required credentials; "" accepts anyone without AUTH

	mu       sync.Mutex
	refuse   *smtp.SMTPError // returned for every RCPT while set
	msgs     []received
	authSeen int // AUTH attempts, successful or not
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) { return &session{b: b, c: c}, nil }

func (b *backend) setRefuse(e *smtp.SMTPError) { b.mu.Lock(); b.refuse = e; b.mu.Unlock() }

func (b *backend) auths() int { b.mu.Lock(); defer b.mu.Unlock(); return b.authSeen }

func (b *backend) messages() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.msgs...)
}

type session struct {
	b    *backend
	c    *smtp.Conn
	user string
	cur  received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		s.b.mu.Lock()
		s.b.authSeen++
		s.b.mu.Unlock()
		if username != s.b.user || password != s.b.pass {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.user != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.cur = received{from: from, user: s.user}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.b.mu.Lock()
	refuse := s.b.refuse
	s.b.mu.Unlock()
	if refuse != nil {
		return refuse
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	_, s.cur.secure = s.c.TLSConnectionState()
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, s.cur)
	s.b.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

// serve starts the server. With startTLS it offers STARTTLS with cfg; with
// implicit it speaks TLS from the first byte.
func serve(t *testing.T, b *backend, cfg *tls.Config, implicit bool) (host string, port string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(b)
	srv.Domain = "mail.test"
	srv.AllowInsecureAuth = cfg == nil // PLAIN over a clear connection only when there is no TLS
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if cfg != nil && implicit {
		ln = tls.NewListener(ln, cfg)
	} else {
		srv.TLSConfig = cfg
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	h, p, _ := net.SplitHostPort(ln.Addr().String())
	return h, p
}

// selfSigned returns a server TLS config with a new self-signed certificate for
// 127.0.0.1, and a pool that trusts it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mail.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

const from = "Comune di Borgo Fiorito <noreply@borgofiorito.it>"

var utf8Message = Message{
	To:      []string{"anna.rossi@example.it"},
	Subject: "Pratica ricevuta: àèìòù €",
	Text:    "Gentile cittadina,\nla sua pratica è stata ricevuta. Città: Borgo; diritti di segreteria: 12,50 €.\nàèìòù\n",
	ReplyTo: "urp@borgofiorito.it",
}

// parse reads a message as a mail client would and returns the decoded subject and body.
func parse(t *testing.T, raw []byte) (*netmail.Message, string, string) {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a parseable message: %v\n%s", err, raw)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject: %v", err)
	}
	mediaType, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mediaType != "text/plain" || !strings.EqualFold(params["charset"], "UTF-8") {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	var body io.Reader = m.Body
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(m.Body)
	case "base64":
		t.Fatal("unexpected base64 body")
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return m, subject, strings.ReplaceAll(string(b), "\r\n", "\n")
}

func checkUTF8(t *testing.T, raw []byte) {
	t.Helper()
	m, subject, body := parse(t, raw)
	if subject != utf8Message.Subject {
		t.Errorf("subject %q, want %q", subject, utf8Message.Subject)
	}
	if body != utf8Message.Text {
		t.Errorf("body %q, want %q", body, utf8Message.Text)
	}
	if f, err := m.Header.AddressList("From"); err != nil || len(f) != 1 || f[0].Address != "noreply@borgofiorito.it" || f[0].Name != "Comune di Borgo Fiorito" {
		t.Errorf("From %v %v", f, err)
	}
	if to, err := m.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "anna.rossi@example.it" {
		t.Errorf("To %v %v", to, err)
	}
	if m.Header.Get("Reply-To") != "<urp@borgofiorito.it>" && m.Header.Get("Reply-To") != "urp@borgofiorito.it" {
		t.Errorf("Reply-To %q", m.Header.Get("Reply-To"))
	}
	if m.Header.Get("Message-Id") == "" || m.Header.Get("Date") == "" {
		t.Error("no Message-Id or Date")
	}
}

func smtpURL(user, pass, host, port, mode string) string {
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(host, port), RawQuery: "tls=" + mode}
	if user != "" {
		u.User = url.UserPassword(user, pass)
	}
	return u.String()
}

func TestSMTPWithoutTLSAndAuth(t *testing.T) {
	b := &backend{user: "piazza", pass: "p@ss:w/rd"}
	host, port := serve(t, b, nil, false)
	s, err := NewSMTP(smtpURL("piazza", "p@ss:w/rd", host, port, "none"), from)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), utf8Message); err != nil {
		t.Fatalf("send: %v", err)
	}
	msgs := b.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages received", len(msgs))
	}
	m := msgs[0]
	if m.user != "piazza" || m.from != "noreply@borgofiorito.it" || len(m.to) != 1 || m.to[0] != "anna.rossi@example.it" || m.secure {
		t.Fatalf("envelope %+v", m)
	}
	checkUTF8(t, m.data)

	// A wrong password delivers nothing.
	bad, err := NewSMTP(smtpURL("piazza", "wrong", host, port, "none"), from)
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.Send(context.Background(), utf8Message); err == nil {
		t.Fatal("sent with a wrong password")
	}
	if n := len(b.messages()); n != 1 {
		t.Fatalf("%d messages after a failed sign-in", n)
	}
}

func TestSMTPStartTLS(t *testing.T) {
	cfg, pool := selfSigned(t)
	b := &backend{user: "piazza", pass: "secret"}
	host, port := serve(t, b, cfg, false)

	// The certificate is verified: a self-signed one is refused unless trusted, and
	// the password is never sent.
	untrusting, err := NewSMTP(smtpURL("piazza", "secret", host, port, "starttls"), from)
	if err != nil {
		t.Fatal(err)
	}
	if err := untrusting.Send(context.Background(), utf8Message); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("want a certificate error, got %v", err)
	}
	if len(b.messages()) != 0 || b.auths() != 0 {
		t.Fatal("something was sent over an unverified connection")
	}

	s, err := NewSMTP(smtpURL("piazza", "secret", host, port, "starttls"), from)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.client.SetTLSConfig(&tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), utf8Message); err != nil {
		t.Fatalf("send: %v", err)
	}
	msgs := b.messages()
	if len(msgs) != 1 || !msgs[0].secure || msgs[0].user != "piazza" {
		t.Fatalf("received %+v", msgs)
	}
	checkUTF8(t, msgs[0].data)
}

func TestSMTPImplicitTLS(t *testing.T) {
	cfg, pool := selfSigned(t)
	b := &backend{}
	host, port := serve(t, b, cfg, true)
	s, err := NewSMTP(smtpURL("", "", host, port, "tls"), from)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.client.SetTLSConfig(&tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), utf8Message); err != nil {
		t.Fatalf("send: %v", err)
	}
	if msgs := b.messages(); len(msgs) != 1 || !msgs[0].secure {
		t.Fatalf("received %+v", msgs)
	}
}

func TestSMTPStartTLSRequired(t *testing.T) {
	// A server that does not offer STARTTLS (or an attacker stripping it) must not
	// get the password in clear when STARTTLS was asked for.
	b := &backend{user: "piazza", pass: "secret"}
	host, port := serve(t, b, nil, false)
	s, err := NewSMTP(smtpURL("piazza", "secret", host, port, "starttls"), from)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), utf8Message); err == nil {
		t.Fatal("sent without TLS although STARTTLS was required")
	}
	if b.auths() != 0 || len(b.messages()) != 0 {
		t.Fatal("credentials or message sent in clear")
	}
}

func TestNewSMTPURLs(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"smtp://mail.example.it", true},
		{"smtp://u:p@mail.example.it:587?tls=starttls", true},
		{"smtps://mail.example.it", true},
		{"smtp://mail.example.it:465", true},
		{"smtp://mail.example.it:25?tls=none", true},
		{"smtp://mail.example.it:25?tls=maybe", false},
		{"smtp://mail.example.it:port", false},
		{"smtp://%zz", false},
	}
	for _, tt := range tests {
		_, err := NewSMTP(tt.url, from)
		if (err == nil) != tt.ok {
			t.Errorf("NewSMTP(%q): %v", tt.url, err)
		}
	}
}

func TestOutboxWritesParseableEML(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	o, err := NewOutbox(dir, from)
	if err != nil {
		t.Fatal(err)
	}
	if o.Dir() != dir {
		t.Fatalf("Dir() = %q", o.Dir())
	}
	for range 2 {
		if err := o.Send(context.Background(), utf8Message); err != nil {
			t.Fatal(err)
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil || len(files) != 2 {
		t.Fatalf("want two .eml files (no overwrite), got %v %v", files, err)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	checkUTF8(t, raw)
}

func TestHandler(t *testing.T) {
	b := &backend{}
	host, port := serve(t, b, nil, false)
	s, err := NewSMTP(smtpURL("", "", host, port, "none"), from)
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(s)
	job := func(payload any) jobs.Job {
		raw, ok := payload.(string)
		if !ok {
			bs, _ := json.Marshal(payload)
			raw = string(bs)
		}
		return jobs.Job{ID: 1, Kind: JobKind, Payload: []byte(raw)}
	}
	ctx := context.Background()

	// Messages that can never be sent fail for good, without touching the server.
	for _, tt := range []struct {
		name    string
		payload any
	}{
		{"not JSON", `{"to": [`},
		{"no recipients", Message{Subject: "x", Text: "y"}},
		{"malformed recipient", Message{To: []string{"not an address@@"}, Subject: "x", Text: "y"}},
	} {
		err := h(ctx, job(tt.payload))
		if err == nil || !jobs.IsPermanent(err) {
			t.Errorf("%s: want a permanent error, got %v", tt.name, err)
		}
	}

	// A server that refuses for now: a temporary error, retried later.
	b.setRefuse(&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"})
	err = h(ctx, job(utf8Message))
	if err == nil || jobs.IsPermanent(err) {
		t.Fatalf("refused by the server: want a temporary error, got %v", err)
	}
	if !strings.Contains(err.Error(), "451") && !strings.Contains(err.Error(), "Try again later") {
		t.Errorf("the error does not say what the server answered: %v", err)
	}
	// The retry goes through once the server accepts again.
	b.setRefuse(nil)
	if err := h(ctx, job(utf8Message)); err != nil {
		t.Fatalf("retry: %v", err)
	}
	msgs := b.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages delivered", len(msgs))
	}
	checkUTF8(t, msgs[0].data)
}
