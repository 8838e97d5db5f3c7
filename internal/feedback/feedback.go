// Package feedback stores the answers to the Modello Comuni rating component
// ("Quanto sono chiare le informazioni su questa pagina?"), which every first- and
// second-level page and every service card carries, and sums them up for editors.
package feedback

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"piazza/internal/apperr"
	"piazza/internal/check"
)

// Answer codes of the follow-up question: the negative ones go with 1–3 stars, the
// positive ones with 4–5. Their texts are fixed by the model (see the catalogue).
var (
	NegativeAnswers = []string{"unclear", "incomplete", "lost", "technical", "other-negative"}
	PositiveAnswers = []string{"clear", "complete", "confident", "no-problems", "other-positive"}
)

// MaxComment bounds the free-text comment, in characters.
const MaxComment = 200

// Entry is one visitor's rating of one page.
type Entry struct {
	ID       int64
	TenantID int64
	Path     string // the page rated, e.g. /servizi/educazione-e-formazione/mensa-scolastica
	Stars    int    // 1–5
	Answer   string // one of the answers of the block the stars open, or ""
	Comment  string
	At       time.Time
}

var pathRE = regexp.MustCompile(`^/[a-z0-9/_.-]{0,200}$`)

// Normalize trims the entry.
func (e *Entry) Normalize() {
	e.Path = strings.TrimSpace(e.Path)
	if len(e.Path) > 1 {
		e.Path = strings.TrimRight(e.Path, "/")
	}
	e.Answer = strings.TrimSpace(e.Answer)
	e.Comment = strings.Join(strings.Fields(check.Clean(e.Comment)), " ")
}

// Validate checks an entry.
func (e *Entry) Validate() error {
	var v apperr.Validation
	if !pathRE.MatchString(e.Path) || strings.Contains(e.Path, "..") {
		v.Add("page", "feedback.page.invalid")
	}
	if e.Stars < 1 || e.Stars > 5 {
		v.Add("stars", "feedback.stars.required")
	}
	if e.Answer != "" {
		allowed := NegativeAnswers
		if e.Stars >= 4 {
			allowed = PositiveAnswers
		}
		if !slices.Contains(allowed, e.Answer) {
			v.Add("answer", "feedback.answer.invalid")
		}
	}
	if len([]rune(e.Comment)) > MaxComment {
		v.Add("comment", "feedback.comment.too_long")
	}
	return v.Err()
}

// PageSummary sums up the ratings of one page.
type PageSummary struct {
	Path    string
	Count   int
	Average float64
	Stars   [5]int         // how many gave 1…5 stars
	Answers map[string]int // answer code → count
	Last    time.Time
}

// Week is the count and average of one week (starting on Monday, Europe/Rome).
type Week struct {
	Start   time.Time
	Count   int
	Average float64
}

// Report is what editors see.
type Report struct {
	Pages    []PageSummary // most rated first
	Weeks    []Week        // oldest first
	Comments []Entry       // the latest comments
	Total    int
	Average  float64
}

// Store is what the module needs from the database.
type Store interface {
	AddFeedback(ctx context.Context, e *Entry) error
	FeedbackSince(ctx context.Context, tenantID int64, since time.Time) ([]Entry, error)
}

// Service records ratings and builds the report.
type Service struct {
	store Store
	now   func() time.Time
}

// New returns the feedback module.
func New(st Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, now: now}
}

// Add records a rating.
func (s *Service) Add(ctx context.Context, e *Entry) error {
	e.Normalize()
	if err := e.Validate(); err != nil {
		return err
	}
	e.At = s.now().UTC()
	return s.store.AddFeedback(ctx, e)
}

var rome = func() *time.Location {
	l, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return l
}()

// Report sums up the tenant's ratings of the last weeks.
func (s *Service) Report(ctx context.Context, tenantID int64, weeks int) (Report, error) {
	if weeks < 1 || weeks > 104 {
		weeks = 12
	}
	now := s.now().In(rome)
	monday := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, rome).AddDate(0, 0, -((int(now.Weekday()) + 6) % 7))
	since := monday.AddDate(0, 0, -7*(weeks-1))
	entries, err := s.store.FeedbackSince(ctx, tenantID, since.UTC())
	if err != nil {
		return Report{}, err
	}
	return summarize(entries, since, weeks), nil
}

func summarize(entries []Entry, since time.Time, weeks int) Report {
	r := Report{Weeks: make([]Week, weeks)}
	for i := range r.Weeks {
		r.Weeks[i].Start = since.AddDate(0, 0, 7*i)
	}
	pages := map[string]*PageSummary{}
	sum := 0
	weekSum := make([]int, weeks)
	for _, e := range entries {
		p := pages[e.Path]
		if p == nil {
			p = &PageSummary{Path: e.Path, Answers: map[string]int{}}
			pages[e.Path] = p
		}
		p.Count++
		p.Stars[e.Stars-1]++
		p.Average += float64(e.Stars)
		if e.Answer != "" {
			p.Answers[e.Answer]++
		}
		if e.At.After(p.Last) {
			p.Last = e.At
		}
		sum += e.Stars
		r.Total++
		w := int(e.At.In(rome).Sub(since).Hours() / (24 * 7))
		if w >= 0 && w < weeks {
			r.Weeks[w].Count++
			weekSum[w] += e.Stars
		}
		if e.Comment != "" {
			r.Comments = append(r.Comments, e)
		}
	}
	for _, p := range pages {
		p.Average /= float64(p.Count)
		r.Pages = append(r.Pages, *p)
	}
	slices.SortFunc(r.Pages, func(a, b PageSummary) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Path, b.Path)
	})
	for i := range r.Weeks {
		if r.Weeks[i].Count > 0 {
			r.Weeks[i].Average = float64(weekSum[i]) / float64(r.Weeks[i].Count)
		}
	}
	if r.Total > 0 {
		r.Average = float64(sum) / float64(r.Total)
	}
	slices.SortFunc(r.Comments, func(a, b Entry) int { return b.At.Compare(a.At) })
	if len(r.Comments) > 50 {
		r.Comments = r.Comments[:50]
	}
	return r
}
