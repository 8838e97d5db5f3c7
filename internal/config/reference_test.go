package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the configuration reference in docs/operations.md")

const (
	refBegin = "<!-- BEGIN config reference -->\n"
	refEnd   = "<!-- END config reference -->"
)

// TestOperationsGuide keeps the configuration reference in docs/operations.md in
// step with the code: every PIAZZA_* variable must be there, as generated.
func TestOperationsGuide(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "operations.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start, end := strings.Index(doc, refBegin), strings.Index(doc, refEnd)
	if start < 0 || end < start {
		t.Fatalf("%s: the reference markers are missing", path)
	}
	want := ReferenceTable()
	if *update {
		doc = doc[:start+len(refBegin)] + want + doc[end:]
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for _, s := range Reference() {
		if !strings.Contains(doc, "`"+s.Env+"`") {
			t.Errorf("%s does not document %s", path, s.Env)
		}
	}
	if got := doc[start+len(refBegin) : end]; got != want {
		t.Errorf("%s: the configuration reference is out of date; run go test ./internal/config -run TestOperationsGuide -update", path)
	}
}

func TestReferenceTable(t *testing.T) {
	ref := Reference()
	if len(ref) != len(options()) {
		t.Fatalf("%d settings, want %d", len(ref), len(options()))
	}
	table := ReferenceTable()
	for _, s := range ref {
		if !strings.HasPrefix(s.Env, "PIAZZA_") || s.Flag == "" || s.Usage == "" {
			t.Errorf("incomplete setting %+v", s)
		}
		if !strings.Contains(table, "| `"+s.Env+"` | `--"+s.Flag+"` |") {
			t.Errorf("the table lacks %s", s.Env)
		}
	}
	if !strings.Contains(table, "| `PIAZZA_ADDR` | `--addr` | `127.0.0.1:8080` | serve |") {
		t.Errorf("defaults or commands wrong:\n%s", table)
	}
	if !strings.Contains(table, "| `PIAZZA_SECRET_KEY` | `--secret-key` | (empty) | all |") {
		t.Errorf("empty default wrong:\n%s", table)
	}
}
