package feedback

import (
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		e     Entry
		field string
	}{
		{"five stars", Entry{Path: "/servizi", Stars: 5, Answer: "clear"}, ""},
		{"one star with a reason", Entry{Path: "/novita/notizie", Stars: 1, Answer: "unclear", Comment: "Manca l'orario"}, ""},
		{"no answer", Entry{Path: "/", Stars: 3}, ""},
		{"trailing slash", Entry{Path: "/servizi/", Stars: 3}, ""},
		{"no stars", Entry{Path: "/", Stars: 0}, "stars"},
		{"six stars", Entry{Path: "/", Stars: 6}, "stars"},
		{"positive answer with two stars", Entry{Path: "/", Stars: 2, Answer: "clear"}, "answer"},
		{"negative answer with five stars", Entry{Path: "/", Stars: 5, Answer: "technical"}, "answer"},
		{"unknown answer", Entry{Path: "/", Stars: 5, Answer: "<script>"}, "answer"},
		{"external page", Entry{Path: "https://evil.example/", Stars: 5}, "page"},
		{"upper case", Entry{Path: "/Servizi", Stars: 5}, "page"},
		{"dot dot", Entry{Path: "/servizi/../backoffice", Stars: 5}, "page"},
		{"query string", Entry{Path: "/servizi?q=x", Stars: 5}, "page"},
		{"long comment", Entry{Path: "/", Stars: 5, Comment: strings.Repeat("a", 201)}, "comment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.e
			e.Normalize()
			err := e.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("want an error on %s, got %v", tc.field, err)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	since := time.Date(2026, 11, 2, 0, 0, 0, 0, rome)
	at := func(day int) time.Time { return since.AddDate(0, 0, day).UTC() }
	r := summarize([]Entry{
		{Path: "/servizi", Stars: 5, Answer: "clear", At: at(0)},
		{Path: "/servizi", Stars: 4, Answer: "clear", At: at(8)},
		{Path: "/servizi", Stars: 1, Answer: "technical", Comment: "Il modulo non si apre", At: at(9)},
		{Path: "/novita", Stars: 2, At: at(15)},
	}, since, 3)
	if r.Total != 4 || r.Average != 3 || len(r.Pages) != 2 || r.Pages[0].Path != "/servizi" {
		t.Fatalf("report: %+v", r)
	}
	p := r.Pages[0]
	if p.Count != 3 || p.Stars != [5]int{1, 0, 0, 1, 1} || p.Answers["clear"] != 2 || p.Answers["technical"] != 1 || p.Average != 10.0/3 {
		t.Fatalf("page: %+v", p)
	}
	if r.Weeks[0].Count != 1 || r.Weeks[1].Count != 2 || r.Weeks[1].Average != 2.5 || r.Weeks[2].Count != 1 {
		t.Fatalf("weeks: %+v", r.Weeks)
	}
	if len(r.Comments) != 1 || r.Comments[0].Comment != "Il modulo non si apre" {
		t.Fatalf("comments: %+v", r.Comments)
	}
}

func FuzzEntry(f *testing.F) {
	f.Add("/servizi", 5, "clear", "ok")
	f.Fuzz(func(t *testing.T, path string, stars int, answer, comment string) {
		e := Entry{Path: path, Stars: stars, Answer: answer, Comment: comment}
		e.Normalize()
		if e.Validate() == nil && (stars < 1 || stars > 5 || !strings.HasPrefix(e.Path, "/") || len([]rune(e.Comment)) > MaxComment) {
			t.Fatalf("accepted %+v", e)
		}
	})
}
