package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The library's browse and full-text search sit behind one method, SearchResources, so a
// PostgreSQL version (tsvector, ts_rank, ts_headline) can replace the SQLite one without
// touching handlers. SQLite's side: an FTS4 index over title, summary, body and tags
// (migrations 00007 and 00017), ranked in Go by BM25 from matchinfo, with snippets from
// snippet().
//
// A search ranks at most searchCandidates matches: the newest ones. A word found in most of
// the library ("the", or "feel" in a library about feelings) would otherwise cost a
// matchinfo and a rank for every resource (12 ms over 10,000 resources, against 2 ms for the
// whole search: BenchmarkSearchResources/every-resource); with the index kept newest first
// (00017), SQLite reads the newest matches one by one and stops. Such a search says so
// (SearchResult.Capped: "more than 1,000 match; add a word to narrow it") instead of
// counting every match, which alone would cost a walk of the whole index. A search matching
// fewer is ranked and counted exactly, as before.

// Sort orders of the library.
const (
	SortRelevance = "relevance" // the default with a search text
	SortNewest    = "newest"    // the default without
	SortHelpful   = "helpful"   // most "this helped me" first
)

// MaxSearchRunes caps the search text; anything longer is cut, not refused.
const MaxSearchRunes = 200

// searchCandidates is the most matches a search ranks (the newest ones); a variable so a
// test can lower it.
var searchCandidates = 1000

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
	// Capped is set when the search matched more resources than it ranks: Total is then
	// that cap ("more than Total match"), and the hits are the best of the newest Total.
	Capped bool
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
	if s.pg {
		return s.searchResourcesPG(ctx, q, match, where, args)
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
	// First every match, with what the rank needs; snippets only for the page shown. The
	// index holds published resources only, so without a filter or another order the index
	// alone answers. CROSS JOIN keeps the full-text query the outer loop: otherwise SQLite may
	// walk the resources and run the full-text query once for each.
	//
	// Only the newest searchCandidates+1 matches are read (the index keeps each word's
	// resources newest first, 00017, so SQLite stops there); one more than are ranked tells
	// whether there were more.
	//
	// The matches come back as one row, "id:created:helped:matchinfo-in-hex" joined by
	// commas: a common word matches thousands of resources, and handing each over as its own
	// row costs several cgo calls, three times the cost of SQLite building this one string
	// (BenchmarkSearchResources). matchinfo 'ny' is the number of resources and, for each
	// phrase and column, its hits in this row: the least a rank needs. The LIMIT keeps SQLite
	// from flattening the subquery, which would put matchinfo inside the aggregate, where it
	// cannot run.
	joined, qargs := q.Category != "" || q.Tag != "" || q.Sort != SortRelevance, []any{match}
	if joined {
		qargs = append(qargs, args...)
	}
	var packed sql.NullString
	qargs = append(qargs, searchCandidates+1)
	if err := s.r.QueryRowContext(ctx, searchMatchesSQL(joined, where), qargs...).Scan(&packed); err != nil {
		return res, fmt.Errorf("search resources: %w", err)
	}
	all, capped, err := unpackMatches(packed.String, strings.Count(match, `"`)/2, searchCandidates)
	if err != nil {
		return res, fmt.Errorf("search resources: %w", err)
	}
	res.Capped = capped
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
	// The docid range lets FTS4 start and stop its walk of the matches at the page's
	// newest and oldest resource, instead of walking every match to find the page's (for
	// a word in every resource, that walk was most of the search's time).
	rows, err := s.r.QueryContext(ctx, `
		SELECT `+resourceColumns+`, snippet(resources_fts, char(1), char(2), '…', -1, 24)
		FROM resources_fts CROSS JOIN resources r ON r.id = resources_fts.docid LEFT JOIN users u ON u.id = r.author_id
		WHERE resources_fts MATCH CAST(? AS TEXT)
			AND resources_fts.docid BETWEEN CAST(? AS INTEGER) AND CAST(? AS INTEGER)
			AND resources_fts.docid IN (SELECT value FROM json_each(CAST(? AS TEXT)))`,
		match, slices.Min(ids), slices.Max(ids), string(idJSON))
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

// searchMatchesSQL is searchResources' first query: every match packed in one row. joined
// reads each match's resource too, for where (its filters) and the orders other than
// relevance.
func searchMatchesSQL(joined bool, where string) string {
	sub := `SELECT docid || ':0:0:' || hex(matchinfo(resources_fts, 'ny')) AS m
		FROM resources_fts WHERE resources_fts MATCH CAST(? AS TEXT)`
	if joined {
		sub = `SELECT r.id || ':' || r.created_at || ':' || r.helped_count || ':' || hex(matchinfo(resources_fts, 'ny')) AS m
			FROM resources_fts CROSS JOIN resources r ON r.id = resources_fts.docid
			WHERE resources_fts MATCH CAST(? AS TEXT) AND ` + where
	}
	return `SELECT group_concat(m, ',') FROM (` + sub + ` ORDER BY resources_fts.docid DESC LIMIT CAST(? AS INTEGER))`
}

// unpackMatches reads the packed matches of searchResources (phrases is how many phrases
// the query has) and ranks each. The matches come newest first; when there are more than
// ranks of them, only the first ranks are ranked (and returned first).
func unpackMatches(packed string, phrases, ranks int) ([]ranked, bool, error) {
	if packed == "" {
		return nil, false, nil
	}
	const cols = len(ftsWeights)
	width := 1 + phrases*cols // matchinfo 'ny': n, then hits per phrase and column
	all := make([]ranked, 0, strings.Count(packed, ",")+1)
	hits := make([]uint32, 0, 1024)
	withHit := make([]float64, phrases*cols) // matching resources with a hit, per phrase and column
	var docs float64
	for item := range strings.SplitSeq(packed, ",") {
		var x ranked
		id, rest, ok1 := strings.Cut(item, ":")
		created, rest, ok2 := strings.Cut(rest, ":")
		helped, info, ok3 := strings.Cut(rest, ":")
		var err1, err2, err3 error
		x.id, err1 = strconv.ParseInt(id, 10, 64)
		x.created, err2 = strconv.ParseInt(created, 10, 64)
		x.helped, err3 = strconv.Atoi(helped)
		if !ok1 || !ok2 || !ok3 || errors.Join(err1, err2, err3) != nil || len(info) != width*8 {
			return nil, false, fmt.Errorf("unpack match %q", item)
		}
		for i := range width {
			v, err := strconv.ParseUint(info[i*8:i*8+8], 16, 32)
			if err != nil {
				return nil, false, fmt.Errorf("unpack match %q: %w", item, err)
			}
			// hex() wrote the integers' bytes in the machine's order; read them back so.
			var b [4]byte
			binary.BigEndian.PutUint32(b[:], uint32(v))
			n := binary.NativeEndian.Uint32(b[:])
			if i == 0 {
				docs = float64(n)
				continue
			}
			hits = append(hits, n)
			if n > 0 {
				withHit[i-1]++
			}
		}
		all = append(all, x)
	}
	// BM25 without length normalisation (b = 0: the column lengths would cost a lookup per
	// matching resource), summed over phrases and weighted columns, with each phrase's
	// document frequency counted among the matches. A phrase found in most resources gets a
	// small positive weight instead of a negative one.
	//
	// When the search matched more than it ranks, the document frequencies seen among the
	// ranked ones are a sample: each is scaled as if every resource matched (the most it
	// can be), so a word in nearly every body weighs nothing there while the same word in a
	// title still counts.
	const k1 = 1.2
	scale := 1.0
	capped := len(all) > ranks
	if capped { // the one read past the cap tells only that there were more
		for i, tf := range hits[ranks*(width-1):] {
			if tf > 0 {
				withHit[i%(width-1)]--
			}
		}
		hits, all = hits[:ranks*(width-1)], all[:ranks]
		scale = docs / float64(ranks)
	}
	idf := make([]float64, len(withHit))
	for i, w := range withHit {
		w *= scale
		idf[i] = max(math.Log((docs-w+0.5)/(w+0.5)), 1e-6)
	}
	for r := range all {
		score := 0.0
		for i, tf := range hits[r*(width-1) : (r+1)*(width-1)] {
			if tf > 0 {
				t := float64(tf)
				score += ftsWeights[i%cols] * idf[i] * t * (k1 + 1) / (t + k1)
			}
		}
		all[r].rank = score
	}
	return all, capped, nil
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
// the text is cut at MaxSearchRunes and maxSearchTerms. Bare stop words are left out when
// other words remain.
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
	var stop []string // stop words typed as bare words: searched only when nothing else is
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
		case stopWords[strings.ToLower(word)]:
			stop = append(stop, word)
			continue
		}
		add(word)
	}
	if len(terms) == 0 {
		for _, w := range stop {
			add(w)
		}
	}
	return strings.Join(terms, " ")
}

// stopWords are words so common that, typed on their own beside other words, they only
// slow a search down and blur its ranking ("the sleep" searches "sleep"). Inside a quoted
// phrase they are kept, and a search of nothing but stop words searches them.
var stopWords = map[string]bool{"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true,
	"do": true, "for": true, "how": true, "i": true, "in": true, "is": true, "it": true, "me": true, "my": true,
	"of": true, "on": true, "or": true, "the": true, "this": true, "that": true, "to": true, "was": true,
	"what": true, "with": true, "you": true, "your": true}

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
