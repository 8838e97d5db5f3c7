package upload

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

func TestThumbnail(t *testing.T) {
	big := image.NewRGBA(image.Rect(0, 0, 1000, 500))
	for y := 0; y < 500; y++ {
		for x := 0; x < 1000; x++ {
			big.Set(x, y, color.RGBA{0, 0, 200, 255})
		}
	}
	var pb bytes.Buffer
	png.Encode(&pb, big)
	cases := []struct {
		name   string
		data   []byte
		w, h   int
		errors bool
	}{
		{"landscape png scaled to the long side", pb.Bytes(), ThumbSide, ThumbSide / 2, false},
		{"small jpeg keeps its size", jpegBytes(t), 8, 8, false},
		{"bomb header refused undecoded", pngHeader(100000, 100000), 0, 0, true},
		{"not an image", []byte("hello"), 0, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := Thumbnail(c.data, 0)
			if c.errors {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			img, err := jpeg.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != c.w || b.Dy() != c.h {
				t.Fatalf("size %v, want %d×%d", b, c.w, c.h)
			}
			if c.w == ThumbSide {
				r, g, b, _ := img.At(10, 10).RGBA()
				if r>>8 > 20 || g>>8 > 20 || b>>8 < 180 {
					t.Fatalf("colour not kept: %d %d %d", r>>8, g>>8, b>>8)
				}
			}
		})
	}
}

// FuzzThumbnail feeds arbitrary bytes to the image pipeline: it must never panic,
// and whatever it accepts must come out as a bounded JPEG.
func FuzzThumbnail(f *testing.F) {
	f.Add(jpegBytes(f))
	f.Add(pngBytes(f))
	f.Add(withEXIF(jpegBytes(f)))
	f.Add(pngHeader(1<<15, 1<<15))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := Reencode(Sniff(data), data); err != nil {
			return
		}
		out, err := Thumbnail(data, 64)
		if err != nil {
			return
		}
		img, err := jpeg.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("thumbnail does not decode: %v", err)
		}
		if b := img.Bounds(); b.Dx() > 64 || b.Dy() > 64 {
			t.Fatalf("thumbnail %v", b)
		}
	})
}
