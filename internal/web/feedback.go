package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/feedback"
)

func (s *Server) feedbackRoutes() []route {
	return []route{
		{pattern: "POST /valuta", handler: s.feedbackAdd, anonymousPost: true, maxBody: 4 << 10},
		{pattern: "GET /backoffice/valutazioni", handler: s.boFeedback, access: staff, roles: []accounts.Role{accounts.RoleEditor}},
	}
}

// noFeedback are the path prefixes of pages without the rating component: personal
// pages, sign-in, and the forms of the online services (which ask their own
// question at the end of the flow).
var noFeedback = []string{"/area-personale", "/accedi", "/auth", "/valuta", "/backoffice", "/esci"}

// ShowFeedback reports whether the page carries the rating component: the public
// pages of the website that answered 200.
func (v *view) ShowFeedback() bool {
	if v.s.Feedback == nil || v.ri.Tenant == nil || v.Status != http.StatusOK || v.Data == nil && v.Title == "" {
		return false
	}
	p := v.r.URL.Path
	for _, pre := range noFeedback {
		if strings.HasPrefix(p, pre) {
			return false
		}
	}
	return !strings.HasSuffix(p, "/richiesta")
}

// feedbackAnswer is one answer of the follow-up question.
type feedbackAnswer struct{ Code, Label string }

// FeedbackAnswers lists the answers of a block ("positive" or "negative").
func (v *view) FeedbackAnswers(block string) []feedbackAnswer {
	codes := feedback.NegativeAnswers
	if block == "positive" {
		codes = feedback.PositiveAnswers
	}
	out := make([]feedbackAnswer, len(codes))
	for i, c := range codes {
		out[i] = feedbackAnswer{Code: c, Label: "feedback.answer." + c}
	}
	return out
}

// feedbackThanks is the page after a rating sent without JavaScript.
type feedbackThanks struct{ Back string }

func (s *Server) feedbackAdd(w http.ResponseWriter, r *http.Request) {
	f := r.PostFormValue
	stars, _ := strconv.Atoi(f("stars"))
	e := feedback.Entry{TenantID: info(r).Tenant.ID, Path: f("page"), Stars: stars, Answer: f("answer"), Comment: f("comment")}
	// The answer of the block the stars hide was not visible: drop it.
	if (stars >= 4 && slices.Contains(feedback.NegativeAnswers, e.Answer)) || (stars <= 3 && slices.Contains(feedback.PositiveAnswers, e.Answer)) {
		e.Answer = ""
	}
	err := s.Feedback.Add(r.Context(), &e)
	js := r.Header.Get("X-Requested-With") == "piazza"
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			if js {
				w.WriteHeader(http.StatusUnprocessableEntity)
				return
			}
			s.render(w, r, page{Template: "site/valutazione.html", Title: "feedback.thanks.title", Data: feedbackThanks{Back: "/"}, Err: err})
			return
		}
		s.fail(w, r, err)
		return
	}
	if js {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.render(w, r, page{Template: "site/valutazione.html", Title: "feedback.thanks.title", Data: feedbackThanks{Back: e.Path}})
}

// feedbackReport is the editors' page.
type feedbackReport struct {
	feedback.Report
	Span int // weeks shown
}

func (s *Server) boFeedback(w http.ResponseWriter, r *http.Request) {
	weeks, err := strconv.Atoi(r.URL.Query().Get("settimane"))
	if err != nil || weeks < 1 || weeks > 104 {
		weeks = 12
	}
	rep, err := s.Feedback.Report(r.Context(), info(r).Tenant.ID, weeks)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, page{Template: "backoffice/valutazioni.html", Title: "feedback.report.title", Data: feedbackReport{Report: rep, Span: weeks}})
}
