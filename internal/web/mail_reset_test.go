package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"piazza/internal/jobs"
	"piazza/internal/mail"
)

// smtpSink is a real SMTP server (emersion/go-smtp) that keeps what it receives.
type smtpSink struct {
	mu   sync.Mutex
	msgs []sunkMail
	got  chan struct{}
}

type sunkMail struct {
	from string
	to   []string
	data []byte
}

func (b *smtpSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: b}, nil }

type sinkSession struct {
	sink *smtpSink
	from string
	to   []string
}

func (s *sinkSession) Reset()        { s.from, s.to = "", nil }
func (s *sinkSession) Logout() error { return nil }
func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.sink.mu.Lock()
	s.sink.msgs = append(s.sink.msgs, sunkMail{from: s.from, to: s.to, data: b})
	s.sink.mu.Unlock()
	select {
	case s.sink.got <- struct{}{}:
	default:
	}
	return nil
}

// startSMTP serves SMTP on a loopback port until the test ends.
func startSMTPSink(t *testing.T) (*smtpSink, string) {
	t.Helper()
	sink := &smtpSink{got: make(chan struct{}, 1)}
	srv := smtp.NewServer(sink)
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return sink, ln.Addr().String()
}

// TestResetMailThroughSMTP: the reset mail goes from the form through the jobs
// table, the mail job handler and the SMTP sender to a real SMTP server, and the
// link it carries works.
func TestResetMailThroughSMTP(t *testing.T) {
	sink, addr := startSMTPSink(t)
	h, _ := newAuthHarness(t)
	c := h.client(authBorgo)
	authExpect(t, c.post("/backoffice/password-dimenticata", url.Values{"email": {h.staffEmail("viewer@borgo")}}), 200, "Controlla la posta")

	sender, err := mail.NewSMTP("smtp://"+addr+"?tls=none", "Piazza <noreply@piazza.example>")
	if err != nil {
		t.Fatal(err)
	}
	runner := jobs.NewRunner(h.db, slog.New(slog.DiscardHandler), 1)
	runner.Register(mail.JobKind, mail.Handler(sender))
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { runner.Run(ctx); close(stopped) }()
	select {
	case <-sink.got:
	case <-time.After(20 * time.Second):
		t.Fatal("no message reached the SMTP server")
	}
	cancel()
	<-stopped

	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.msgs) != 1 {
		t.Fatalf("%d messages", len(sink.msgs))
	}
	got := sink.msgs[0]
	if got.from != "noreply@piazza.example" || len(got.to) != 1 || got.to[0] != h.staffEmail("viewer@borgo") {
		t.Fatalf("envelope from %q to %v", got.from, got.to)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(got.data))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != "Comune di Borgo: reimposta la password" {
		t.Errorf("subject %q (%v)", subject, err)
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(msg.Body)
	}
	text, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	link := resetLinkRE.FindString(string(text))
	if !strings.HasPrefix(link, "http://borgo.example.it/backoffice/reimposta-password?token=") {
		t.Fatalf("no reset link in the message:\n%s", text)
	}
	if !strings.Contains(string(text), "Viewer borgo") {
		t.Errorf("the message does not greet the person by name:\n%s", text)
	}
	counts, err := runner.Counts(context.Background())
	if err != nil || counts["done"] != 1 {
		t.Errorf("job counts %v (%v)", counts, err)
	}

	// The link from the real message works.
	authExpect(t, c.get(linkPath(t, link)), 200, "Scegli una nuova password")
	token := link[strings.Index(link, "token=")+len("token="):]
	authRedirect(t, c.post("/backoffice/reimposta-password", url.Values{"token": {token}, "password": {"arrivata-per-posta"}, "confirm": {"arrivata-per-posta"}}), "/backoffice/accedi")
	authRedirect(t, h.client(authBorgo).staffLogin(h.staffEmail("viewer@borgo"), "arrivata-per-posta"), "/backoffice")
}
