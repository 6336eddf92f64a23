package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

func TestCrisisCardDefaultsAndAdminEdits(t *testing.T) {
	app := newChatApp(t)
	admin := app.Member("admin") // the first account is the admin
	member := app.Member("ana")
	anon := app.Client()

	// Everyone, logged in or not, sees the default card, which says what Hearth is not.
	r := anon.Get("/help")
	if r.Status != http.StatusOK {
		t.Fatalf("/help: %d", r.Status)
	}
	card := r.Doc(t).Find("main .crisis-card")
	txt := card.Text()
	for _, want := range []string{"emergency number", "988", "116 123", "Samaritans", "findahelpline.com", "peer community, not a crisis service"} {
		if !strings.Contains(txt, want) {
			t.Errorf("default card lacks %q: %s", want, txt)
		}
	}
	if card.Find(`a[href="tel:988"]`).Length() != 1 || card.Find(`a[href="tel:116123"]`).Length() != 1 ||
		card.Find(`a[href="https://findahelpline.com"]`).Length() != 1 {
		h, _ := card.Html()
		t.Errorf("card links: %s", h)
	}
	// Every page has "Get help now": a real link to /help that opens the dialog in place.
	home := member.Get("/").Doc(t)
	link := home.Find(`header a.help-now[href="/help"]`)
	if link.AttrOr("hx-get", "") != "/help" || link.AttrOr("hx-target", "") != "#crisis-dialog-body" {
		t.Errorf("help link: %v", link.Nodes)
	}
	if home.Find(`dialog#crisis-dialog #crisis-dialog-body`).Length() != 1 || home.Find(`dialog#nudge-dialog`).Length() != 1 {
		t.Error("the crisis dialog or the nudge is missing from a member's page")
	}
	if anon.Get("/").Doc(t).Find(`dialog#nudge-dialog`).Length() != 0 {
		t.Error("a visitor's page carries the nudge")
	}
	// The dialog's request gets the card alone.
	req := member.NewRequest(http.MethodGet, "/help", nil)
	req.Header.Set("HX-Request", "true")
	frag := member.Do(req)
	if frag.Status != http.StatusOK || strings.Contains(frag.Body, "<html") || !strings.Contains(frag.Body, `class="crisis-card"`) {
		t.Fatalf("fragment: %d %.300s", frag.Status, frag.Body)
	}

	// Bad input: a clear message, nothing half-written.
	for name, form := range map[string]url.Values{
		"no lines":         {"lines": {"  \n "}, "phrases": {"sad"}},
		"a line without |": {"lines": {"Local | Call 111\nJust a label"}, "phrases": {"sad"}},
		"a long phrase":    {"lines": {"Local | Call 111"}, "phrases": {strings.Repeat("x", 61)}},
	} {
		r := admin.PostForm("/admin/crisis", form)
		if r.Status != http.StatusUnprocessableEntity || r.Doc(t).Find(".field-error").Length() == 0 {
			t.Errorf("%s: %d", name, r.Status)
		}
	}
	if !strings.Contains(anon.Get("/help").Body, "116 123") {
		t.Fatal("a refused edit changed the card")
	}
	if r := member.PostForm("/admin/crisis", url.Values{"lines": {"X | Y"}}); r.Status != http.StatusForbidden {
		t.Fatalf("a member edited the crisis card: %d", r.Status)
	}

	r = admin.PostForm("/admin/crisis", url.Values{
		"lines":   {"Aotearoa New Zealand | Call or text 1737 | Need to talk?\nEverywhere else | findahelpline.com"},
		"phrases": {"Want to Die\n\ngive up  on everything\n"},
	})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d %.300s", r.Status, r.Body)
	}
	txt = anon.Get("/help").Doc(t).Find(".crisis-card").Text()
	if !strings.Contains(txt, "1737") || strings.Contains(txt, "116 123") {
		t.Errorf("card after edit: %s", txt)
	}
	form := admin.Get("/admin/crisis").Doc(t)
	if v := form.Find("#f-phrases").Text(); v != "give up on everything\nwant to die" {
		t.Errorf("phrases in the form: %q", v)
	}

	// The phrase list is for logged-in members, cacheable by their browser only.
	if r := anon.Get("/crisis/phrases"); r.Status != http.StatusSeeOther {
		t.Errorf("phrases for a visitor: %d", r.Status)
	}
	pr := member.Get("/crisis/phrases")
	if pr.Status != http.StatusOK || pr.Body != `{"phrases":["give up on everything","want to die"]}`+"\n" {
		t.Fatalf("phrases: %d %q", pr.Status, pr.Body)
	}
	if cc := pr.Header.Get("Cache-Control"); cc != "private, max-age=300" {
		t.Errorf("Cache-Control = %q", cc)
	}
}

func TestWordFilterBlockHoldFlag(t *testing.T) {
	app := newChatApp(t)
	admin := app.Member("admin")
	a, b := app.Member("ana"), app.Member("ben")
	joinGroup(t, a, "welcome")
	joinGroup(t, b, "welcome")
	wa, wb := mustDial(t, app, a, "welcome", "?after=0"), mustDial(t, app, b, "welcome", "?after=0")

	// Nothing is filtered by default: substances can be named.
	wa.send("Day 30 without heroin, cocaine or alcohol", "filter-free-1")
	wb.until(waitLong, "the first message", func() bool { return len(wb.seqs) == 1 })

	// The admin's form refuses what it cannot use.
	for name, form := range map[string]url.Values{
		"empty":          {"phrase": {"  "}, "action": {"block"}},
		"unknown action": {"phrase": {"x"}, "action": {"delete"}},
		"too long":       {"phrase": {strings.Repeat("y", 61)}, "action": {"flag"}},
	} {
		if r := admin.PostForm("/admin/filter", form); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", name, r.Status)
		}
	}
	for _, e := range [][2]string{{"Dealer  near me", "block"}, {"relapse kit", "hold"}, {"pills", "flag"}} {
		if r := admin.PostForm("/admin/filter", url.Values{"phrase": {e[0]}, "action": {e[1]}}); r.Status != http.StatusSeeOther {
			t.Fatalf("add %v: %d %.300s", e, r.Status, r.Body)
		}
	}
	if r := admin.PostForm("/admin/filter", url.Values{"phrase": {"PILLS"}, "action": {"block"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("a duplicate entry: %d", r.Status)
	}
	if r := a.PostForm("/admin/filter", url.Values{"phrase": {"x"}, "action": {"block"}}); r.Status != http.StatusForbidden {
		t.Errorf("a member changed the filter: %d", r.Status)
	}

	// Block: refused with the reason, naming the message, and nobody receives anything.
	wa.send("any DEALER near me tonight?", "filter-block-1")
	wa.until(waitLong, "the refusal", func() bool { return len(wa.refused) == 1 })
	if wa.refused[0] != "filter-block-1" || len(wa.errs) != 1 || !strings.Contains(wa.errs[0], "“dealer near me”") {
		t.Fatalf("refusal: %v %v", wa.refused, wa.errs)
	}
	// Hold: written, with held set, and delivered to nobody (only its author and the
	// moderators see it until approved: TestWordFilterHold).
	wa.send("my relapse kit is gone", "filter-hold-1")
	wa.until(waitLong, "the held message's ack", func() bool { return len(wa.acked) == 2 })
	// Flag: written as usual.
	wa.send("I take my pills every morning", "filter-flag-1")
	wb.until(waitLong, "the flagged message", func() bool { return len(wb.seqs) == 2 })
	if n, _ := app.Store.CountMessages(context.Background(), wa.groupID(t, app)); n != 3 {
		t.Fatalf("%d rows: the blocked message was written", n)
	}
	msgs, err := app.Store.MessagesAfter(context.Background(), wa.groupID(t, app), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].Held || msgs[1].Held {
		t.Fatalf("history shows a held message: %+v", msgs)
	}
	held, err := app.Store.HeldMessages(context.Background(), wa.groupID(t, app), userID(t, app, "ana"))
	if err != nil || len(held) != 1 || !held[0].Held || held[0].Body != "my relapse kit is gone" {
		t.Fatalf("held: %+v %v", held, err)
	}
	held = append([]store.Message{msgs[0], held[0]}, msgs[1])

	// An edit cannot bring a blocked phrase in: the form comes back with the reason.
	r := a.PostForm("/groups/welcome/messages/"+strconv.FormatInt(held[2].ID, 10)+"/edit",
		url.Values{"body": {"dealer near me, actually"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "“dealer near me”") {
		t.Fatalf("edit with a blocked phrase: %d %.300s", r.Status, r.Body)
	}
	if m, _ := app.Store.MessageByID(context.Background(), held[2].ID); m.Body != "I take my pills every morning" {
		t.Fatalf("the blocked edit was saved: %q", m.Body)
	}

	// Removing the entry takes effect for the next message (the hub's copy follows the store).
	doc := admin.Get("/admin/filter").Doc(t)
	var del string
	doc.Find("table.filter-entries tr").Each(func(_ int, s *goquery.Selection) {
		if strings.TrimSpace(s.Find("td").First().Text()) == "dealer near me" {
			del = s.Find("form").AttrOr("action", "")
		}
	})
	if del == "" {
		t.Fatal("no remove form for the entry")
	}
	if r := admin.PostForm(del, url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d", r.Status)
	}
	if r := admin.PostForm(del, url.Values{}); r.Status != http.StatusNotFound {
		t.Errorf("remove twice: %d", r.Status)
	}
	wa.send("any dealer near me tonight?", "filter-block-2")
	wb.until(waitLong, "the message once unblocked", func() bool { return len(wb.seqs) == 3 })
}

// groupID is the id of the group the client's socket is in (welcome in these tests).
func (w *wsClient) groupID(t *testing.T, app *handlerstest.App) int64 {
	t.Helper()
	g, err := app.Store.GroupBySlug(context.Background(), "welcome")
	if err != nil {
		t.Fatal(err)
	}
	return g.ID
}

func TestContentWarningStoredCollapsedLiveAndInHistory(t *testing.T) {
	app := newChatApp(t)
	a, b := app.Member("ana"), app.Member("ben")
	joinGroup(t, a, "welcome")
	joinGroup(t, b, "welcome")
	wa, wb := mustDial(t, app, a, "welcome", "?after=0"), mustDial(t, app, b, "welcome", "?after=0")

	wa.send("CW: relapse\nI slipped yesterday after 90 days.", "cw-msg-0001")
	wb.until(waitLong, "the warned message", func() bool { return len(wb.seqs) == 1 })
	check := func(where, html string) {
		t.Helper()
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(html))
		d := doc.Find(".msg details.msg-cw")
		if d.Length() != 1 {
			t.Fatalf("%s: no details: %s", where, html)
		}
		if _, open := d.Attr("open"); open {
			t.Errorf("%s: the warning starts open", where)
		}
		if s := strings.TrimSpace(d.Find("summary").Text()); s != "CW: relapse" {
			t.Errorf("%s: summary %q", where, s)
		}
		if s := strings.TrimSpace(d.Find(".msg-body").Text()); s != "I slipped yesterday after 90 days." {
			t.Errorf("%s: body %q", where, s)
		}
	}
	for _, h := range wb.msgs {
		check("live frame", h)
	}
	ms, err := app.Store.MessagesAfter(context.Background(), wa.groupID(t, app), 0, 10)
	if err != nil || len(ms) != 1 || ms[0].ContentWarning != "relapse" || ms[0].Body != "I slipped yesterday after 90 days." {
		t.Fatalf("stored: %+v %v", ms, err)
	}
	page := b.Get("/groups/welcome")
	h, _ := page.Doc(t).Find("#messages .msg").First().Parent().Html()
	check("history", h)
	hist := b.Get("/groups/welcome/messages?before=100")
	check("history page", hist.Body)

	// A message without a warning has none; a warning over 80 characters is refused.
	wa.send("plain words", "cw-msg-0002")
	wb.until(waitLong, "the plain message", func() bool { return len(wb.seqs) == 2 })
	if strings.Contains(wb.msgs[ms[0].ID+1], "msg-cw") {
		t.Error("a plain message has a warning")
	}
	wa.send("cw: "+strings.Repeat("a", 81)+"\ntext", "cw-msg-0003")
	wa.until(waitLong, "the long warning's refusal", func() bool { return len(wa.refused) == 1 })
	if !strings.Contains(wa.errs[len(wa.errs)-1], "80 characters") {
		t.Errorf("refusal: %v", wa.errs)
	}
}

func TestContentWarningPreference(t *testing.T) {
	app := newChatApp(t)
	a := app.Member("ana")
	if cls := a.Get("/groups").Doc(t).Find("body").AttrOr("class", ""); strings.Contains(cls, "cw-open") {
		t.Fatal("warnings start open by default")
	}
	if r := a.PostForm("/account/content-warnings", url.Values{"cw": {"wide"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad choice: %d", r.Status)
	}
	if r := a.PostForm("/account/content-warnings", url.Values{"cw": {"open"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.Status)
	}
	acc := a.Get("/account").Doc(t)
	if !strings.Contains(acc.Find("body").AttrOr("class", ""), "cw-open") {
		t.Error("no cw-open class after choosing open")
	}
	if _, ok := acc.Find(`#content-warnings input[value="open"]`).Attr("checked"); !ok {
		t.Error("the account page does not show the choice")
	}
	// Another member's pages are not affected.
	if cls := app.Member("ben").Get("/groups").Doc(t).Find("body").AttrOr("class", ""); strings.Contains(cls, "cw-open") {
		t.Error("one member's choice applied to another")
	}
	if r := a.PostForm("/account/content-warnings", url.Values{"cw": {"collapsed"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.Status)
	}
	if strings.Contains(a.Get("/groups").Doc(t).Find("body").AttrOr("class", ""), "cw-open") {
		t.Error("still open after choosing collapsed")
	}
}
