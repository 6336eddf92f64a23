package store

import (
	"context"
	"fmt"
	"strings"
)

// PostgreSQL's side of SearchResources: the generated tsvector column resources.search
// (the 'simple' configuration: words as typed, lower-cased, no stemming and no stop words,
// as SQLite's FTS4 tokenizer does; title, tags, summary and body weighted A to D, in the
// order of ftsWeights)
// with a GIN index, ranked by ts_rank and cut into snippets by ts_headline. As on SQLite, a
// search ranks at most the newest searchCandidates matches, and says so when there are more.

// tsQuery turns FTSQuery's phrases ("word other*" "next") into a to_tsquery text: the
// tokens of a phrase follow each other (<->), a token ending in * is a prefix (:*), and
// every phrase must match (&). FTSQuery keeps only letters, digits and marks in a token, so
// quoting each one is enough.
func tsQuery(match string) string {
	var phrases []string
	for _, p := range strings.Split(match, `"`) {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		toks := strings.Fields(p)
		for i, t := range toks {
			if base, ok := strings.CutSuffix(t, "*"); ok {
				toks[i] = "'" + base + "':*"
			} else {
				toks[i] = "'" + t + "'"
			}
		}
		phrases = append(phrases, "("+strings.Join(toks, " <-> ")+")")
	}
	return strings.Join(phrases, " & ")
}

// headlineOptions mark matched words with \x01 and \x02, as SnippetParts reads them.
const headlineOptions = "StartSel=\x01, StopSel=\x02, MaxWords=24, MinWords=12, ShortWord=2, MaxFragments=1, FragmentDelimiter=…"

func (s *Store) searchResourcesPG(ctx context.Context, q SearchQuery, match, where string, args []any) (SearchResult, error) {
	res := SearchResult{Page: q.Page, Sort: q.Sort, Searched: true}
	order := "rank DESC, created_at DESC, id DESC"
	switch q.Sort {
	case SortHelpful:
		order = "helped_count DESC, created_at DESC, id DESC"
	case SortNewest:
		order = "created_at DESC, id DESC"
	}
	// The newest searchCandidates+1 matches, then the page of them in the asked order with
	// its snippets; count(*) OVER () counts the candidates.
	qargs := append([]any{tsQuery(match)}, args...)
	qargs = append(qargs, searchCandidates+1, q.PerPage, (q.Page-1)*q.PerPage)
	n := len(args)
	rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`
		WITH tq AS (SELECT to_tsquery('simple', CAST(?1 AS TEXT)) AS q),
		m AS (SELECT r.id, r.created_at, r.helped_count, ts_rank('{0.2,0.4,0.6,1.0}', r.search, tq.q) AS rank,
		             row_number() OVER (ORDER BY r.created_at DESC, r.id DESC) AS newest
		      FROM resources r, tq WHERE r.search @@ tq.q AND %s
		      ORDER BY r.created_at DESC, r.id DESC LIMIT CAST(?%d AS INTEGER)),
		c AS (SELECT count(*) AS total FROM m),
		page AS (SELECT m.* FROM m WHERE m.newest < CAST(?%d AS INTEGER) ORDER BY %s LIMIT CAST(?%d AS INTEGER) OFFSET CAST(?%d AS INTEGER))
		SELECT `+resourceColumns+`, page.rank, c.total,
		       ts_headline('simple', r.summary || ' ' || r.body, tq.q, '`+headlineOptions+`')
		FROM page JOIN resources r ON r.id = page.id LEFT JOIN users u ON u.id = r.author_id, tq, c
		ORDER BY %s`, numberArgs(where, 2), n+2, n+2, order, n+3, n+4, "page."+strings.ReplaceAll(order, ", ", ", page.")), qargs...)
	if err != nil {
		return res, fmt.Errorf("search resources: %w", err)
	}
	defer rows.Close()
	total := 0
	for rows.Next() {
		var (
			h    SearchHit
			snip string
		)
		if h.Resource, err = scanResource(rows, &h.Rank, &total, &snip); err != nil {
			return res, fmt.Errorf("search resources: %w", err)
		}
		h.Snippet = SnippetParts(snip)
		res.Hits = append(res.Hits, h)
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("search resources: %w", err)
	}
	if len(res.Hits) == 0 && q.Page > 1 {
		// Past the last page: count the candidates on their own.
		if err := s.r.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM resources r
			WHERE r.search @@ to_tsquery('simple', CAST(?1 AS TEXT)) AND %s LIMIT CAST(?%d AS INTEGER)) c`,
			numberArgs(where, 2), n+2), qargs[:n+2]...).Scan(&total); err != nil {
			return res, fmt.Errorf("search resources: count: %w", err)
		}
	}
	if total > searchCandidates {
		total, res.Capped = searchCandidates, true
	}
	res.Total, res.Pages = total, pages(total, q.PerPage)
	return res, nil
}

// numberArgs numbers where's bare placeholders from first on (?2, ?3, ...), so the filter
// can sit in a query whose other placeholders are numbered.
func numberArgs(where string, first int) string {
	var b strings.Builder
	for _, part := range strings.SplitAfter(where, "?") {
		if strings.HasSuffix(part, "?") {
			b.WriteString(part)
			fmt.Fprintf(&b, "%d", first)
			first++
			continue
		}
		b.WriteString(part)
	}
	return b.String()
}
