package content

import (
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []string
		notWant []string
	}{
		{"# Titolo\n\nTesto **forte** e *enfasi*.", []string{"<h2>Titolo</h2>", "<strong>forte</strong>", "<em>enfasi</em>"}, []string{"<h1"}},
		{"### Tre\n\n##### Cinque", []string{"<h3>Tre</h3>", "<h4>Cinque</h4>"}, []string{"<h5", "<h6"}},
		{"[sito](https://comune.example.it) [mail](mailto:a@b.it) [tel](tel:+39021234) [rel](/novita)", []string{`href="https://comune.example.it"`, `href="mailto:a@b.it"`, `href="tel:+39021234"`, `href="/novita"`}, nil},
		{"[x](javascript:alert(1)) [y](data:text/html,hi) [z](JaVaScRiPt:alert(1))", nil, []string{"javascript:", "data:", "JaVaScRiPt"}},
		{"<script>alert(1)</script><b onclick=x>t</b>", nil, []string{"<script", "onclick", "<b"}},
		{"![La piazza](/contenuti/immagini/abc)", []string{`<img src="/contenuti/immagini/abc" alt="La piazza"`}, nil},
		{"![Remota](https://evil.example/x.png)", nil, []string{"evil.example"}},
		{"| a | b |\n|---|---|\n| 1 | 2 |", []string{"<table>", "<th>a</th>", "<td>2</td>"}, []string{"style="}},
		{"> citazione\n\n- uno\n- due\n\n1. primo\n\n`codice`", []string{"<blockquote>", "<ul>", "<ol>", "<code>codice</code>"}, nil},
	} {
		got, err := Render(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("Render(%q) = %q, want %q", tc.in, got, w)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(got, w) {
				t.Errorf("Render(%q) = %q, must not contain %q", tc.in, got, w)
			}
		}
	}
}

func TestCheckMarkdown(t *testing.T) {
	for in, code := range map[string]string{
		"![](/contenuti/immagini/a)":          "content.body.image_alt",
		"![  ](/contenuti/immagini/a)":        "content.body.image_alt",
		"![Foto](https://x.example/a.png)":    "content.body.image_src",
		"![Foto](data:image/png;base64,AAAA)": "content.body.image_src",
		"![Foto](/contenuti/immagini/a)":      "",
		"Nessuna immagine":                    "",
	} {
		err := CheckMarkdown(in)
		if (code == "" && err != nil) || (code != "" && (err == nil || !strings.Contains(err.Error(), code))) {
			t.Errorf("CheckMarkdown(%q) = %v, want %q", in, err, code)
		}
	}
}

var dangerousScheme = regexp.MustCompile(`(?i)^\s*(javascript|data|vbscript):`)

// assertSafe fails if out has a script element, an event handler or style
// attribute, or a URL attribute with a dangerous scheme. Text may mention such
// words (escaped); markup never carries them.
func assertSafe(t *testing.T, in, out string) {
	t.Helper()
	if strings.Contains(strings.ToLower(out), "<script") {
		t.Fatalf("%q -> %q: <script", in, out)
	}
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if tok.Data == "script" || tok.Data == "style" || tok.Data == "iframe" {
			t.Fatalf("%q -> %q: <%s>", in, out, tok.Data)
		}
		for _, a := range tok.Attr {
			name := strings.ToLower(a.Key)
			if strings.HasPrefix(name, "on") || name == "style" {
				t.Fatalf("%q -> %q: attribute %s", in, out, a.Key)
			}
			if (name == "href" || name == "src") && dangerousScheme.MatchString(a.Val) {
				t.Fatalf("%q -> %q: %s=%q", in, out, a.Key, a.Val)
			}
		}
	}
}

// attrRE finds attributes in markup as written (the literal checks of the brief:
// " on…=", "style=", "javascript:" inside a tag).
var attrRE = regexp.MustCompile(`(?i)<[^>]*(\son[a-z]+\s*=|\sstyle\s*=|javascript:)[^>]*>`)

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		"<script>alert(1)</script>", `<img src=x onerror=alert(1)>`, `<a href="javascript:alert(1)">x</a>`,
		`<p style="color:red">x</p>`, "[x](javascript:alert(1))", "![a](/x.png)", "<svg/onload=alert(1)>",
		`<a href="&#106;avascript:alert(1)">x</a>`, "<<script>script>alert(1)<</script>/script>",
		"[x](data:text/html;base64,PHNjcmlwdD4=)", "<iframe src=//evil>", "# h1\n\n|a|\n|-|\n|b|",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, out := range []string{Sanitize(in), must(Render(in))} {
			assertSafe(t, in, out)
			if attrRE.MatchString(out) {
				t.Fatalf("%q -> %q: dangerous attribute", in, out)
			}
		}
	})
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}
