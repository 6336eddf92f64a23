package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/hearth-community/hearth/store"
)

// WordFilter is the community's word filter, compiled for matching. Matching is on whole
// words, case-insensitively: an entry "coke" matches "Coke?" but not "coketown", and a
// phrase matches its words in order separated by anything that is not a letter or digit
// ("dealer near me" matches "dealer, near me"). The zero value matches nothing.
type WordFilter struct {
	entries []compiledEntry
}

type compiledEntry struct {
	store.FilterEntry
	words []string
}

// NewWordFilter compiles entries; entries with no words are ignored.
func NewWordFilter(entries []store.FilterEntry) *WordFilter {
	f := &WordFilter{}
	for _, e := range entries {
		if w := words(e.Phrase); len(w) > 0 {
			f.entries = append(f.entries, compiledEntry{FilterEntry: e, words: w})
		}
	}
	return f
}

// Match returns the strictest entry the text contains (block before hold before flag;
// among equals, the first in the filter's order) and whether there was one.
func (f *WordFilter) Match(text string) (store.FilterEntry, bool) {
	if f == nil || len(f.entries) == 0 {
		return store.FilterEntry{}, false
	}
	tw := words(text)
	var best store.FilterEntry
	found := false
	for _, e := range f.entries {
		if (!found || rank(e.Action) < rank(best.Action)) && containsRun(tw, e.words) {
			best, found = e.FilterEntry, true
		}
	}
	return best, found
}

func rank(a store.FilterAction) int {
	switch a {
	case store.FilterBlock:
		return 0
	case store.FilterHold:
		return 1
	}
	return 2
}

// words splits s into lower-cased words: runs of letters, digits and marks. An apostrophe
// or hyphen between two letters stays inside the word ("don't", "self-harm").
func words(s string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for i, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteString(strings.ToLower(string(r)))
		case (r == '\'' || r == '’' || r == '-') && b.Len() > 0 && nextIsLetter(s[i+utf8.RuneLen(r):]):
			if r == '’' {
				r = '\''
			}
			b.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	return out
}

func nextIsLetter(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// containsRun reports whether want occurs in have as consecutive words.
func containsRun(have, want []string) bool {
outer:
	for i := 0; i+len(want) <= len(have); i++ {
		for j, w := range want {
			if have[i+j] != w {
				continue outer
			}
		}
		return true
	}
	return false
}

// BlockedError is the refusal of a message the word filter blocks. Its text names the
// entry, so the author knows what to change; the page keeps their text in the box.
type BlockedError struct{ Phrase string }

func (e *BlockedError) Error() string {
	return fmt.Sprintf("This community does not allow “%s” in messages, so your message was not sent. Your text is back in the box to change.", e.Phrase)
}

// filterCache holds the compiled word filter, loaded on first use and dropped whenever the
// store announces ChangeSafety: the filter is read for every message, and changes rarely.
type filterCache struct {
	st  *store.Store
	cur atomic.Pointer[WordFilter]
}

func newFilterCache(st *store.Store) *filterCache {
	fc := &filterCache{st: st}
	st.OnChange(func(chs []store.Change) {
		for _, ch := range chs {
			if ch.Kind == store.ChangeSafety {
				fc.cur.Store(nil)
				return
			}
		}
	})
	return fc
}

func (fc *filterCache) get(ctx context.Context) (*WordFilter, error) {
	if f := fc.cur.Load(); f != nil {
		return f, nil
	}
	entries, err := fc.st.FilterEntries(ctx)
	if err != nil {
		return nil, err
	}
	f := NewWordFilter(entries)
	// A change announced while loading may leave this copy stale until the next change;
	// CompareAndSwap keeps a reset that raced with the load from being overwritten.
	fc.cur.CompareAndSwap(nil, f)
	return f, nil
}

// applyFilter decides what the word filter does with nm: a block is a *BlockedError, a hold
// marks nm held, a flag marks it to be reported to the moderators' queue.
func (h *Hub) applyFilter(ctx context.Context, nm *store.NewMessage) error {
	f, err := h.filter.get(ctx)
	if err != nil {
		return fmt.Errorf("load word filter: %w", err)
	}
	e, ok := f.Match(nm.ContentWarning + "\n" + nm.Body)
	if !ok {
		return nil
	}
	switch e.Action {
	case store.FilterBlock:
		return &BlockedError{Phrase: e.Phrase}
	case store.FilterHold:
		// Stored with held set and a report from the filter, so it waits in the /mod
		// queue; history and the fan-out skip it until a moderator approves it.
		nm.Held, nm.Flagged = true, true
	case store.FilterFlag:
		// The message goes through; the committer files a report without a reporter (the
		// word filter) in the message's own transaction, so it lands in the /mod queue.
		nm.Flagged = true
	}
	return nil
}

// Blocked returns a *BlockedError when the word filter blocks text (an edit's new text; new
// messages are checked by Post), nil when it does not, or the error loading the filter.
// Hold and flag do not apply to edits yet (moderation: hold, flag).
func (h *Hub) Blocked(ctx context.Context, text string) error {
	f, err := h.filter.get(ctx)
	if err != nil {
		return fmt.Errorf("load word filter: %w", err)
	}
	if e, ok := f.Match(text); ok && e.Action == store.FilterBlock {
		return &BlockedError{Phrase: e.Phrase}
	}
	return nil
}

// IsBlocked reports whether err is the word filter's refusal.
func IsBlocked(err error) bool {
	var b *BlockedError
	return errors.As(err, &b)
}

// MaxWarningChars is the longest content warning, in characters.
const MaxWarningChars = 80

// ErrWarningTooLong refuses a content warning longer than MaxWarningChars.
var ErrWarningTooLong = errors.New("A content warning can be at most 80 characters. Please shorten it.")

// SplitWarning takes a content warning off the front of a message body: a first line of
// the form "CW: words" (any case), followed by the message on the next lines. It returns
// the warning ("" for none) and the rest of the body. A body that is only a "CW:" line is
// no warning: it is the message.
func SplitWarning(body string) (warning, rest string, err error) {
	first, after, ok := strings.Cut(body, "\n")
	if !ok || len(first) < 3 || !strings.EqualFold(first[:3], "cw:") {
		return "", body, nil
	}
	warning = strings.TrimSpace(first[3:])
	rest = strings.TrimSpace(after)
	if warning == "" || rest == "" {
		return "", body, nil
	}
	if utf8.RuneCountInString(warning) > MaxWarningChars {
		return "", body, ErrWarningTooLong
	}
	return warning, rest, nil
}
