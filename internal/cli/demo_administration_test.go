package cli

import (
	"context"
	"html"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"piazza/internal/app"
	"piazza/internal/demo"
)

// Checker rules (pa-website-validator-ng) for the Amministrazione section, the
// FAQ and the legal notes, ported to Go and run on the pages of both demo comuni.

// elementTexts returns the trimmed text of every element carrying
// data-element="name" in page order (nested tags stripped, entities decoded).
func elementTexts(body, name string) []string {
	re := regexp.MustCompile(`(?s)<(\w+)[^>]*data-element="` + regexp.QuoteMeta(name) + `"[^>]*>(.*?)</(\w+)>`)
	var out []string
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		out = append(out, strings.TrimSpace(html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(m[2], ""))))
	}
	return out
}

// elementHrefs returns the href of every <a> carrying data-element="name".
func elementHrefs(body, name string) []string {
	re := regexp.MustCompile(`<a[^>]*data-element="` + regexp.QuoteMeta(name) + `"[^>]*>`)
	href := regexp.MustCompile(`href="([^"]*)"`)
	var out []string
	for _, tag := range re.FindAllString(body, -1) {
		if m := href.FindStringSubmatch(tag); m != nil {
			out = append(out, html.UnescapeString(m[1]))
		}
	}
	return out
}

// breadcrumb returns the texts of the crumbs (checker: [data-element="breadcrumb"] li).
func breadcrumb(body string) []string {
	m := regexp.MustCompile(`(?s)data-element="breadcrumb"[^>]*>(.*?)</ol>`).FindStringSubmatch(body)
	if m == nil {
		return nil
	}
	var out []string
	for _, li := range regexp.MustCompile(`(?s)<li[^>]*>(.*?)</li>`).FindAllStringSubmatch(m[1], -1) {
		t := html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(li[1], ""))
		out = append(out, strings.Trim(strings.TrimSpace(t), "/ \n"))
	}
	return out
}

// managementVocabulary is the checker's list for Amministrazione (menuItems.ts).
var managementVocabulary = []string{"aree amministrative", "documenti e dati", "enti e fondazioni", "organi di governo",
	"personale amministrativo", "politici", "uffici"}

// legalNotesStatement is the CC-BY 4.0 statement of legalNotes.ts.
const legalNotesStatement = "In applicazione del principio open by default ai sensi dell’articolo 52 del decreto legislativo 7 marzo 2005, n. 82 (CAD) e salvo dove diversamente specificato (compresi i contenuti incorporati di terzi), i dati, i documenti e le informazioni pubblicati sul sito sono rilasciati con licenza CC-BY 4.0. Gli utenti sono quindi liberi di condividere (riprodurre, distribuire, comunicare al pubblico, esporre in pubblico), rappresentare, eseguire e recitare questo materiale con qualsiasi mezzo e formato e modificare (trasformare il materiale e utilizzarlo per opere derivate) per qualsiasi fine, anche commerciale con il solo onere di attribuzione, senza apporre restrizioni aggiuntive."

// normaliseLegal is the checker's comparison form: lower case, runs of spaces
// collapsed, ' as ’.
func normaliseLegal(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "'", "’")
}

func footerOf(body string) string {
	i := strings.Index(body, "<footer")
	if i < 0 {
		return ""
	}
	return body[i:]
}

func TestDemoAdministrationCheckerRules(t *testing.T) {
	ctx := context.Background()
	a := openApp(t, true, func(ctx context.Context, a *app.App) {
		if _, err := demo.Ensure(ctx, demoDeps(a), demo.Issuer(a.Config.PlatformHost, a.Config.Port())); err != nil {
			t.Fatal(err)
		}
	})
	list, err := a.Tenants.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	comuni := 0
	for _, tn := range list {
		if tn.SiteHost() == "" {
			continue
		}
		comuni++
		base := "http://" + tn.SiteHost() + ":8080"
		page := func(path string) (int, string) {
			res := get(a, base+path)
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		// C.SI.1.7: every second-level title of Amministrazione is in the
		// vocabulary (trimmed, lower-cased, exact), in the model's order.
		status, body := page("/amministrazione")
		if status != 200 {
			t.Fatalf("%s /amministrazione: %d", tn.Slug, status)
		}
		labels := elementTexts(body, "management-category-link")
		hrefs := elementHrefs(body, "management-category-link")
		want := []string{"organi di governo", "aree amministrative", "uffici", "enti e fondazioni", "politici", "personale amministrativo", "documenti e dati"}
		var got []string
		for _, l := range labels {
			l = strings.ToLower(strings.TrimSpace(l))
			if !slices.Contains(managementVocabulary, l) {
				t.Errorf("%s: second-level title %q not in the vocabulary", tn.Slug, l)
			}
			got = append(got, l)
		}
		if !slices.Equal(got, want) || len(hrefs) != len(want) {
			t.Errorf("%s: management links %q %q", tn.Slug, got, hrefs)
		}
		// Each second-level page: exists, its title and last crumb are the label,
		// it carries the rating component, and the demo filled it.
		for i, href := range hrefs {
			if href == "" || href == "#" || !strings.HasPrefix(href, "/amministrazione/") {
				t.Errorf("%s: link %q", tn.Slug, href)
				continue
			}
			status, body := page(href)
			if status != 200 {
				t.Errorf("%s %s: %d", tn.Slug, href, status)
				continue
			}
			label := labels[i]
			if !strings.Contains(body, "<h1>"+label+"</h1>") {
				t.Errorf("%s %s: title is not %q", tn.Slug, href, label)
			}
			crumbs := breadcrumb(body)
			if len(crumbs) != 3 || crumbs[1] != "Amministrazione" || crumbs[2] != label {
				t.Errorf("%s %s: breadcrumb %q", tn.Slug, href, crumbs)
			}
			if ft := elementTexts(body, "feedback-title"); len(ft) != 1 || ft[0] != "Quanto sono chiare le informazioni su questa pagina?" {
				t.Errorf("%s %s: feedback title %q", tn.Slug, href, ft)
			}
			// Every item of the list opens.
			items := regexp.MustCompile(`href="(`+regexp.QuoteMeta(href)+`/[a-z0-9-]+)"`).FindAllStringSubmatch(body, -1)
			if len(items) < 2 {
				t.Errorf("%s %s: %d items in the demo", tn.Slug, href, len(items))
			}
			for _, m := range items {
				if st, _ := page(m[1]); st != 200 {
					t.Errorf("%s %s: %d", tn.Slug, m[1], st)
				}
			}
		}
		// An office's page: competences, hours, people.
		_, offices := page("/amministrazione/uffici")
		first := regexp.MustCompile(`href="(/amministrazione/uffici/[a-z0-9-]+)"`).FindStringSubmatch(offices)
		if first == nil {
			t.Fatalf("%s: no office", tn.Slug)
		}
		if st, body := page(first[1]); st != 200 || !strings.Contains(body, "Competenze") || !strings.Contains(body, "/amministrazione/personale-amministrativo/") {
			t.Errorf("%s %s: %d, competences or people missing", tn.Slug, first[1], st)
		}

		// C.SI.2.3, C.SI.3.3, C.SI.3.4: the footer's links and labels.
		foot := footerOf(body)
		faq := elementTexts(foot, "faq")
		if len(faq) != 1 || !(strings.Contains(strings.ToLower(faq[0]), "faq") || strings.Contains(strings.ToLower(faq[0]), "domande frequenti")) {
			t.Errorf("%s: footer faq %q", tn.Slug, faq)
		}
		for _, el := range []string{"faq", "privacy-policy-link", "legal-notes", "report-inefficiency"} {
			h := elementHrefs(foot, el)
			if len(h) != 1 || h[0] == "" || h[0] == "#" {
				t.Errorf("%s: footer %s %q", tn.Slug, el, h)
				continue
			}
			if strings.HasPrefix(h[0], "/") {
				if st, _ := page(h[0]); st != 200 {
					t.Errorf("%s: footer %s → %s: %d", tn.Slug, el, h[0], st)
				}
			}
		}
		if r := elementTexts(foot, "report-inefficiency"); len(r) == 1 && !slices.Contains([]string{"disservizio", "segnala disservizio", "segnalazione disservizio"}, strings.ToLower(r[0])) {
			t.Errorf("%s: report-inefficiency label %q", tn.Slug, r[0])
		}
		if h := elementHrefs(foot, "accessibility-link"); tn.AccessibilityURL != "" && (len(h) != 1 || !strings.Contains(h[0], "https://form.agid.gov.it/")) {
			t.Errorf("%s: accessibility link %q", tn.Slug, h)
		}
		// The FAQ page lists the comune's questions.
		if st, body := page(elementHrefs(foot, "faq")[0]); st != 200 || !strings.Contains(body, "Come richiedo la carta d") {
			t.Errorf("%s: FAQ page %d without the demo's questions", tn.Slug, st)
		}
		// C.SI.3.4: the legal notes' section title and CC-BY 4.0 statement.
		_, legal := page(elementHrefs(foot, "legal-notes")[0])
		if s := elementTexts(legal, "legal-notes-section"); len(s) != 1 || strings.ToLower(s[0]) != "licenza dei contenuti" {
			t.Errorf("%s: legal-notes-section %q", tn.Slug, s)
		}
		if b := normaliseLegal(strings.Join(elementTexts(legal, "legal-notes-body"), " ")); b != normaliseLegal(legalNotesStatement) {
			t.Errorf("%s: legal-notes-body is %q", tn.Slug, b)
		}
	}
	if comuni < 2 {
		t.Fatalf("%d demo comuni", comuni)
	}
}
