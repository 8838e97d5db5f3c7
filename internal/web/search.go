package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"piazza/internal/search"
	"piazza/internal/vocab"
)

func (s *Server) searchRoutes() []route {
	return []route{{pattern: "GET /cerca", handler: s.searchPage}}
}

// facet is one choice of a facet list, with its count and the link that picks it.
type facet struct {
	Label  string
	Count  int
	URL    string
	Active bool
}

// searchView is the search page.
type searchView struct {
	search.Results
	Kinds  []facet
	Topics []facet
	Prev   string
	Next   string
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pageNo, _ := strconv.Atoi(q.Get("pagina"))
	query := search.Normalize(search.Query{Text: q.Get("q"), Kind: search.Kind(q.Get("tipo")), Topic: q.Get("argomento"), Page: pageNo})
	res, err := s.Search.Search(r.Context(), info(r).Tenant.ID, query)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	link := func(kind search.Kind, topic string, page int) string {
		v := url.Values{"q": {query.Text}}
		if kind != "" {
			v.Set("tipo", string(kind))
		}
		if topic != "" {
			v.Set("argomento", topic)
		}
		if page > 1 {
			v.Set("pagina", strconv.Itoa(page))
		}
		return "/cerca?" + v.Encode()
	}
	v := searchView{Results: res}
	if query.Text != "" {
		v.Kinds = append(v.Kinds, facet{Label: "search.kind.all", Count: sum(res.Kinds), URL: link("", query.Topic, 1), Active: query.Kind == ""})
		for _, k := range search.Kinds {
			if n := res.Kinds[k]; n > 0 || query.Kind == k {
				v.Kinds = append(v.Kinds, facet{Label: "search.kind." + string(k), Count: n, URL: link(k, query.Topic, 1), Active: query.Kind == k})
			}
		}
		for _, t := range vocab.Topics {
			if n := res.Topics[t.Slug]; n > 0 || query.Topic == t.Slug {
				f := facet{Label: t.Label, Count: n, URL: link(query.Kind, t.Slug, 1), Active: query.Topic == t.Slug}
				if f.Active {
					f.URL = link(query.Kind, "", 1)
				}
				v.Topics = append(v.Topics, f)
			}
		}
		slices.SortStableFunc(v.Topics, func(a, b facet) int { return b.Count - a.Count })
		if len(v.Topics) > 12 {
			v.Topics = v.Topics[:12]
		}
		if query.Page > 1 {
			v.Prev = link(query.Kind, query.Topic, query.Page-1)
		}
		if query.Page < res.Pages() {
			v.Next = link(query.Kind, query.Topic, query.Page+1)
		}
	}
	s.render(w, r, page{Template: "site/cerca.html", Title: "search.title", Crumbs: []Crumb{{Label: "search.title"}}, Data: v})
}

func sum(m map[search.Kind]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
