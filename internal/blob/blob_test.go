package blob

import (
	"context"
	"testing"

	"piazza/internal/apperr"
)

func TestDir(t *testing.T) {
	d, err := OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := d.Put(ctx, "tenants/1/stemma.png", []byte("png")); err != nil {
		t.Fatal(err)
	}
	b, err := d.Get(ctx, "tenants/1/stemma.png")
	if err != nil || string(b) != "png" {
		t.Fatalf("get = %q, %v", b, err)
	}
	for _, k := range []string{"../x", "/etc/passwd", "a/../../x", "A.png", "a//b", ""} {
		if err := d.Put(ctx, k, []byte("x")); err == nil {
			t.Errorf("key %q accepted", k)
		}
		if _, err := d.Get(ctx, k); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("get %q: %v", k, err)
		}
	}
	if err := d.Delete(ctx, "tenants/1/stemma.png"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Get(ctx, "tenants/1/stemma.png"); !apperr.Is(err, apperr.NotFound) {
		t.Fatal("deleted blob still there")
	}
}
