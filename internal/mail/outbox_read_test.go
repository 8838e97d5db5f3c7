package mail

import (
	"context"
	"strings"
	"testing"
)

func TestOutboxListAndRead(t *testing.T) {
	o, err := NewOutbox(t.TempDir(), "Piazza <noreply@piazza.example>")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, m := range []Message{
		{To: []string{"mario.rossi@cittadini.example"}, Subject: "Pratica K7QH-3M9X: ricevuta", Text: "Gentile Mario,\nla sua domanda è stata protocollata: n. 0000042/2026.\nÈ tutto a posto — àèìòù €"},
		{To: []string{"giulia@cittadini.example"}, Subject: "Seconda", Text: "Testo"},
	} {
		if err := o.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	list, err := o.List(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Subject != "Seconda" {
		t.Fatalf("list: %+v", list)
	}
	m := list[1]
	if m.Subject != "Pratica K7QH-3M9X: ricevuta" || len(m.To) != 1 || m.To[0] != "mario.rossi@cittadini.example" ||
		!strings.Contains(m.Text, "n. 0000042/2026.\nÈ tutto a posto — àèìòù €") || m.Date.IsZero() {
		t.Fatalf("read back: %+v", m)
	}
	if _, err := o.Read("../../etc/passwd"); err != ErrNoMessage {
		t.Fatalf("path outside the outbox: %v", err)
	}
	if _, err := o.Read("20260101T000000.000000000.eml"); err != ErrNoMessage {
		t.Fatalf("missing message: %v", err)
	}
}

func TestParseMessageAttachments(t *testing.T) {
	raw := "From: a@b.it\r\nTo: c@d.it\r\nSubject: =?UTF-8?q?Ricevuta_=C3=A8?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n" +
		"--XX\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\nQ2lhbyDDqA==\r\n" +
		"--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"ricevuta.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--XX--\r\n"
	s, err := ParseMessage([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if s.Subject != "Ricevuta è" || s.Text != "Ciao è" || len(s.Attachments) != 1 || s.Attachments[0] != "ricevuta.pdf" {
		t.Fatalf("%+v", s)
	}
}

func FuzzParseMessage(f *testing.F) {
	f.Add([]byte("Subject: x\r\n\r\nbody"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n\r\nx\r\n--a--"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseMessage(data)
	})
}
