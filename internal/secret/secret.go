// Package secret derives purpose-bound keys from the platform's master key, to sign
// tokens and to encrypt secrets kept in the database (TOTP seeds, OIDC client secrets).
//
// The master key comes from PIAZZA_SECRET_KEY, or from a file generated in the data
// directory on first start. Every node of a deployment must use the same key.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Keyring holds the master key.
type Keyring struct {
	master []byte
}

// New returns a keyring for a master key of at least 32 bytes.
func New(master []byte) (*Keyring, error) {
	if len(master) < 32 {
		return nil, errors.New("secret key must be at least 32 bytes")
	}
	return &Keyring{master: append([]byte(nil), master...)}, nil
}

// Parse decodes a configured key given as hex or (URL-safe or standard) base64.
func Parse(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) >= 32 {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) >= 32 {
			return b, nil
		}
	}
	return nil, errors.New("PIAZZA_SECRET_KEY must be at least 32 bytes, in hex or base64 (e.g. openssl rand -base64 32)")
}

// Load returns the configured key, or the one in dataDir/secret.key, creating it
// (mode 0600) on first use.
func Load(configured, dataDir string) (*Keyring, error) {
	if configured != "" {
		b, err := Parse(configured)
		if err != nil {
			return nil, err
		}
		return New(b)
	}
	path := filepath.Join(dataDir, "secret.key")
	if b, err := os.ReadFile(path); err == nil {
		key, err := Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return New(key)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another process won the race
		return Load("", dataDir)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return New(key)
}

// Key derives a 32-byte key for one purpose.
func (k *Keyring) Key(purpose string) []byte {
	m := hmac.New(sha256.New, k.master)
	m.Write([]byte("piazza/v1/" + purpose))
	return m.Sum(nil)
}

// MAC signs data for a purpose.
func (k *Keyring) MAC(purpose string, data []byte) []byte {
	m := hmac.New(sha256.New, k.Key(purpose))
	m.Write(data)
	return m.Sum(nil)
}

// Seal encrypts plaintext with AES-256-GCM under the purpose's key; the purpose is
// also authenticated, so a value sealed for one purpose cannot be opened for another.
func (k *Keyring) Seal(purpose string, plaintext []byte) (string, error) {
	gcm, err := k.gcm(purpose)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	out := gcm.Seal(nonce, nonce, plaintext, []byte(purpose))
	return "v1:" + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts what Seal produced for the same purpose. Empty input gives empty output.
func (k *Keyring) Open(purpose, sealed string) ([]byte, error) {
	if sealed == "" {
		return nil, nil
	}
	raw, ok := strings.CutPrefix(sealed, "v1:")
	if !ok {
		return nil, errors.New("secret: unknown format")
	}
	b, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil {
		return nil, errors.New("secret: bad encoding")
	}
	gcm, err := k.gcm(purpose)
	if err != nil {
		return nil, err
	}
	if len(b) < gcm.NonceSize() {
		return nil, errors.New("secret: too short")
	}
	pt, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], []byte(purpose))
	if err != nil {
		return nil, errors.New("secret: cannot decrypt (wrong PIAZZA_SECRET_KEY?)")
	}
	return pt, nil
}

func (k *Keyring) gcm(purpose string) (cipher.AEAD, error) {
	block, err := aes.NewCipher(k.Key("seal/" + purpose))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Token returns a new random token (32 bytes, URL-safe base64) and its SHA-256 hash
// in hex, which is what the database keeps.
func Token() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the hex SHA-256 of a token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Code returns a random code of n characters from an alphabet without look-alikes,
// for public identifiers people may read aloud or type.
func Code(n int) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
