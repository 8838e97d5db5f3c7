//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestFeedbackComponent does what the checker does with the rating component
// (reference/modello-comuni.md §3.5): it clicks each star and expects the negative
// block for one to three stars and the positive one for four and five — with and
// without JavaScript — and then sends a rating.
func TestFeedbackComponent(t *testing.T) {
	for _, js := range []bool{true, false} {
		tb := newTab(t)
		if !js {
			tb.disableJS()
		}
		tb.visit(tb.h.siteURL(demoComuni[0], "/servizi"))
		for i := 1; i <= 5; i++ {
			star := `[data-element="feedback-rate-` + string(rune('0'+i)) + `"]`
			tb.click(star)
			shown, gone := `[data-element="feedback-rating-negative"]`, `[data-element="feedback-rating-positive"]`
			if i >= 4 {
				shown, gone = gone, shown
			}
			if h := tb.hidden(shown); len(h) > 0 {
				t.Errorf("JavaScript %v, %d stars: %s hidden", js, i, shown)
			}
			if h := tb.hidden(gone); len(h) == 0 {
				t.Errorf("JavaScript %v, %d stars: %s visible", js, i, gone)
			}
		}
		tb.checkPage()
		tb.click(`label[for="feedback-answer-clear"]`)
		tb.fill(`#feedback-comment`, "Pagina chiara")
		if js {
			tb.click(`form.piazza-rating [type="submit"]`)
			tb.waitText(`.piazza-feedback-done`, "Grazie")
		} else {
			tb.submit(`form.piazza-rating [type="submit"]`)
			if !strings.Contains(tb.text(), "Grazie per il tuo suggerimento") {
				t.Errorf("no thank-you page without JavaScript: %s", tb.url)
			}
		}
	}
}

// waitText waits up to five seconds for the element to contain text.
func (tb *tab) waitText(css, text string) {
	tb.t.Helper()
	sel, _ := json.Marshal(css)
	for range 50 {
		got := runEval[string](tb, `(document.querySelector(`+string(sel)+`) || {}).textContent || ""`)
		if strings.Contains(got, text) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.t.Fatalf("%s: %s never contained %q", tb.url, css, text)
}
