package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strings"
)

// Static assets are embedded and served under /static/<version>/<path>, where version
// is a hash of all of them: a new build changes every URL, so browsers and proxies
// may cache assets for a year. One version for all keeps relative URLs inside CSS
// files working.
//
//go:embed static
var staticFS embed.FS

type asset struct {
	data []byte
	gz   []byte // gzip of data, for text types
	ct   string
}

type assets struct {
	version string
	files   map[string]*asset
}

func loadAssets() (*assets, error) {
	a := &assets{files: map[string]*asset{}}
	var names []string
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		names = append(names, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	h := sha256.New()
	for _, p := range names {
		data, err := fs.ReadFile(staticFS, p)
		if err != nil {
			return nil, err
		}
		rel := strings.TrimPrefix(p, "static/")
		h.Write([]byte(rel))
		h.Write(data)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		f := &asset{data: data, ct: ct}
		if strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript") || strings.Contains(ct, "svg") || strings.Contains(ct, "json") {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(data)
			zw.Close()
			if buf.Len() < len(data) {
				f.gz = buf.Bytes()
			}
		}
		a.files[rel] = f
	}
	a.version = hex.EncodeToString(h.Sum(nil))[:12]
	return a, nil
}

// URL returns the versioned URL of an asset path such as "css/piazza.css".
func (a *assets) URL(p string) string { return "/static/" + a.version + "/" + p }

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	version, p := r.PathValue("version"), r.PathValue("path")
	f, ok := a.files[p]
	if !ok {
		http.NotFound(w, r)
		return
	}
	etag := `"` + a.version + `"`
	w.Header().Set("Content-Type", f.ct)
	w.Header().Set("ETag", etag)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if version == a.version {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.Header().Add("Vary", "Accept-Encoding")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.data
	if f.gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		body = f.gz
	}
	w.Write(body)
}
