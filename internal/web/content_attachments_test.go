package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"piazza/internal/audit"
	"piazza/internal/content"
)

func init() {
	// The cross-tenant back-office test removes "a file" of Marina's content item.
	foreignParams["{file}"] = "qualsiasi"
}

// TestContentAttachments: an editor attaches files to a news item; the type is
// sniffed (a script named .pdf is refused on the field, nothing stored); visitors
// download the files of public items only, never another comune's; removing works.
func TestContentAttachments(t *testing.T) {
	h := newHarness(t)
	it := h.mustItem(newsItem(h.borgo.ID, content.NewsNotice, "bando-mensa"), false)
	editor := h.staff(borgo, "editor@borgo")
	path := "/backoffice/contenuti/" + strconv.FormatInt(it.ID, 10)
	pdf := "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
	for _, bad := range []struct{ name, data string }{
		{"bando.pdf", "<script>alert(1)</script>"},
		{"vuoto.pdf", ""},
	} {
		r := editor.postFile(path+"/allegati", url.Values{}, "file", bad.name, []byte(bad.data))
		expectStatus(t, r, http.StatusUnprocessableEntity)
		expectContains(t, r.Body, `id="file-error"`)
	}
	if list, _ := h.content.Attachments(t.Context(), h.borgo.ID, it.ID); len(list) != 0 {
		t.Fatalf("a refused file was stored: %+v", list)
	}
	expectRedirect(t, editor.postFile(path+"/allegati", url.Values{}, "file", "Bando mensa 2027.pdf", []byte(pdf)), path+"#c-attachments")
	list, _ := h.content.Attachments(t.Context(), h.borgo.ID, it.ID)
	if len(list) != 1 || list[0].ContentType != "application/pdf" || list[0].Name != "Bando mensa 2027.pdf" || list[0].Size != int64(len(pdf)) {
		t.Fatalf("attachments %+v", list)
	}
	a := list[0]
	visitor := h.client(borgo)
	// Not public yet: neither the page nor the file.
	if r := visitor.get(a.URL()); r.StatusCode != http.StatusNotFound {
		t.Fatalf("file of a draft: %d", r.StatusCode)
	}
	if _, err := h.content.Publish(t.Context(), h.borgo.ID, it.ID, h.contentNow()); err != nil {
		t.Fatal(err)
	}
	page := visitor.get("/novita/avvisi/bando-mensa")
	expectContains(t, page.Body, `href="`+a.URL()+`"`, "Bando mensa 2027.pdf", "(PDF, 0,1 KB)")
	r := visitor.get(a.URL())
	if r.StatusCode != 200 || r.Body != pdf || r.Header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") || !strings.Contains(r.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("download: %d %v", r.StatusCode, r.Header)
	}
	if r := h.client(marina).get(a.URL()); r.StatusCode != http.StatusNotFound {
		t.Fatalf("another comune serves Borgo's file: %d", r.StatusCode)
	}
	if r := h.staff(marina, "admin@marina").post(path+"/allegati/"+a.PublicID+"/elimina", nil); r.StatusCode != http.StatusNotFound {
		t.Fatalf("another comune's admin removes Borgo's file: %d", r.StatusCode)
	}
	expectRedirect(t, editor.post(path+"/allegati/"+a.PublicID+"/elimina", nil), path+"#c-attachments")
	if r := visitor.get(a.URL()); r.StatusCode != http.StatusNotFound {
		t.Fatalf("removed file still served: %d", r.StatusCode)
	}
	if e, ok := findAudit(h.auditLog(h.borgo.ID, audit.Filter{}), "content.attachment.delete", strconv.FormatInt(it.ID, 10)); !ok || e.Detail != a.Name {
		t.Errorf("removal not audited: %+v", e)
	}
}
