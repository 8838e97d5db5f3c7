// Package blob stores files (coats of arms now; attachments and photos later) behind
// one interface: a local directory by default, S3-compatible storage for deployments
// with several nodes. Keys are chosen by Piazza, never by users.
package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"

	"piazza/internal/apperr"
)

// Store keeps blobs by key.
type Store interface {
	// Put stores data under key, replacing any previous content.
	Put(ctx context.Context, key string, data []byte) error
	// Get returns the content; NotFound when missing.
	Get(ctx context.Context, key string) ([]byte, error)
	Delete(ctx context.Context, key string) error
}

var keyRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$`)

// ValidKey reports whether key is safe as a path: lower-case segments, no "..".
func ValidKey(key string) bool {
	return len(key) <= 200 && keyRE.MatchString(key) && path.Clean(key) == key
}

// SHA256 returns the hex digest of data.
func SHA256(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// Dir stores blobs as files under a directory, through os.Root so that no key can
// reach outside it.
type Dir struct {
	root *os.Root
}

// OpenDir opens (creating it if needed) a directory store.
func OpenDir(dir string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Dir{root: r}, nil
}

// Put writes the file atomically (temporary file, then rename).
func (d *Dir) Put(ctx context.Context, key string, data []byte) error {
	if !ValidKey(key) {
		return errors.New("blob: invalid key")
	}
	if dir := path.Dir(key); dir != "." {
		if err := d.root.MkdirAll(filepath.FromSlash(dir), 0o750); err != nil {
			return err
		}
	}
	tmp := key + ".tmp"
	f, err := d.root.OpenFile(filepath.FromSlash(tmp), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, bytes.NewReader(data)); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return d.root.Rename(filepath.FromSlash(tmp), filepath.FromSlash(key))
}

// Get reads a file.
func (d *Dir) Get(ctx context.Context, key string) ([]byte, error) {
	if !ValidKey(key) {
		return nil, apperr.ErrNotFound
	}
	b, err := d.root.ReadFile(filepath.FromSlash(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, apperr.ErrNotFound
	}
	return b, err
}

// Delete removes a file; a missing one is not an error.
func (d *Dir) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return nil
	}
	err := d.root.Remove(filepath.FromSlash(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Close releases the directory.
func (d *Dir) Close() error { return d.root.Close() }
