package handlers

import (
	"bytes"
	"context"
	"sync"

	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// chatMessageView is what the chat_message partial renders. Viewer is set only for
// per-request renders (history); live frames are shared, so it stays empty there.
type chatMessageView struct {
	M      store.Message
	Slug   string
	OOB    bool
	Viewer string
}

// Counts returns one entry per reaction kind, in display order, zero counts included.
func (v chatMessageView) Counts() []store.ReactionCount {
	out := make([]store.ReactionCount, len(store.ReactionKinds))
	for i, k := range store.ReactionKinds {
		out[i].Kind = k
		for _, r := range v.M.Reactions {
			if r.Kind == k {
				out[i].Count = r.Count
			}
		}
	}
	return out
}

// chatFrames renders the hub's frames with the views templates, so a live message is
// byte for byte the history markup. It caches group slugs, which message URLs need.
type chatFrames struct {
	v  *views.Renderer
	st *store.Store

	mu    sync.RWMutex
	slugs map[int64]string
}

func newChatFrames(v *views.Renderer, st *store.Store) *chatFrames {
	return &chatFrames{v: v, st: st, slugs: map[int64]string{}}
}

func (f *chatFrames) slug(groupID int64) (string, error) {
	f.mu.RLock()
	s, ok := f.slugs[groupID]
	f.mu.RUnlock()
	if ok {
		return s, nil
	}
	g, err := f.st.GroupByID(context.Background(), groupID)
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	f.slugs[groupID] = g.Slug
	f.mu.Unlock()
	return g.Slug, nil
}

// forget drops a cached slug after the group's address changed.
func (f *chatFrames) forget(groupID int64) {
	f.mu.Lock()
	delete(f.slugs, groupID)
	f.mu.Unlock()
}

func (f *chatFrames) render(name string, data any) ([]byte, error) {
	var b bytes.Buffer
	if err := f.v.Partial(&b, name, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (f *chatFrames) NewMessage(m store.Message) ([]byte, error) {
	slug, err := f.slug(m.GroupID)
	if err != nil {
		return nil, err
	}
	return f.render("chat_new_frame", chatMessageView{M: m, Slug: slug})
}

func (f *chatFrames) ChangedMessage(m store.Message) ([]byte, error) {
	slug, err := f.slug(m.GroupID)
	if err != nil {
		return nil, err
	}
	return f.render("chat_message", chatMessageView{M: m, Slug: slug, OOB: true})
}

func (f *chatFrames) Presence(names []string) ([]byte, error) {
	return f.render("chat_presence", names)
}

func (f *chatFrames) Typing(names []string) ([]byte, error) { return f.render("chat_typing", names) }

func (f *chatFrames) Sent(next string) ([]byte, error) { return f.render("chat_sent", next) }

func (f *chatFrames) Problem(msg string) ([]byte, error) { return f.render("chat_problem", msg) }
