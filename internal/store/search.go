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
		case isNoRows(err) && db.dialect == Postgres:
			_, err = db.exec(ctx, `INSERT INTO search_docs (tenant_id, kind, ref_id, title, summary, body, url, topics, published_at, expires_at, lang, tokens)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B'))`,
				d.TenantID, d.Kind, d.RefID, d.Title, d.Summary, d.Body, d.URL, topics, db.t(d.PublishedAt), db.nt(d.ExpiresAt), d.Lang, title, body)
			return err
		case isNoRows(err):
			id, err = db.insertID(ctx, `INSERT INTO search_docs (tenant_id, kind, ref_id, title, summary, body, url, topics, published_at, lang)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.TenantID, d.Kind, d.RefID, d.Title, d.Summary, d.Body, d.URL, topics, db.t(d.PublishedAt), d.Lang)
			if err != nil {
				return err
			}
			if _, err = db.exec(ctx, "INSERT INTO search_meta (tenant_id, id, kind, topics, published_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
				d.TenantID, id, d.Kind, topics, db.t(d.PublishedAt), db.nt(d.ExpiresAt)); err != nil {
				return err
			}
		case err != nil:
			return err
		case db.dialect == Postgres:
			_, err = db.exec(ctx, `UPDATE search_docs SET title = ?, summary = ?, body = ?, url = ?, topics = ?, published_at = ?, expires_at = ?, lang = ?,
				tokens = setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B') WHERE tenant_id = ? AND id = ?`,
				d.Title, d.Summary, d.Body, d.URL, topics, db.t(d.PublishedAt), db.nt(d.ExpiresAt), d.Lang, title, body, d.TenantID, id)
			return err
		default:
			if _, err = db.exec(ctx, `UPDATE search_docs SET title = ?, summary = ?, body = ?, url = ?, topics = ?, published_at = ?, lang = ?
				WHERE tenant_id = ? AND id = ?`, d.Title, d.Summary, d.Body, d.URL, topics, db.t(d.PublishedAt), d.Lang, d.TenantID, id); err != nil {
				return err
			}
			if _, err = db.exec(ctx, "UPDATE search_meta SET topics = ?, published_at = ?, expires_at = ? WHERE tenant_id = ? AND id = ?",
				topics, db.t(d.PublishedAt), db.nt(d.ExpiresAt), d.TenantID, id); err != nil {
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
			if _, err := db.exec(ctx, "DELETE FROM search_meta WHERE tenant_id = ? AND id = ?", tenantID, id); err != nil {
				return err
			}
		}
		_, err = db.exec(ctx, "DELETE FROM search_docs WHERE tenant_id = ? AND id = ?", tenantID, id)
		return err
	})
}

// matchSQL returns the FROM and WHERE of a search over d (search_meta on SQLite,
// search_docs on PostgreSQL: both have kind, topics, published_at, expires_at),
// with its arguments: the tenant's documents that hold every token, are public
// at m.At and pass m's filters.
func (db *DB) matchSQL(m search.Match) (string, []any) {
	at := m.At
	if at.IsZero() {
		at = db.Now()
	}
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
		from = "search_fts JOIN search_meta d ON d.tenant_id = ? AND d.id = search_fts.rowid WHERE search_fts MATCH ?"
		args = []any{m.TenantID, strings.Join(quoted, " AND ")}
	}
	from += " AND d.published_at <= ? AND (d.expires_at IS NULL OR d.expires_at > ?)"
	args = append(args, db.t(at), db.t(at))
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

// SearchDocuments returns a page of matches, the most relevant first (title
// matches weigh more; ties go to the newer document).
//
// Scoring every match of a word found in most of a comune's pages costs a score
// each, so the first pages score the MaxRanked most recent matches only (the
// full-text index hands them over newest first without reading the others); a
// page beyond them scores every match. The ranking carries ids, scores and dates
// only; the texts are read for the page alone.
func (db *DB) SearchDocuments(ctx context.Context, m search.Match) ([]search.Hit, error) {
	if len(m.Tokens) == 0 {
		return nil, nil
	}
	bounded := m.Offset+m.Limit <= search.MaxRanked
	from, args := db.matchSQL(m)
	var scored string
	if db.dialect == Postgres {
		// The candidates are chosen first, so that only they are scored.
		cand := "SELECT d.id, d.tokens, d.published_at FROM " + from
		if bounded {
			cand += " ORDER BY d.id DESC LIMIT ?"
			args = append(args, search.MaxRanked)
		}
		scored = "SELECT x.id AS id, ts_rank(x.tokens, plainto_tsquery('simple', ?)) AS score, x.published_at AS at FROM (" + cand + ") x"
		args = append([]any{strings.Join(m.Tokens, " ")}, args...)
	} else {
		// bm25 is lower for better matches: the score is its opposite.
		scored = "SELECT d.id AS id, -bm25(search_fts, 5.0, 1.0) AS score, d.published_at AS at FROM " + from
		if bounded {
			scored += " ORDER BY search_fts.rowid DESC LIMIT ?"
			args = append(args, search.MaxRanked)
		}
	}
	args = append(args, m.Limit, m.Offset, m.TenantID)
	join := "JOIN"
	if db.dialect == SQLite {
		join = "CROSS JOIN" // the page's ids first, then their texts
	}
	return queryAll(ctx, db, func(r *sql.Rows) (search.Hit, error) {
		var h search.Hit
		var topics string
		err := r.Scan(&h.TenantID, &h.Kind, &h.RefID, &h.Title, &h.Summary, &h.Body, &h.URL, &topics, ts(&h.PublishedAt), &h.Lang, &h.Rank)
		h.Topics = strings.Fields(topics)
		return h, err
	}, `SELECT d.tenant_id, d.kind, d.ref_id, d.title, d.summary, d.body, d.url, d.topics, d.published_at, d.lang, p.score
		FROM (SELECT s.id, s.score, s.at FROM (`+scored+`) s ORDER BY s.score DESC, s.at DESC, s.id DESC LIMIT ? OFFSET ?) p
		`+join+` search_docs d ON d.tenant_id = ? AND d.id = p.id
		ORDER BY p.score DESC, p.at DESC, p.id DESC`, args...)
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
