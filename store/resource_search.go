package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The library's browse and full-text search sit behind one method, SearchResources, so a
// PostgreSQL version (tsvector, ts_rank, ts_headline) can replace the SQLite one without
// touching handlers. SQLite's side: an FTS4 index over title, summary, body and tags
// (migration 00007), ranked in Go by BM25 from matchinfo, with snippets from snippet().

// Sort orders of the library.
const (
	SortRelevance = "relevance" // the default with a search text
	SortNewest    = "newest"    // the default without
	SortHelpful   = "helpful"   // most "this helped me" first
)

// MaxSearchRunes caps the search text; anything longer is cut, not refused.
const MaxSearchRunes = 200

// maxSearchTerms caps how many words and phrases of a search are used.
const maxSearchTerms = 16

// SearchQuery is what a member asks of the library. Only published resources are found.
type SearchQuery struct {
	Text     string // words, "quoted phrases" and prefixes (walk*); anything else is ignored
	Category string // a category slug, or ""
	Tag      string // one tag, or ""
	Sort     string // SortRelevance, SortNewest or SortHelpful; "" picks the default
	Page     int    // from 1
	PerPage  int    // defaults to 20, at most 100
}

// SnippetPart is a piece of a search snippet; Mark is set on the words that matched. It is
// plain text: the template escapes it, so nothing from the index is ever taken as markup.
type SnippetPart struct {
	Text string
	Mark bool
}

// SearchHit is one resource found, with its snippet when the search had a text.
type SearchHit struct {
	Resource
	Rank    float64
	Snippet []SnippetPart
}

// SearchResult is one page of what a SearchQuery found.
type SearchResult struct {
	Hits  []SearchHit
	Total int
	Page  int
	Pages int
	Sort  string
	// Searched is false when the text held no word to search for (empty, or only
	// punctuation and operators): the result is then the browse listing.
	Searched bool
}

// SearchResources browses (no text) or searches (text) the published library.
func (s *Store) SearchResources(ctx context.Context, q SearchQuery) (SearchResult, error) {
	if q.PerPage <= 0 {
		q.PerPage = 20
	}
	q.PerPage = min(q.PerPage, 100)
	q.Page = max(q.Page, 1)
	match := FTSQuery(q.Text)
	switch q.Sort {
	case SortNewest, SortHelpful:
	case SortRelevance:
		if match == "" {
			q.Sort = SortNewest
		}
	default:
		q.Sort = SortNewest
		if match != "" {
			q.Sort = SortRelevance
		}
	}
	where, args := "r.status = 'published'", []any{}
	if q.Category != "" {
		where += " AND r.category = CAST(? AS TEXT)"
		args = append(args, q.Category)
	}
	if q.Tag != "" {
		where += " AND r.id IN (SELECT resource_id FROM resource_tags WHERE tag = CAST(? AS TEXT))"
		args = append(args, strings.ToLower(q.Tag))
	}
	if match == "" {
		return s.browseResources(ctx, q, where, args)
	}
	return s.searchResources(ctx, q, match, where, args)
}

func pages(total, per int) int { return max(1, (total+per-1)/per) }

func (s *Store) browseResources(ctx context.Context, q SearchQuery, where string, args []any) (SearchResult, error) {
	res := SearchResult{Page: q.Page, Sort: q.Sort}
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM resources r WHERE `+where, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("count resources: %w", err)
	}
	order := "r.created_at DESC, r.id DESC"
	if q.Sort == SortHelpful {
		order = "r.helped_count DESC, r.created_at DESC, r.id DESC"
	}
	list, err := s.listResources(ctx, "browse resources", `WHERE `+where+` ORDER BY `+order+
		` LIMIT CAST(? AS INTEGER) OFFSET CAST(? AS INTEGER)`, append(args, q.PerPage, (q.Page-1)*q.PerPage)...)
	if err != nil {
		return res, err
	}
	res.Pages = pages(res.Total, q.PerPage)
	for _, r := range list {
		res.Hits = append(res.Hits, SearchHit{Resource: r})
	}
	return res, nil
}

// Column weights for the rank: a word in the title says more than one in the body.
var ftsWeights = [4]float64{5, 2, 1, 3} // title, summary, body, tags

type ranked struct {
	id      int64
	rank    float64
	created int64
	helped  int
}

func (s *Store) searchResources(ctx context.Context, q SearchQuery, match, where string, args []any) (SearchResult, error) {
	res := SearchResult{Page: q.Page, Sort: q.Sort, Searched: true}
	// First every match, with what the rank needs; snippets only for the page shown.
	rows, err := s.r.QueryContext(ctx, `
		SELECT r.id, matchinfo(resources_fts, 'pcnalx'), r.created_at, r.helped_count
		FROM resources_fts JOIN resources r ON r.id = resources_fts.docid
		WHERE resources_fts MATCH CAST(? AS TEXT) AND `+where, append([]any{match}, args...)...)
	if err != nil {
		return res, fmt.Errorf("search resources: %w", err)
	}
	var all []ranked
	for rows.Next() {
		var x ranked
		var info []byte
		if err := rows.Scan(&x.id, &info, &x.created, &x.helped); err != nil {
			rows.Close()
			return res, fmt.Errorf("search resources: %w", err)
		}
		x.rank = bm25(info)
		all = append(all, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("search resources: %w", err)
	}
	slices.SortFunc(all, func(a, b ranked) int {
		switch q.Sort {
		case SortHelpful:
			if a.helped != b.helped {
				return b.helped - a.helped
			}
		case SortNewest:
		default:
			if a.rank != b.rank {
				if a.rank > b.rank {
					return -1
				}
				return 1
			}
		}
		if a.created != b.created {
			if a.created > b.created {
				return -1
			}
			return 1
		}
		return int(b.id - a.id)
	})
	res.Total, res.Pages = len(all), pages(len(all), q.PerPage)
	from := min((q.Page-1)*q.PerPage, len(all))
	page := all[from:min(from+q.PerPage, len(all))]
	if len(page) == 0 {
		return res, nil
	}
	ids := make([]int64, len(page))
	for i, x := range page {
		ids[i] = x.id
	}
	idJSON, _ := json.Marshal(ids)
	rows, err = s.r.QueryContext(ctx, `
		SELECT `+resourceColumns+`, snippet(resources_fts, char(1), char(2), '…', -1, 24)
		FROM resources_fts JOIN resources r ON r.id = resources_fts.docid LEFT JOIN users u ON u.id = r.author_id
		WHERE resources_fts MATCH CAST(? AS TEXT) AND resources_fts.docid IN (SELECT value FROM json_each(CAST(? AS TEXT)))`,
		match, string(idJSON))
	if err != nil {
		return res, fmt.Errorf("search resources: snippets: %w", err)
	}
	defer rows.Close()
	byID := map[int64]SearchHit{}
	for rows.Next() {
		var snip string
		r, err := scanResource(rows, &snip)
		if err != nil {
			return res, fmt.Errorf("search resources: snippets: %w", err)
		}
		byID[r.ID] = SearchHit{Resource: r, Snippet: SnippetParts(snip)}
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("search resources: snippets: %w", err)
	}
	for _, x := range page {
		if h, ok := byID[x.id]; ok { // gone between the two reads: left out
			h.Rank = x.rank
			res.Hits = append(res.Hits, h)
		}
	}
	return res, nil
}

// bm25 ranks a row from FTS4's matchinfo 'pcnalx' (32-bit integers in the machine's byte
// order): Okapi BM25 summed over phrases and weighted columns. A phrase found in most
// documents gets a small positive weight instead of a negative one.
func bm25(info []byte) float64 {
	const k1, b = 1.2, 0.75
	n := len(info) / 4
	at := func(i int) float64 {
		if i >= n {
			return 0
		}
		return float64(binary.NativeEndian.Uint32(info[i*4:]))
	}
	p, c := int(at(0)), int(at(1))
	docs := at(2)
	avg, length, x := 3, 3+c, 3+2*c
	score := 0.0
	for i := range p {
		for j := range min(c, len(ftsWeights)) {
			base := x + 3*(i*c+j)
			tf, withHit := at(base), at(base+2)
			if tf == 0 {
				continue
			}
			idf := math.Log((docs - withHit + 0.5) / (withHit + 0.5))
			if idf < 1e-6 {
				idf = 1e-6
			}
			avgLen := max(at(avg+j), 1)
			score += ftsWeights[j] * idf * tf * (k1 + 1) / (tf + k1*(1-b+b*at(length+j)/avgLen))
		}
	}
	return score
}

// SnippetParts splits a snippet made with \x01 and \x02 around matches into plain text
// parts. Stray markers (text that held those bytes) can neither open nor close a mark
// twice, and control characters are dropped; a little markdown punctuation is dropped too,
// since the snippet shows the source text.
func SnippetParts(s string) []SnippetPart {
	var parts []SnippetPart
	var b strings.Builder
	mark := false
	flush := func() {
		if b.Len() > 0 {
			parts = append(parts, SnippetPart{Text: b.String(), Mark: mark})
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == '\x01' && !mark:
			flush()
			mark = true
		case r == '\x02' && mark:
			flush()
			mark = false
		case r == '\n' || r == '\t' || r == '\r':
			b.WriteByte(' ')
		case unicode.IsControl(r), r == '*', r == '#', r == '`', r == '_':
		default:
			b.WriteRune(r)
		}
	}
	flush()
	return parts
}

// FTSQuery turns what a member typed into a safe FTS4 MATCH expression, or "" when nothing
// is left to search for. Supported: words, "quoted phrases" and prefixes (walk*). Every
// term is emitted as a quoted phrase, so nothing the member types is ever an operator:
// AND, OR, NOT and NEAR typed in capitals are dropped, a leading "-" is ignored, an
// unbalanced quote is ignored, punctuation splits words as the index's tokenizer does, and
// the text is cut at MaxSearchRunes and maxSearchTerms.
func FTSQuery(text string) string {
	if utf8.RuneCountInString(text) > MaxSearchRunes {
		text = string([]rune(text)[:MaxSearchRunes])
	}
	text = strings.ToValidUTF8(text, " ")
	var terms []string
	add := func(raw string) {
		if len(terms) >= maxSearchTerms {
			return
		}
		if t := phrase(raw); t != "" {
			terms = append(terms, t)
		}
	}
	for text != "" {
		text = strings.TrimLeftFunc(text, unicode.IsSpace)
		if text == "" {
			break
		}
		if text[0] == '"' {
			if end := strings.IndexByte(text[1:], '"'); end >= 0 {
				add(text[1 : 1+end])
				text = text[2+end:]
				continue
			}
			text = text[1:] // an unbalanced quote: the rest are plain words
			continue
		}
		end := strings.IndexFunc(text, func(r rune) bool { return unicode.IsSpace(r) || r == '"' })
		if end < 0 {
			end = len(text)
		}
		word := text[:end]
		text = text[end:]
		switch {
		case word == "AND", word == "OR", word == "NOT", word == "NEAR", strings.HasPrefix(word, "NEAR/"):
			continue
		}
		add(word)
	}
	return strings.Join(terms, " ")
}

// phrase turns a word or the inside of a quoted phrase into a quoted FTS phrase of the
// tokens in it; a token directly followed by * (two letters at least) is a prefix.
func phrase(raw string) string {
	var toks []string
	var b strings.Builder
	runes := []rune(raw)
	for i := 0; i <= len(runes); i++ {
		if i < len(runes) && (unicode.IsLetter(runes[i]) || unicode.IsDigit(runes[i]) || unicode.Is(unicode.Mn, runes[i])) {
			b.WriteRune(runes[i])
			continue
		}
		if b.Len() > 0 {
			tok := strings.ToLower(b.String())
			if i < len(runes) && runes[i] == '*' && utf8.RuneCountInString(tok) >= 2 {
				tok += "*"
			}
			toks = append(toks, tok)
			b.Reset()
		}
	}
	if len(toks) == 0 {
		return ""
	}
	return `"` + strings.Join(toks, " ") + `"`
}
