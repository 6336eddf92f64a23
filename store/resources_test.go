package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hearth-community/hearth/store"
)

func resInput(slug, title, body string, tags ...string) store.ResourceInput {
	return store.ResourceInput{Slug: slug, Title: title, Summary: "About " + title, Body: body,
		Category: "coping-skills", Tags: tags}
}

func mustCreateResource(t testing.TB, st *store.Store, in store.ResourceInput, author int64, status store.ResourceStatus) store.Resource {
	t.Helper()
	r, err := st.CreateResource(context.Background(), in, author, status)
	if err != nil {
		t.Fatalf("create resource %s: %v", in.Slug, err)
	}
	return r
}

func hitSlugs(res store.SearchResult) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.Slug)
	}
	return out
}

func TestStarterLibraryParsesAndLoadsOnce(t *testing.T) {
	files, err := store.StarterLibrary()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("starter library has %d resources", len(files))
	}
	st := open(t)
	ctx := t.Context()
	res, err := st.SearchResources(ctx, store.SearchQuery{PerPage: 100})
	if err != nil || res.Total != len(files) {
		t.Fatalf("after first start: %d resources (want %d), %v", res.Total, len(files), err)
	}
	first, err := st.ResourceBySlug(ctx, files[0].Input.Slug)
	if err != nil || first.Status != store.ResourcePublished || first.AuthorID != 0 {
		t.Fatalf("starter resource: %+v %v", first, err)
	}
	// An admin deletes one; the next start does not bring it back, nor duplicate the others.
	if err := st.DeleteResource(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ResourceBySlug(ctx, first.Input().Slug); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted starter resource came back: %v", err)
	}
	res, _ = st.SearchResources(ctx, store.SearchQuery{PerPage: 100})
	if res.Total != len(files)-1 {
		t.Fatalf("after restart: %d resources, want %d", res.Total, len(files)-1)
	}
}

func TestParseLibraryFileRefusesBadFiles(t *testing.T) {
	good := "title: T\nslug: t-t\ncategory: self-care\nsummary: S\ntags: a, b\n---\nBody"
	lf, err := store.ParseLibraryFile("good.md", good)
	if err != nil || !slices.Equal(lf.Input.Tags, []string{"a", "b"}) || lf.Input.Body != "Body" {
		t.Fatalf("good file: %+v %v", lf, err)
	}
	for name, text := range map[string]string{
		"no separator":     "title: T\nslug: t-t\ncategory: self-care\nsummary: S\nBody",
		"unknown key":      "title: T\nslug: t-t\ncategory: self-care\nsummary: S\ncolour: red\n---\nBody",
		"unknown category": "title: T\nslug: t-t\ncategory: yoga\nsummary: S\n---\nBody",
		"no title":         "slug: t-t\ncategory: self-care\nsummary: S\n---\nBody",
		"javascript link":  "title: T\nslug: t-t\ncategory: self-care\nsummary: S\nlink: javascript:alert(1)\n---\nBody",
		"twice":            "title: T\ntitle: U\nslug: t-t\ncategory: self-care\nsummary: S\n---\nBody",
		"bad slug":         "title: T\nslug: Bad Slug\ncategory: self-care\nsummary: S\n---\nBody",
		"reserved slug":    "title: T\nslug: toolkit\ncategory: self-care\nsummary: S\n---\nBody",
	} {
		if _, err := store.ParseLibraryFile(name, text); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestResourceRevisionsAndRestore(t *testing.T) {
	st := open(t)
	ctx := t.Context()
	u, _ := st.CreateUser(ctx, store.NewUser{Username: "mod", DisplayName: "Mod_1"})
	r := mustCreateResource(t, st, resInput("breath", "Breathing", "first text", "calm"), u.ID, store.ResourcePending)
	in := r.Input()
	in.Body, in.Tags = "second text", []string{"calm", "sleep"}
	if _, err := st.UpdateResource(ctx, r.ID, in, store.ResourcePublished, u.ID, "edited"); err != nil {
		t.Fatal(err)
	}
	revs, err := st.ResourceRevisions(ctx, r.ID)
	if err != nil || len(revs) != 2 {
		t.Fatalf("revisions: %d %v", len(revs), err)
	}
	if revs[0].Input.Body != "second text" || !slices.Equal(revs[0].Changed, []string{"text", "tags"}) || revs[0].EditorName != "Mod_1" {
		t.Fatalf("newest revision: %+v", revs[0])
	}
	got, err := st.RestoreRevision(ctx, r.ID, revs[1].ID, u.ID)
	if err != nil || got.Body != "first text" || got.Status != store.ResourcePublished || !slices.Equal(got.Tags, []string{"calm"}) {
		t.Fatalf("restore: %+v %v", got, err)
	}
	revs, _ = st.ResourceRevisions(ctx, r.ID)
	if len(revs) != 3 || !strings.Contains(revs[0].Note, "restored") {
		t.Fatalf("restore is a new revision: %+v", revs)
	}
	// The index follows the restore: the old text is found again, the newer one not.
	if res, _ := st.SearchResources(ctx, store.SearchQuery{Text: "first"}); !slices.Contains(hitSlugs(res), "breath") {
		t.Fatalf("restored text not found: %v", hitSlugs(res))
	}
	if res, _ := st.SearchResources(ctx, store.SearchQuery{Text: "second"}); slices.Contains(hitSlugs(res), "breath") {
		t.Fatalf("replaced text still found: %v", hitSlugs(res))
	}
	if _, err := st.RestoreRevision(ctx, r.ID, 999999, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown revision: %v", err)
	}
}

func TestHelpedIsOnePerMember(t *testing.T) {
	st := open(t)
	ctx := t.Context()
	a, _ := st.CreateUser(ctx, store.NewUser{Username: "ann", DisplayName: "Ann_1"})
	b, _ := st.CreateUser(ctx, store.NewUser{Username: "bob", DisplayName: "Bob_1"})
	r := mustCreateResource(t, st, resInput("x-help", "Help", "text"), 0, store.ResourcePublished)
	for i, u := range []int64{a.ID, a.ID, b.ID, a.ID} {
		added, err := st.MarkHelped(ctx, r.ID, u)
		if err != nil || added != (i == 0 || i == 2) {
			t.Fatalf("mark %d: added %v, %v", i, added, err)
		}
	}
	if got, _ := st.ResourceByID(ctx, r.ID); got.HelpedCount != 2 {
		t.Fatalf("count %d, want 2", got.HelpedCount)
	}
	// Taking a mark back is once too; the count follows.
	for i, u := range []int64{a.ID, a.ID} {
		removed, err := st.UnmarkHelped(ctx, r.ID, u)
		if err != nil || removed != (i == 0) {
			t.Fatalf("unmark %d: removed %v, %v", i, removed, err)
		}
	}
	if got, _ := st.ResourceByID(ctx, r.ID); got.HelpedCount != 1 {
		t.Fatalf("count after unmark %d, want 1", got.HelpedCount)
	}
	if yes, _ := st.HasHelped(ctx, r.ID, a.ID); yes {
		t.Fatal("still marked after unmark")
	}
}

func TestToolkitOrderNotesAndPrivacy(t *testing.T) {
	st := open(t)
	ctx := t.Context()
	a, _ := st.CreateUser(ctx, store.NewUser{Username: "ann", DisplayName: "Ann_1"})
	b, _ := st.CreateUser(ctx, store.NewUser{Username: "bob", DisplayName: "Bob_1"})
	var ids []int64
	for _, slug := range []string{"one", "two", "three"} {
		r := mustCreateResource(t, st, resInput(slug, slug, "text"), 0, store.ResourcePublished)
		it, err := st.SaveToToolkit(ctx, a.ID, r.ID, "note "+slug)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, it.ID)
	}
	order := func() []string {
		tk, err := st.Toolkit(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range tk {
			out = append(out, e.Resource.Slug)
		}
		return out
	}
	if err := st.MoveToolkitItem(ctx, a.ID, ids[2], -1); err != nil {
		t.Fatal(err)
	}
	if err := st.MoveToolkitItem(ctx, a.ID, ids[0], -1); err != nil { // already first: stays
		t.Fatal(err)
	}
	if got := order(); !slices.Equal(got, []string{"one", "three", "two"}) {
		t.Fatalf("order %v", got)
	}
	// Bob cannot touch Ann's items, and sees none of them.
	if err := st.SetToolkitNote(ctx, b.ID, ids[0], "mine now"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("other member's note: %v", err)
	}
	if err := st.MoveToolkitItem(ctx, b.ID, ids[0], 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("other member's move: %v", err)
	}
	if err := st.RemoveToolkitItem(ctx, b.ID, ids[0]); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("other member's remove: %v", err)
	}
	if tk, _ := st.Toolkit(ctx, b.ID); len(tk) != 0 {
		t.Fatalf("bob's toolkit: %v", tk)
	}
	// Saving again replaces the note and keeps the place.
	r1, _ := st.ResourceBySlug(ctx, "one")
	if it, err := st.SaveToToolkit(ctx, a.ID, r1.ID, "works at night"); err != nil || it.ID != ids[0] || it.Note != "works at night" {
		t.Fatalf("save again: %+v %v", it, err)
	}
	if err := st.RemoveToolkitItem(ctx, a.ID, ids[1]); err != nil {
		t.Fatal(err)
	}
	if got := order(); !slices.Equal(got, []string{"one", "three"}) {
		t.Fatalf("after remove %v", got)
	}
}

func TestFTSQuerySanitises(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		`"`:                         "",
		`*`:                         "",
		`NEAR`:                      "",
		`-`:                         "",
		`sleep OR rest`:             `"sleep" "rest"`,
		`sleep NEAR/3 rest`:         `"sleep" "rest"`,
		`-sleep`:                    `"sleep"`,
		`"deep breath"`:             `"deep breath"`,
		`"unclosed phrase`:          `"unclosed" "phrase"`,
		`walk*`:                     `"walk*"`,
		`w*`:                        `"w"`,
		`self-harm`:                 `"self harm"`,
		`Sleep's`:                   `"sleep s"`,
		`a:b (c) {d} ^e`:            `"a b" "c" "d" "e"`,
		"caf\u00e9 na\u00efve":      "\"caf\u00e9\" \"na\u00efve\"",
		`"a" "b`:                    `"a" "b"`,
		"\x00\x01 ok":               `"ok"`,
		strings.Repeat("x ", 500):   strings.TrimSpace(strings.Repeat(`"x" `, 16)),
		`title:sleep body:"rest"`:   `"title sleep" "body" "rest"`,
		`sleep AND (rest OR calm)`:  `"sleep" "rest" "calm"`,
		`"OR" "NEAR" and or near`:   `"or" "near" "near"`,
		`the sleep`:                 `"sleep"`,
		`the`:                       `"the"`,
		`"the sleep"`:               `"the sleep"`,
		`walk* "slow walk*" -"run"`: `"walk*" "slow walk*" "run"`,
	} {
		if got := store.FTSQuery(in); got != want {
			t.Errorf("FTSQuery(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSnippetPartsNeverNestOrLeak(t *testing.T) {
	parts := store.SnippetParts("a \x01b\x01c\x02 d\x02 e\x07 **f**")
	want := []store.SnippetPart{{Text: "a "}, {Text: "bc", Mark: true}, {Text: " d e f"}}
	if !slices.Equal(parts, want) {
		t.Fatalf("parts %#v", parts)
	}
}

// Search: ranking, snippets, phrases, prefixes, filters, paging, and only published.
func TestSearchResources(t *testing.T) {
	st := open(t)
	clearStarterLibrary(t, st)
	ctx := t.Context()
	u, _ := st.CreateUser(ctx, store.NewUser{Username: "ann", DisplayName: "Ann_1"})
	mk := func(slug, title, body string, status store.ResourceStatus, tags ...string) {
		mustCreateResource(t, st, resInput(slug, title, body, tags...), u.ID, status)
	}
	mk("slumber-title", "Slumber well tonight", "Some words about rest.", store.ResourcePublished, "night")
	mk("slumber-body", "Evening routine", "A routine helps. Later you may slumber better.", store.ResourcePublished)
	mk("walking", "Gentle movement", "Wandering after lunch lifts the mood.", store.ResourcePublished, "movement")
	mk("deep-breath", "Deep breath", "Take a deep breath and count to four.", store.ResourcePublished)
	mk("breath-deep", "Breathing", "Breath that is deep and slow. Very deep.", store.ResourcePublished)
	mk("hidden-slumber", "Slumber secrets draft", "slumber slumber slumber", store.ResourcePending)
	mk("unpub-slumber", "Slumber gone", "slumber", store.ResourceUnpublished)

	search := func(q store.SearchQuery) store.SearchResult {
		t.Helper()
		res, err := st.SearchResources(ctx, q)
		if err != nil {
			t.Fatalf("search %+v: %v", q, err)
		}
		return res
	}
	// A title match ranks above a body match; drafts and unpublished never show.
	res := search(store.SearchQuery{Text: "slumber"})
	if got := hitSlugs(res); !slices.Equal(got, []string{"slumber-title", "slumber-body"}) || res.Total != 2 {
		t.Fatalf("slumber: %v (total %d)", got, res.Total)
	}
	// Snippets mark the match.
	var marked []string
	for _, p := range res.Hits[1].Snippet {
		if p.Mark {
			marked = append(marked, strings.ToLower(p.Text))
		}
	}
	if !slices.Equal(marked, []string{"slumber"}) {
		t.Fatalf("snippet marks %v in %#v", marked, res.Hits[1].Snippet)
	}
	// A phrase needs the words together; prefix finds the longer word.
	if got := hitSlugs(search(store.SearchQuery{Text: `"deep breath"`})); !slices.Equal(got, []string{"deep-breath"}) {
		t.Fatalf("phrase: %v", got)
	}
	if got := hitSlugs(search(store.SearchQuery{Text: "wander*"})); !slices.Equal(got, []string{"walking"}) {
		t.Fatalf("prefix: %v", got)
	}
	if got := hitSlugs(search(store.SearchQuery{Text: "wander"})); len(got) != 0 {
		t.Fatalf("no prefix, no partial word: %v", got)
	}
	// Filters combine with text.
	if got := hitSlugs(search(store.SearchQuery{Text: "slumber", Tag: "night"})); !slices.Equal(got, []string{"slumber-title"}) {
		t.Fatalf("tag filter: %v", got)
	}
	if got := hitSlugs(search(store.SearchQuery{Text: "slumber", Category: "self-care"})); len(got) != 0 {
		t.Fatalf("category filter: %v", got)
	}
	// Odd input never fails.
	for _, q := range []string{`"`, `*`, `NEAR`, `-`, `OR`, `""`, `"*"`, `(`, `)`, `slumber"`, `NOT slumber`,
		strings.Repeat("slumber ", 300), strings.Repeat(`"`, 201), "\x00", "\xff\xfe", `^slumber`, `slumber:`} {
		if _, err := st.SearchResources(ctx, store.SearchQuery{Text: q}); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	}
	// Empty text browses; paging covers everything exactly once.
	all := search(store.SearchQuery{PerPage: 100})
	seen := map[string]bool{}
	for p := 1; p <= 10; p++ {
		for _, s := range hitSlugs(search(store.SearchQuery{Page: p, PerPage: 3})) {
			if seen[s] {
				t.Fatalf("%s on two pages", s)
			}
			seen[s] = true
		}
	}
	if len(seen) != all.Total || all.Searched {
		t.Fatalf("paging saw %d of %d", len(seen), all.Total)
	}
	if res := search(store.SearchQuery{Text: "   ", PerPage: 3}); res.Searched || res.Pages != (all.Total+2)/3 {
		t.Fatalf("blank text: searched %v, pages %d", res.Searched, res.Pages)
	}
}

func TestBrowseSortsByNewestAndHelpful(t *testing.T) {
	st := open(t)
	ctx := t.Context()
	a, _ := st.CreateUser(ctx, store.NewUser{Username: "ann", DisplayName: "Ann_1"})
	old := mustCreateResource(t, st, resInput("older", "Older", "x", "t1"), 0, store.ResourcePublished)
	mustCreateResource(t, st, resInput("newer", "Newer", "x", "t1"), 0, store.ResourcePublished)
	if _, err := st.MarkHelped(ctx, old.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	res, _ := st.SearchResources(ctx, store.SearchQuery{Tag: "t1"})
	if got := hitSlugs(res); !slices.Equal(got, []string{"newer", "older"}) {
		t.Fatalf("newest: %v", got)
	}
	res, _ = st.SearchResources(ctx, store.SearchQuery{Tag: "t1", Sort: store.SortHelpful})
	if got := hitSlugs(res); !slices.Equal(got, []string{"older", "newer"}) {
		t.Fatalf("helpful: %v", got)
	}
}

// Every library writer announces on the change feed after commit.
func TestLibraryWritersAnnounce(t *testing.T) {
	st := open(t)
	ctx := t.Context()
	var mu sync.Mutex
	var got []store.Change
	st.OnChange(func(cs []store.Change) { mu.Lock(); got = append(got, cs...); mu.Unlock() })
	take := func() []store.Change { mu.Lock(); defer mu.Unlock(); out := got; got = nil; return out }
	u, _ := st.CreateUser(ctx, store.NewUser{Username: "ann", DisplayName: "Ann_1"})
	take()
	var r store.Resource
	var item store.ToolkitItem
	steps := []struct {
		name string
		do   func() error
		want store.ChangeKind
	}{
		{"create", func() (err error) {
			r, err = st.CreateResource(ctx, resInput("c1", "C", "x"), u.ID, store.ResourcePending)
			return
		}, store.ChangeResource},
		{"update", func() error {
			_, err := st.UpdateResource(ctx, r.ID, resInput("c1", "C2", "x"), store.ResourcePending, u.ID, "edited")
			return err
		}, store.ChangeResource},
		{"review", func() error { return st.ReviewResource(ctx, r.ID, u.ID, store.DecisionApprove, "") }, store.ChangeResource},
		{"helped", func() error { _, err := st.MarkHelped(ctx, r.ID, u.ID); return err }, store.ChangeResource},
		{"restore", func() error {
			revs, _ := st.ResourceRevisions(ctx, r.ID)
			_, err := st.RestoreRevision(ctx, r.ID, revs[len(revs)-1].ID, u.ID)
			return err
		}, store.ChangeResource},
		{"save", func() (err error) { item, err = st.SaveToToolkit(ctx, u.ID, r.ID, "n"); return }, store.ChangeToolkit},
		{"note", func() error { return st.SetToolkitNote(ctx, u.ID, item.ID, "m") }, store.ChangeToolkit},
		{"move", func() error { return st.MoveToolkitItem(ctx, u.ID, item.ID, 1) }, store.ChangeToolkit},
		{"remove", func() error { return st.RemoveToolkitItem(ctx, u.ID, item.ID) }, store.ChangeToolkit},
		{"delete", func() error { return st.DeleteResource(ctx, r.ID) }, store.ChangeResource},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		cs := take()
		if len(cs) == 0 || cs[0].Kind != s.want {
			t.Fatalf("%s announced %+v, want kind %d", s.name, cs, s.want)
		}
		if s.want == store.ChangeResource && cs[0].ResourceID != r.ID {
			t.Fatalf("%s announced resource %d, want %d", s.name, cs[0].ResourceID, r.ID)
		}
	}
}

func TestResourceSlugTaken(t *testing.T) {
	st := open(t)
	mustCreateResource(t, st, resInput("same", "A", "x"), 0, store.ResourcePublished)
	if _, err := st.CreateResource(t.Context(), resInput("SAME", "B", "x"), 0, store.ResourcePublished); !errors.Is(err, store.ErrSlugTaken) {
		t.Fatalf("duplicate slug: %v", err)
	}
}

// clearStarterLibrary deletes the starter resources, so a test sees only the resources it
// writes itself (their words would otherwise take part in its counts and rankings).
func clearStarterLibrary(t *testing.T, st *store.Store) {
	t.Helper()
	files, err := store.StarterLibrary()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		r, err := st.ResourceBySlug(t.Context(), f.Input.Slug)
		if err != nil {
			t.Fatalf("starter resource %s: %v", f.Input.Slug, err)
		}
		if err := st.DeleteResource(t.Context(), r.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// A search that matches more resources than it ranks ranks the newest of them, says it was
// capped, and pages through those only; the title still outranks the body among them.
func TestSearchRanksOnlyTheNewestMatches(t *testing.T) {
	st := open(t)
	clearStarterLibrary(t, st)
	defer store.SetSearchCandidates(4)()
	ctx := t.Context()
	u, _ := st.CreateUser(ctx, store.NewUser{Username: "ann", DisplayName: "Ann_1"})
	mk := func(slug, title, body string) {
		mustCreateResource(t, st, resInput(slug, title, body), u.ID, store.ResourcePublished)
	}
	mk("oldest-title", "Slumber first", "Rest.")         // best match, but not among the newest four
	mk("old-body", "Evening", "You may slumber better.") // not among the newest four
	mk("body-1", "Morning", "Slumber and the sun.")
	mk("title-new", "Slumber at last", "Rest well.")
	mk("body-2", "Noon", "A nap, a slumber.")
	mk("body-3", "Night", "The slumber of night.")
	mk("other", "Walking", "Nothing about rest.")

	res, err := st.SearchResources(ctx, store.SearchQuery{Text: "slumber", PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := hitSlugs(res)
	if !res.Capped || res.Total != 4 || len(got) != 4 || got[0] != "title-new" || slices.Contains(got, "oldest-title") || slices.Contains(got, "old-body") {
		t.Fatalf("capped search: capped %v, total %d, hits %v", res.Capped, res.Total, got)
	}
	// Paging covers the ranked ones exactly once.
	seen := map[string]bool{}
	for p := 1; p <= 3; p++ {
		page, err := st.SearchResources(ctx, store.SearchQuery{Text: "slumber", PerPage: 3, Page: p})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range hitSlugs(page) {
			if seen[s] {
				t.Fatalf("%s on two pages", s)
			}
			seen[s] = true
		}
	}
	if len(seen) != 4 {
		t.Fatalf("paging saw %v", seen)
	}
	// Within the cap a search is counted exactly and not capped; filters apply before the cap.
	res, err = st.SearchResources(ctx, store.SearchQuery{Text: "rest"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Capped || res.Total != 3 {
		t.Fatalf("rest: capped %v, total %d", res.Capped, res.Total)
	}
	res, err = st.SearchResources(ctx, store.SearchQuery{Text: "slumber", Sort: store.SortHelpful, Category: "coping-skills"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Capped || res.Total != 4 {
		t.Fatalf("slumber, helpful: capped %v, total %d", res.Capped, res.Total)
	}
}
