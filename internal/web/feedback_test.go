package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// postAnonymous posts a form the way a browser does from one of the tenant's pages,
// with no cookie at all.
func postAnonymous(h *harness, host, path string, form url.Values, site string) *response {
	req, _ := http.NewRequest(http.MethodPost, "http://"+host+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", site)
	if site == "same-origin" {
		req.Header.Set("Origin", "http://"+host)
	} else {
		req.Header.Set("Origin", "https://evil.example")
	}
	return h.client(host).do(req)
}

// TestFeedbackComponent checks the rating component against the checker's rules
// (reference/modello-comuni.md §3.5): on first- and second-level pages and service
// cards, with the model's exact texts, five stars and both follow-up blocks; and
// not on personal pages.
func TestFeedbackComponent(t *testing.T) {
	h := newHarness(t)
	fx := newBOFixture(h)
	h.mustCard(h.borgo.ID, fx.borgoOffice.ID, "mensa-scolastica", true)
	c := h.client(borgo)
	texts := []string{
		`data-element="feedback"`, `data-element="feedback-title">Quanto sono chiare le informazioni su questa pagina?`,
		`data-element="feedback-rating-positive"`, `data-element="feedback-rating-negative"`,
		`data-element="feedback-rating-question">Quali sono stati gli aspetti che hai preferito?`,
		`data-element="feedback-rating-question">Dove hai incontrato le maggiori difficoltà?`,
		`data-element="feedback-input-text"`,
	}
	answers := []string{"A volte le indicazioni non erano chiare", "A volte le indicazioni non erano complete",
		"A volte non capivo se stavo procedendo correttamente", "Ho avuto problemi tecnici", "Altro",
		"Le indicazioni erano chiare", "Le indicazioni erano complete", "Capivo sempre che stavo procedendo correttamente",
		"Non ho avuto problemi tecnici", "Altro"}
	answerRE := regexp.MustCompile(`data-element="feedback-rating-answer">([^<]*)<`)
	for _, path := range []string{"/", "/servizi", "/servizi/educazione-e-formazione", "/servizi/educazione-e-formazione/mensa-scolastica",
		"/amministrazione", "/novita", "/vivere-il-comune", "/amministrazione/uffici"} {
		body := c.get(path).Body
		for _, w := range texts {
			if !strings.Contains(body, w) {
				t.Errorf("%s: missing %s", path, w)
			}
		}
		for i := 1; i <= 5; i++ {
			if !strings.Contains(body, `data-element="feedback-rate-`+string(rune('0'+i))+`"`) {
				t.Errorf("%s: no star %d", path, i)
			}
		}
		var got []string
		for _, m := range answerRE.FindAllStringSubmatch(body, -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, "|") != strings.Join(answers[5:], "|")+"|"+strings.Join(answers[:5], "|") {
			t.Errorf("%s: answers %q", path, got)
		}
	}
	if r := c.get("/questa-pagina-non-esiste"); strings.Contains(r.Body, `data-element="feedback"`) {
		t.Error("the 404 page asks for a rating")
	}
}

func TestFeedbackSubmitAndReport(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		form   url.Values
		site   string
		status int
		want   string
	}{
		{url.Values{"page": {"/servizi"}, "stars": {"5"}, "answer": {"clear"}}, "same-origin", 200, "Grazie per il tuo suggerimento"},
		{url.Values{"page": {"/servizi"}, "stars": {"2"}, "answer": {"technical"}, "comment": {"Il   modulo non si apre"}}, "same-origin", 200, "Grazie"},
		// An answer of the hidden block is dropped, not an error.
		{url.Values{"page": {"/novita"}, "stars": {"1"}, "answer": {"clear"}}, "same-origin", 200, "Grazie"},
		{url.Values{"page": {"/novita"}, "stars": {"0"}}, "same-origin", 422, "Scegli da 1 a 5 stelle"},
		{url.Values{"page": {"https://evil.example"}, "stars": {"4"}}, "same-origin", 422, "non è valida"},
		{url.Values{"page": {"/novita"}, "stars": {"3"}, "comment": {strings.Repeat("x", 201)}}, "same-origin", 422, "200 caratteri"},
		{url.Values{"page": {"/novita"}, "stars": {"5"}}, "cross-site", 403, ""},
	} {
		r := postAnonymous(h, borgo, "/valuta", tc.form, tc.site)
		if r.StatusCode != tc.status || !strings.Contains(r.Body, tc.want) {
			t.Errorf("%v: %d, want %d with %q", tc.form, r.StatusCode, tc.status, tc.want)
		}
		if len(r.Cookies()) != 0 {
			t.Errorf("%v: the rating set a cookie", tc.form)
		}
	}
	// Marina's ratings are Marina's.
	postAnonymous(h, marina, "/valuta", url.Values{"page": {"/solo-marina"}, "stars": {"4"}}, "same-origin")

	ed := h.staff(borgo, "editor@borgo")
	r := ed.get("/backoffice/valutazioni")
	if r.StatusCode != 200 {
		t.Fatalf("report: %d", r.StatusCode)
	}
	body := text(r.Body)
	for _, w := range []string{"3 valutazioni, media 2.7 stelle su 5", "/servizi", "/novita", "Il modulo non si apre", "Le indicazioni erano chiare: 1", "Ho avuto problemi tecnici: 1"} {
		if !strings.Contains(body, w) {
			t.Errorf("report lacks %q", w)
		}
	}
	if strings.Contains(body, "solo-marina") {
		t.Error("Borgo's report shows Marina's ratings")
	}
	if r := h.staff(borgo, "operator@borgo").get("/backoffice/valutazioni"); r.StatusCode != http.StatusForbidden {
		t.Errorf("operator: %d", r.StatusCode)
	}
}
