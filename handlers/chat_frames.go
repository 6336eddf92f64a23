package handlers

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"html/template"
	"strconv"
	"strings"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/handlers/chat"
	"github.com/hearth-community/hearth/store"
	"github.com/hearth-community/hearth/views"
)

// chatMessageView is what the chat_message partial renders. The room's rendering (View
// "") depends on nobody: the same bytes serve every member's history and every live
// receiver, and the page script marks the viewer's own messages and mentions. A hidden
// message has two more renderings, each shared by those who see it: View "mod" for the
// group's moderators (marked hidden, its text, the reason and Restore) and View "own" for
// its author ("hidden by a moderator" and the reason).
type chatMessageView struct {
	M         store.Message
	Slug      string
	OOB       bool
	View      string        // "", "mod" or "own"
	Reason    string        // the hide's reason, for the "mod" and "own" views
	Reactions template.HTML // the reaction buttons, from chatFrames.reactionButtons
	// Card is the shared library resource's card when M.ResourceID is set.
	Card *resourceCard
}

// resourceCard is what a shared resource's card shows in the chat: the same for every
// viewer. Available is false once the resource is no longer published (or was deleted):
// the card then shows "no longer available" and nothing of the resource.
type resourceCard struct {
	Available bool
	Slug      string
	Title     string
	Summary   string
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

// historyCacheSize bounds how many groups' newest history page stay rendered (about
// 70 KB each with 50 messages).
const historyCacheSize = 256

// messageCacheSize bounds the rendered-message cache. A message renders to about 1.5 KB,
// so a full cache holds roughly 12 MB: the recent history of every busy group.
const messageCacheSize = 8192

// chatFrames renders the hub's frames with the views templates, so a live message is
// byte for byte the history markup. Each message version is rendered once and its HTML
// kept in an LRU cache, keyed by message id and checked against a fingerprint of
// everything the markup shows: the live frame, every member's page and every history page
// reuse the same bytes, and an edit, removal or reaction simply misses and re-renders.
// It also caches group slugs, which message URLs need.
type chatFrames struct {
	v     *views.Renderer
	st    *store.Store
	seed  maphash.Seed
	cache *lru.Cache[int64, renderedMessage]
	// latest holds each group's newest history page (history_cache.go).
	latest *historyCache
	// presenceCache holds recent presence lines by the member count and names they show.
	presenceCache *lru.Cache[string, []byte]
	// buttons holds rendered reaction buttons by their counts ("0,2,0,0"): most messages
	// share the all-zero set, and the buttons are over half of a message's render time.
	buttons *lru.Cache[string, template.HTML]

	// variants holds hidden messages' moderator and author renderings (MessageVariants).
	variants *lru.Cache[variantKey, renderedMessage]
	// composeCache holds the send box's replacements by ComposeKey: a lock sends the same
	// bytes to every member's socket.
	composeCache *lru.Cache[string, []byte]

	mu    sync.RWMutex
	slugs map[int64]string
	// cards holds shared resources' cards by resource id; cardGen moves with every
	// resource change so a load that raced one is not kept (see card).
	cards   map[int64]resourceCard
	cardGen uint64
}

type renderedMessage struct {
	fp       uint64
	html     template.HTML
	author   int64 // so an account's erasure drops its words from memory too
	resource int64 // the shared resource, so its change drops the card
}

func newChatFrames(v *views.Renderer, st *store.Store) *chatFrames {
	cache, err := lru.New[int64, renderedMessage](messageCacheSize)
	if err != nil {
		panic(err) // only for a size <= 0
	}
	presence, err := lru.New[string, []byte](historyCacheSize)
	if err != nil {
		panic(err)
	}
	buttons, err := lru.New[string, template.HTML](historyCacheSize)
	if err != nil {
		panic(err)
	}
	variants, err := lru.New[variantKey, renderedMessage](historyCacheSize)
	if err != nil {
		panic(err)
	}
	compose, err := lru.New[string, []byte](historyCacheSize)
	if err != nil {
		panic(err)
	}
	return &chatFrames{v: v, st: st, seed: maphash.MakeSeed(), cache: cache, latest: newHistoryCache(historyCacheSize), presenceCache: presence,
		buttons: buttons, variants: variants, composeCache: compose, slugs: map[int64]string{}, cards: map[int64]resourceCard{}}
}

// variantKey names one viewer rendering of a hidden message.
type variantKey struct {
	id   int64
	view string // "mod" or "own"
}

// fingerprint hashes every field the chat_message template shows.
func (f *chatFrames) fingerprint(m store.Message, slug string, card *resourceCard) uint64 {
	var h maphash.Hash
	h.SetSeed(f.seed)
	var b [8]byte
	num := func(v int64) {
		binary.LittleEndian.PutUint64(b[:], uint64(v))
		h.Write(b[:])
	}
	str := func(s string) {
		num(int64(len(s)))
		h.WriteString(s)
	}
	num(m.ID)
	num(m.Seq)
	num(m.AuthorID)
	str(m.AuthorName)
	str(m.Body)
	str(m.ContentWarning)
	str(slug)
	num(m.CreatedAt.UnixNano())
	num(m.EditedAt.UnixNano())
	num(m.DeletedAt.UnixNano())
	num(m.HiddenAt.UnixNano())
	for _, r := range m.Reactions {
		str(r.Kind)
		num(int64(r.Count))
	}
	if card != nil {
		num(m.ResourceID)
		if card.Available {
			num(1)
		} else {
			num(0)
		}
		str(card.Slug)
		str(card.Title)
		str(card.Summary)
	}
	return h.Sum64()
}

// Message returns the message's HTML, rendering it only if this version is not cached.
func (f *chatFrames) Message(m store.Message, slug string) (template.HTML, error) {
	card, err := f.cardFor(m)
	if err != nil {
		return "", err
	}
	fp := f.fingerprint(m, slug, card)
	if c, ok := f.cache.Get(m.ID); ok && c.fp == fp {
		return c.html, nil
	}
	view, err := f.viewWith(m, slug, false, card)
	if err != nil {
		return "", err
	}
	b, err := f.render("chat_message", view)
	if err != nil {
		return "", err
	}
	html := template.HTML(b) // rendered by html/template: already escaped
	f.cache.Add(m.ID, renderedMessage{fp: fp, html: html, author: m.AuthorID, resource: m.ResourceID})
	return html, nil
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
	html, err := f.Message(m, slug)
	if err != nil {
		return nil, err
	}
	const open, end = `<div hx-swap-oob="beforeend:#messages">`, "</div>\n"
	frame := make([]byte, 0, len(open)+len(html)+len(end))
	return append(append(append(frame, open...), html...), end...), nil
}

func (f *chatFrames) ChangedMessage(m store.Message) ([]byte, error) {
	slug, err := f.slug(m.GroupID)
	if err != nil {
		return nil, err
	}
	view, err := f.view(m, slug, true)
	if err != nil {
		return nil, err
	}
	return f.render("chat_message", view)
}

// view is what the chat_message template renders for m.
func (f *chatFrames) view(m store.Message, slug string, oob bool) (chatMessageView, error) {
	card, err := f.cardFor(m)
	if err != nil {
		return chatMessageView{}, err
	}
	return f.viewWith(m, slug, oob, card)
}

func (f *chatFrames) viewWith(m store.Message, slug string, oob bool, card *resourceCard) (chatMessageView, error) {
	v := chatMessageView{M: m, Slug: slug, OOB: oob, Card: card}
	var err error
	v.Reactions, err = f.reactionButtons(v.Counts())
	return v, err
}

// cardFor is the card of the resource m shares, nil when it shares none.
func (f *chatFrames) cardFor(m store.Message) (*resourceCard, error) {
	if m.ResourceID == 0 {
		return nil, nil
	}
	c, err := f.card(m.ResourceID)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// card returns a resource's card, loading it once per change of the resource. A load
// that raced a change (cardGen moved meanwhile) is returned but not kept.
func (f *chatFrames) card(id int64) (resourceCard, error) {
	f.mu.RLock()
	c, ok := f.cards[id]
	gen := f.cardGen
	f.mu.RUnlock()
	if ok {
		return c, nil
	}
	r, err := f.st.ResourceByID(context.Background(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c = resourceCard{}
	case err != nil:
		return resourceCard{}, fmt.Errorf("load shared resource card: %w", err)
	case r.Published():
		c = resourceCard{Available: true, Slug: r.Slug, Title: r.Title, Summary: r.Summary}
	}
	f.mu.Lock()
	if f.cardGen == gen {
		f.cards[id] = c
	}
	f.mu.Unlock()
	return c, nil
}

// forgetResource drops a resource's card (every card for id 0) and the rendered messages
// that show it, after the resource changed.
func (f *chatFrames) forgetResource(id int64) {
	f.mu.Lock()
	f.cardGen++
	if id == 0 {
		clear(f.cards)
	} else {
		delete(f.cards, id)
	}
	f.mu.Unlock()
	for _, k := range f.cache.Keys() {
		if e, ok := f.cache.Peek(k); ok && e.resource != 0 && (id == 0 || e.resource == id) {
			f.cache.Remove(k)
		}
	}
}

// reactionButtons renders the reaction buttons for a set of counts, once per set.
func (f *chatFrames) reactionButtons(counts []store.ReactionCount) (template.HTML, error) {
	var key strings.Builder
	for i, c := range counts {
		if i > 0 {
			key.WriteByte(',')
		}
		key.WriteString(strconv.Itoa(c.Count))
	}
	if html, ok := f.buttons.Get(key.String()); ok {
		return html, nil
	}
	b, err := f.render("chat_reactions", counts)
	if err != nil {
		return "", err
	}
	html := template.HTML(b) // rendered by html/template: already escaped
	f.buttons.Add(key.String(), html)
	return html, nil
}

// reactionsView is what the chat_reactions_live partial renders.
type reactionsView struct {
	ID      int64
	Buttons template.HTML // from reactionButtons
}

// Reactions renders a live update of one message's reaction counts: its buttons alone,
// swapped into the message's reactions form. No text of the message travels with it.
func (f *chatFrames) Reactions(m store.Message) ([]byte, error) {
	buttons, err := f.reactionButtons(chatMessageView{M: m}.Counts())
	if err != nil {
		return nil, err
	}
	return f.render("chat_reactions_live", reactionsView{ID: m.ID, Buttons: buttons})
}

// presenceView is what the chat_presence partial renders.
type presenceView struct {
	Names   []string
	Members int // the group's member count
}

// Presence renders who is here and how many members the group has. The same list is
// asked for by every page view of a busy group and by the hub's presence updates, so the
// last rendering per list and count is kept.
func (f *chatFrames) Presence(groupID int64, names []string) ([]byte, error) {
	g, err := f.st.GroupByID(context.Background(), groupID)
	if err != nil {
		return nil, err
	}
	return f.presence(names, g.MemberCount)
}

func (f *chatFrames) presence(names []string, members int) ([]byte, error) {
	key := strconv.Itoa(members) + "\x00" + strings.Join(names, "\x00")
	if b, ok := f.presenceCache.Get(key); ok {
		return b, nil
	}
	b, err := f.render("chat_presence", presenceView{Names: names, Members: members})
	if err == nil {
		f.presenceCache.Add(key, b)
	}
	return b, err
}

// presenceHTML is Presence for a page that has the group's member count at hand.
func (f *chatFrames) presenceHTML(names []string, members int) (template.HTML, error) {
	b, err := f.presence(names, members)
	return template.HTML(b), err // rendered by html/template: already escaped
}

// typingView is what the chat_typing partial renders.
type typingView struct {
	Typists []chat.Typist
}

// IDs lists the typists' user ids, space-separated, for the page script.
func (v typingView) IDs() string {
	ids := make([]string, len(v.Typists))
	for i, t := range v.Typists {
		ids[i] = strconv.FormatInt(t.UserID, 10)
	}
	return strings.Join(ids, " ")
}

// Typing renders who is typing. The frame is shared by the room, so it names every typist
// with their user id and each page leaves its own member out.
func (f *chatFrames) Typing(typists []chat.Typist) ([]byte, error) {
	return f.render("chat_typing", typingView{Typists: typists})
}

// Sent acknowledges the message sent with clientID.
func (f *chatFrames) Sent(clientID string) ([]byte, error) { return f.render("chat_sent", clientID) }

// problemView is what the chat_problem partial renders.
type problemView struct {
	ClientID string // the refused message's id, or ""
	Message  string
}

// Problem shows a refusal; clientID names the refused message, if it was one.
func (f *chatFrames) Problem(clientID, msg string) ([]byte, error) {
	return f.render("chat_problem", problemView{ClientID: clientID, Message: msg})
}

// roomStateView is what the room_state partials render.
type roomStateView struct{ Text string }

// roomStateText names the room's state for everyone in it: locked, slow mode, and for a
// facilitated room whether it is open. "" when none applies.
func roomStateText(g store.Group, facilitatorHere bool) string {
	var parts []string
	if g.Locked() {
		parts = append(parts, "This room is locked: members can read but not post for now.")
	}
	if g.SlowModeSeconds > 0 {
		parts = append(parts, "This room is in slow mode: one message every "+strconv.Itoa(g.SlowModeSeconds)+" s.")
	}
	if g.Facilitated {
		if facilitatorHere {
			parts = append(parts, "A facilitator is here: the room is open.")
		} else {
			parts = append(parts, "This room opens when a facilitator is here.")
		}
	}
	return strings.Join(parts, " ")
}

// RoomState renders the room's state notice for the live chat. The text is the same for
// everyone in the room.
func (f *chatFrames) RoomState(groupID int64, facilitatorHere bool) ([]byte, error) {
	g, err := f.st.GroupByID(context.Background(), groupID)
	if err != nil {
		return nil, err
	}
	return f.render("room_state", roomStateView{Text: roomStateText(g, facilitatorHere)})
}

// variant returns a hidden message's rendering for its moderators ("mod") or its author
// ("own"), rendered once per version of the message and kept beside the room's. oob
// renders it as an in-place swap. Only hidden, not removed messages have variants.
func (f *chatFrames) variant(m store.Message, slug, view string, oob bool) (template.HTML, error) {
	return f.variantWith(m, slug, view, oob, nil)
}

// variantWith is variant with the hide's reason already at hand (nil: load it if needed).
func (f *chatFrames) variantWith(m store.Message, slug, view string, oob bool, reason *string) (template.HTML, error) {
	card, err := f.cardFor(m)
	if err != nil {
		return "", err
	}
	fp := f.fingerprint(m, slug, card)
	k := variantKey{id: m.ID, view: view}
	if !oob {
		if c, ok := f.variants.Get(k); ok && c.fp == fp {
			return c.html, nil
		}
	}
	if reason == nil {
		r, err := f.st.HideReason(context.Background(), m.ID)
		if err != nil {
			return "", err
		}
		reason = &r
	}
	v, err := f.viewWith(m, slug, oob, card)
	if err != nil {
		return "", err
	}
	v.View, v.Reason = view, *reason
	b, err := f.render("chat_message", v)
	if err != nil {
		return "", err
	}
	html := template.HTML(b) // rendered by html/template: already escaped
	if !oob {
		f.variants.Add(k, renderedMessage{fp: fp, html: html, author: m.AuthorID, resource: m.ResourceID})
	}
	return html, nil
}

// hasVariants reports whether m looks different to its moderators and author.
func hasVariants(m store.Message) bool { return !m.HiddenAt.IsZero() && !m.Deleted() }

// viewFor names the rendering v sees of m: "", "mod" or "own".
func viewFor(m store.Message, v chat.Viewer) string {
	switch {
	case !hasVariants(m):
		return ""
	case v.Moderator:
		return "mod"
	case v.UserID != 0 && v.UserID == m.AuthorID:
		return "own"
	}
	return ""
}

// NewMessageFor is NewMessage as v sees it (catch-up, a resend's original).
func (f *chatFrames) NewMessageFor(m store.Message, v chat.Viewer) ([]byte, error) {
	view := viewFor(m, v)
	if view == "" {
		return f.NewMessage(m)
	}
	slug, err := f.slug(m.GroupID)
	if err != nil {
		return nil, err
	}
	html, err := f.variant(m, slug, view, false)
	if err != nil {
		return nil, err
	}
	return []byte(`<div hx-swap-oob="beforeend:#messages">` + string(html) + "</div>\n"), nil
}

// MessageVariants renders a changed message for its group's moderators and for its author
// when it is hidden; nil, nil otherwise (everyone sees ChangedMessage).
func (f *chatFrames) MessageVariants(m store.Message) (mod, own []byte, err error) {
	if !hasVariants(m) {
		return nil, nil, nil
	}
	slug, err := f.slug(m.GroupID)
	if err != nil {
		return nil, nil, err
	}
	reason, err := f.st.HideReason(context.Background(), m.ID)
	if err != nil {
		return nil, nil, err
	}
	a, err := f.variantWith(m, slug, "mod", true, &reason)
	if err != nil {
		return nil, nil, err
	}
	b, err := f.variantWith(m, slug, "own", true, &reason)
	if err != nil {
		return nil, nil, err
	}
	return []byte(a), []byte(b), nil
}

// composeView is what the chat_compose partial renders.
type composeView struct {
	OOB bool
	// Restriction is what stands in place of the send box (nil: the send box).
	Restriction *authz.Restriction
}

// Key names what the partial shows (chat.ComposeKey), as data-compose: a reconnecting page
// tells the socket what it still shows.
func (v composeView) Key() string { return chat.ComposeKey(v.Restriction) }

// Notice is the sentence shown in place of the send box.
func (v composeView) Notice() string {
	if v.Restriction == nil {
		return ""
	}
	if v.Restriction.Kind == authz.RestrictMuted {
		r := *v.Restriction
		// The partial links the notices page itself.
		return strings.TrimSuffix(r.Error(), " You can read your notices and appeal at /notices.")
	}
	return v.Restriction.Error()
}

// Compose renders the send box, or what stands in its place, as a live swap. The same
// state renders once and is shared by every socket it is sent to.
func (f *chatFrames) Compose(_ int64, r *authz.Restriction) ([]byte, error) {
	key := chat.ComposeKey(r)
	if b, ok := f.composeCache.Get(key); ok {
		return b, nil
	}
	b, err := f.render("chat_compose", composeView{OOB: true, Restriction: r})
	if err == nil {
		f.composeCache.Add(key, b)
	}
	return b, err
}

// Role tells the page whether its member moderates the group now.
func (f *chatFrames) Role(moderator bool) ([]byte, error) {
	return f.render("chat_role", moderator)
}

// hiddenSpan is where a hidden message sits in a history page's joined HTML, so that a
// moderator's or its author's page can swap in the rendering they see (viewerHistory).
type hiddenSpan struct {
	M          store.Message
	Start, End int
}
