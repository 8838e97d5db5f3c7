package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"piazza/internal/search"
)

// IndexDocument adds or replaces a document of the search index.
func (db *DB) IndexDocument(ctx context.Context, d search.Document, titleTokens, bodyTokens []string) error {
	title, body := strings.Join(titleTokens, " "), strings.Join(bodyTokens, " ")
	topics := strings.Join(d.Topics, " ")
	return db.Atomic(ctx, func(ctx context.Context) error {
		var id int64
		err := db.queryRow(ctx, "SELECT id FROM search_docs WHERE tenant_id = ? AND kind = ? AND ref_id = ?", d.TenantID, d.Kind, d.RefID).Scan(&id)
		switch {
		case isNoRows(err):
			if db.dialect == Postgres {
				_, err = db.exec(ctx, `INSERT INTO search_docs (tenant_id, kind, ref_id, title, summary, body, url, topics, published_at, lang, tokens)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B'))`,
					d.TenantID, d.Kind, d.RefID, d.Title, d.Summary, d.Body, d.URL, topics, db.t(d.PublishedAt), d.Lang, title, body)
				return err
			}
			id, err = db.insertID(ctx, `INSERT INTO search_docs (tenant_id, kind, ref_id, title, summary, body, url, topics, published_at, lang)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.TenantID, d.Kind, d.RefID, d.Title, d.Summary, d.Body, d.URL, topics, db.t(d.PublishedAt), d.Lang)
			if err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if db.dialect == Postgres {
				_, err = db.exec(ctx, `UPDATE search_docs SET title = ?, summary = ?, body = ?, url = ?, topics = ?, published_at = ?, lang = ?,
					tokens = setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B') WHERE tenant_id = ? AND id = ?`,
					d.Title, d.Summary, d.Body, d.URL, topics, db.t(d.PublishedAt), d.Lang, title, body, d.TenantID, id)
				return err
			}
			if _, err = db.exec(ctx, `UPDATE search_docs SET title = ?, summary = ?, body = ?, url = ?, topics = ?, published_at = ?, lang = ?
				WHERE tenant_id = ? AND id = ?`, d.Title, d.Summary, d.Body, d.URL, topics, db.t(d.PublishedAt), d.Lang, d.TenantID, id); err != nil {
				return err
			}
			if _, err = db.exec(ctx, "DELETE FROM search_fts WHERE rowid = ?", id); err != nil {
				return err
			}
		}
		_, err = db.exec(ctx, "INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)", id, title, body)
		return err
	})
}

// RemoveDocument takes a document out of the search index.
func (db *DB) RemoveDocument(ctx context.Context, tenantID int64, kind search.Kind, refID string) error {
	return db.Atomic(ctx, func(ctx context.Context) error {
		var id int64
		err := db.queryRow(ctx, "SELECT id FROM search_docs WHERE tenant_id = ? AND kind = ? AND ref_id = ?", tenantID, kind, refID).Scan(&id)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if db.dialect == SQLite {
			if _, err := db.exec(ctx, "DELETE FROM search_fts WHERE rowid = ?", id); err != nil {
				return err
			}
		}
		_, err = db.exec(ctx, "DELETE FROM search_docs WHERE tenant_id = ? AND id = ?", tenantID, id)
		return err
	})
}

// matchSQL returns the FROM and WHERE of a search, with its arguments.
func (db *DB) matchSQL(m search.Match) (string, []any) {
	var from string
	var args []any
	if db.dialect == Postgres {
		from = "search_docs d WHERE d.tenant_id = ? AND d.tokens @@ plainto_tsquery('simple', ?)"
		args = []any{m.TenantID, strings.Join(m.Tokens, " ")}
	} else {
		quoted := make([]string, len(m.Tokens))
		for i, t := range m.Tokens {
			quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
		}
		from = "search_fts JOIN search_docs d ON d.id = search_fts.rowid WHERE search_fts MATCH ? AND d.tenant_id = ?"
		args = []any{strings.Join(quoted, " AND "), m.TenantID}
	}
	if m.Kind != "" {
		from += " AND d.kind = ?"
		args = append(args, m.Kind)
	}
	if m.Topic != "" {
		from += " AND (' ' || d.topics || ' ') LIKE ?"
		args = append(args, "% "+escapeLike(m.Topic)+" %")
	}
	return from, args
}

// SearchDocuments returns a page of matches, the most relevant first.
func (db *DB) SearchDocuments(ctx context.Context, m search.Match) ([]search.Hit, error) {
	if len(m.Tokens) == 0 {
		return nil, nil
	}
	from, args := db.matchSQL(m)
	rank := "bm25(search_fts, 5.0, 1.0)" // lower is better
	if db.dialect == Postgres {
		rank = "-ts_rank(d.tokens, plainto_tsquery('simple', ?))"
		args = append([]any{strings.Join(m.Tokens, " ")}, args...)
	}
	args = append(args, m.Limit, m.Offset)
	return queryAll(ctx, db, func(r *sql.Rows) (search.Hit, error) {
		var h search.Hit
		var topics string
		err := r.Scan(&h.TenantID, &h.Kind, &h.RefID, &h.Title, &h.Summary, &h.Body, &h.URL, &topics, ts(&h.PublishedAt), &h.Lang, &h.Rank)
		h.Topics = strings.Fields(topics)
		h.Rank = -h.Rank
		return h, err
	}, "SELECT d.tenant_id, d.kind, d.ref_id, d.title, d.summary, d.body, d.url, d.topics, d.published_at, d.lang, "+rank+" AS rank FROM "+
		from+" ORDER BY rank, d.published_at DESC LIMIT ? OFFSET ?", args...)
}

// SearchFacets counts the matches per kind and per topic (without m's Kind and
// Topic) and in all (with them), in one pass over the matching rows.
func (db *DB) SearchFacets(ctx context.Context, m search.Match) (search.Facets, error) {
	f := search.Facets{Kinds: map[search.Kind]int{}, Topics: map[string]int{}}
	if len(m.Tokens) == 0 {
		return f, nil
	}
	all := m
	all.Kind, all.Topic = "", ""
	from, args := db.matchSQL(all)
	rows, err := db.query(ctx, "SELECT d.kind, d.topics FROM "+from+" LIMIT ?", append(args, search.MaxCounted+1)...)
	if err != nil {
		return f, err
	}
	defer rows.Close()
	for n := 0; rows.Next(); n++ {
		if n == search.MaxCounted {
			f.More = true
			break
		}
		var k search.Kind
		var topics string
		if err := rows.Scan(&k, &topics); err != nil {
			return f, err
		}
		ts := strings.Fields(topics)
		kindOK := m.Kind == "" || k == m.Kind
		topicOK := m.Topic == "" || slices.Contains(ts, m.Topic)
		if topicOK {
			f.Kinds[k]++
		}
		if kindOK {
			for _, t := range ts {
				f.Topics[t]++
			}
		}
		if kindOK && topicOK {
			f.Total++
		}
	}
	return f, rows.Err()
}
