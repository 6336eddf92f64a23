package handlers

import (
	"strings"
	"testing"
	"time"

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

// The live frame holds exactly the markup history renders, inside one oob wrapper.
func TestChatFrameMatchesHistoryMarkup(t *testing.T) {
	f := benchFrames(t)
	m := store.Message{ID: 7, GroupID: 1, Seq: 3, AuthorID: 2, AuthorName: "ana", Body: "hi <there>", CreatedAt: time.Now()}
	live, err := f.NewMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := f.render("chat_message", chatMessageView{M: m, Slug: "welcome"})
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

// BenchmarkRenderMessage is the per-message render cost the committer pays once per
// message, whatever the number of receivers.
func BenchmarkRenderMessage(b *testing.B) {
	f := benchFrames(b)
	m := store.Message{ID: 7, GroupID: 1, Seq: 3, AuthorID: 2, AuthorName: "ana", CreatedAt: time.Now(),
		Body:      "Today was hard but I reached out to @ben and it helped. Here is the article: https://example.org/coping-skills",
		Reactions: []store.ReactionCount{{Kind: "heart", Count: 3}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.NewMessage(m); err != nil {
			b.Fatal(err)
		}
	}
}
