package secret

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	k, err := New([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := k.Seal("totp", []byte("JBSWY3DPEHPK3PXP"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s, "JBSWY3DP") {
		t.Fatal("sealed value contains the plaintext")
	}
	got, err := k.Open("totp", s)
	if err != nil || string(got) != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := k.Open("oidc", s); err == nil {
		t.Fatal("a value sealed for one purpose must not open for another")
	}
	other, _ := New([]byte(strings.Repeat("x", 32)))
	if _, err := other.Open("totp", s); err == nil {
		t.Fatal("another key must not open it")
	}
	if _, err := k.Open("totp", s[:len(s)-2]+"AA"); err == nil {
		t.Fatal("tampered value must not open")
	}
}

func TestLoadCreatesAndReusesKey(t *testing.T) {
	dir := t.TempDir()
	a, err := Load("", dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	b, err := Load("", dir)
	if err != nil || string(a.Key("x")) != string(b.Key("x")) {
		t.Fatal("second load must reuse the key")
	}
	if _, err := Load("too-short", dir); err == nil {
		t.Fatal("short configured key must be refused")
	}
	c, err := Load(strings.Repeat("ab", 32), dir)
	if err != nil || string(c.Key("x")) == string(a.Key("x")) {
		t.Fatalf("configured hex key must win: %v", err)
	}
}

func TestTokenAndCode(t *testing.T) {
	tok, hash := Token()
	if len(tok) < 40 || HashToken(tok) != hash || len(hash) != 64 {
		t.Fatalf("token %q hash %q", tok, hash)
	}
	if t2, _ := Token(); t2 == tok {
		t.Fatal("tokens must differ")
	}
	c := Code(10)
	if len(c) != 10 || strings.ContainsAny(c, "01IO") {
		t.Fatalf("code %q", c)
	}
}
