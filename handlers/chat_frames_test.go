package handlers

import (
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/hearth-community/hearth/static"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

func benchFrames(tb testing.TB) *chatFrames {
	assets, err := static.New()
	if err != nil {
		tb.Fatal(err)
	}
	v, err := views.New(assets.URL)
	if err != nil {
		tb.Fatal(err)
	}
	f := newChatFrames(v, nil)
	f.slugs[1] = "welcome"
	return f
}

// renderUncached renders a message through the template, bypassing the message cache (the
// reaction buttons still come from theirs, as in production).
func renderUncached(f *chatFrames, m store.Message) ([]byte, error) {
	v, err := f.view(m, "welcome", false)
	if err != nil {
		return nil, err
	}
	return f.render("chat_message", v)
}

// The live frame holds exactly the markup history renders, inside one oob wrapper.
func TestChatFrameMatchesHistoryMarkup(t *testing.T) {
	f := benchFrames(t)
	m := store.Message{ID: 7, GroupID: 1, Seq: 3, AuthorID: 2, AuthorName: "ana", Body: "hi <there>", CreatedAt: time.Now()}
	live, err := f.NewMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := renderUncached(f, m)
	if err != nil {
		t.Fatal(err)
	}
	want := `<div hx-swap-oob="beforeend:#messages">` + string(hist) + "</div>\n"
	if string(live) != want {
		t.Fatalf("live frame:\n%s\nwant:\n%s", live, want)
	}
	if !strings.Contains(string(hist), `id="msg-7" class="msg" data-seq="3"`) || !strings.Contains(string(hist), "hi &lt;there&gt;") {
		t.Fatalf("markup contract broken:\n%s", hist)
	}
}

// A message is rendered once per version: the same version is served from the cache, and
// an edit, a removal or a reaction renders it anew.
func TestMessageCacheFollowsVersions(t *testing.T) {
	f := benchFrames(t)
	m := store.Message{ID: 9, GroupID: 1, Seq: 4, AuthorID: 2, AuthorName: "ana", Body: "first words", CreatedAt: time.Now()}
	a, err := f.Message(m, "welcome")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := f.Message(m, "welcome")
	if unsafe.StringData(string(a)) != unsafe.StringData(string(b)) {
		t.Error("the same version was rendered twice instead of served from the cache")
	}
	changes := []func(*store.Message){
		func(m *store.Message) { m.Body = "second words"; m.EditedAt = time.Now() },
		func(m *store.Message) { m.Reactions = []store.ReactionCount{{Kind: "heart", Count: 1}} },
		func(m *store.Message) { m.Reactions = []store.ReactionCount{{Kind: "heart", Count: 2}} },
		func(m *store.Message) { m.Body, m.DeletedAt = "", time.Now() },
	}
	prev := a
	for i, change := range changes {
		change(&m)
		got, err := f.Message(m, "welcome")
		if err != nil {
			t.Fatal(err)
		}
		want, _ := renderUncached(f, m)
		if string(got) != string(want) || got == prev {
			t.Fatalf("change %d served stale HTML:\n%s", i, got)
		}
		if n := len(m.Reactions); n > 0 && !m.Deleted() && !strings.Contains(string(got), `class="reaction-count">`+strconv.Itoa(m.Reactions[0].Count)+`<`) {
			t.Fatalf("change %d: reaction count %d not shown:\n%s", i, m.Reactions[0].Count, got)
		}
		prev = got
	}
	if !strings.Contains(string(prev), "message removed") {
		t.Fatalf("removed message: %s", prev)
	}
}

// BenchmarkRenderMessage is the cost of rendering one message version through the
// template, paid once per version whatever the number of receivers and page views (the
// reaction buttons come from their own cache, as in production).
func BenchmarkRenderMessage(b *testing.B) {
	f := benchFrames(b)
	m := store.Message{ID: 7, GroupID: 1, Seq: 3, AuthorID: 2, AuthorName: "ana", CreatedAt: time.Now(),
		Body:      "Today was hard but I reached out to @ben and it helped. Here is the article: https://example.org/coping-skills",
		Reactions: []store.ReactionCount{{Kind: "heart", Count: 3}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := renderUncached(f, m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMessageCached is what every later use of the same version costs (history pages).
func BenchmarkMessageCached(b *testing.B) {
	f := benchFrames(b)
	m := store.Message{ID: 7, GroupID: 1, Seq: 3, AuthorID: 2, AuthorName: "ana", CreatedAt: time.Now(),
		Body: "Today was hard but I reached out to @ben and it helped. Here is the article: https://example.org/coping-skills"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Message(m, "welcome"); err != nil {
			b.Fatal(err)
		}
	}
}
