package content

import (
	"bytes"
	"html"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"

	"piazza/internal/apperr"
)

// Editors write Markdown. goldmark renders it with raw HTML switched off (HTML in
// the source is dropped, never passed through), then bluemonday applies an
// allow-list, so that even a renderer bug cannot put a script, an event handler,
// a javascript: or data: URL or a style attribute on a public page.

var md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))

// localImageRE is what an image source may be: a path on the site itself.
var localImageRE = regexp.MustCompile(`^/[A-Za-z0-9][A-Za-z0-9/._-]*$`)

// policy is the allow-list of the rendered HTML.
var policy = newPolicy()

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "del", "blockquote",
		"code", "pre", "table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto", "tel")
	p.AllowRelativeURLs(true)
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnFullyQualifiedLinks(true)
	p.AllowAttrs("src").Matching(localImageRE).OnElements("img")
	p.AllowAttrs("alt").OnElements("img")
	p.AllowAttrs("scope").Matching(regexp.MustCompile(`^(row|col)$`)).OnElements("th")
	return p
}

// Sanitize applies the allow-list to HTML.
func Sanitize(s string) string { return policy.Sanitize(s) }

// Render turns an editor's Markdown into safe HTML: paragraphs, headings h2–h4
// (a level-1 heading becomes h2, the page title being the only h1; h5 and h6
// become h4), lists, links (http, https, mailto, tel and relative), emphasis, quotes, code, tables and
// images with a local source. It returns the HTML even when CheckMarkdown would
// refuse the source (for previews of invalid drafts): whatever is not allowed is
// removed.
func Render(src string) (string, error) {
	source := []byte(src)
	doc := md.Parser().Parse(text.NewReader(source))
	// Clamp headings to h2–h4: "# Title" becomes an h2 (the page title is the h1).
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			h.Level = min(max(h.Level, 2), 4)
		}
		return ast.WalkContinue, nil
	})
	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, source, doc); err != nil {
		return "", err
	}
	return Sanitize(buf.String()), nil
}

// CheckMarkdown reports problems an editor must fix: an image without alternative
// text (content.body.image_alt) or with a source that is not on the site
// (content.body.image_src).
func CheckMarkdown(src string) error {
	source := []byte(src)
	doc := md.Parser().Parse(text.NewReader(source))
	var code string
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		img, ok := n.(*ast.Image)
		if !ok || !entering {
			return ast.WalkContinue, nil
		}
		if strings.TrimSpace(plainText(img, source)) == "" {
			code = "content.body.image_alt"
			return ast.WalkStop, nil
		}
		if !localImageRE.MatchString(string(img.Destination)) {
			code = "content.body.image_src"
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	if code != "" {
		return apperr.E(apperr.Invalid, code)
	}
	return nil
}

// plainText is the text inside a node (an image's alternative text).
func plainText(n ast.Node, source []byte) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*ast.Text); ok {
			b.Write(t.Segment.Value(source))
		} else {
			b.WriteString(plainText(c, source))
		}
	}
	return b.String()
}

// PlainText is a Markdown body as plain text (for feeds and descriptions).
func PlainText(src string) string {
	h, _ := Render(src)
	return strings.Join(strings.Fields(html.UnescapeString(bluemonday.StrictPolicy().Sanitize(h))), " ")
}
