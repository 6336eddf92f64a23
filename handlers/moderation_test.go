package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

// modWorld is a Hearth with an admin, a group moderator of "welcome" (gm), two plain
// members of it (ana, ben), and the welcome group.
type modWorld struct {
	app                 *handlerstest.App
	admin, gm, ana, ben *handlerstest.Client
	ids                 map[string]int64
	g                   store.Group
}

func newModWorld(t *testing.T) *modWorld {
	t.Helper()
	ctx := context.Background()
	app := newChatApp(t, slowRecheck)
	w := &modWorld{app: app, ids: map[string]int64{}}
	w.admin = app.Member("admin")
	w.gm, w.ana, w.ben = app.Member("gmod"), app.Member("ana"), app.Member("ben")
	for _, c := range []*handlerstest.Client{w.gm, w.ana, w.ben} {
		joinGroup(t, c, "welcome")
	}
	for n, u := range map[string]string{"admin": "admin", "gm": "gmod", "ana": "ana", "ben": "ben"} {
		w.ids[n] = userID(t, app, u)
	}
	var err error
	if w.g, err = app.Store.GroupBySlug(ctx, "welcome"); err != nil {
		t.Fatal(err)
	}
	if err := app.Store.SetGroupModerator(ctx, w.g.ID, w.ids["gm"], true); err != nil {
		t.Fatal(err)
	}
	return w
}

// post sends body over a fresh socket of c and returns the committed message's id.
func (w *modWorld) post(t *testing.T, c *handlerstest.Client, body string) int64 {
	t.Helper()
	ws := mustDial(t, w.app, c, "welcome", "?after=0")
	before, _ := w.app.Store.LastSeq(context.Background(), w.g.ID)
	ws.send(body, "cid-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	ws.until(waitLong, "own message", func() bool {
		for _, s := range ws.seqs {
			if s > before && ws.body[s] == body {
				return true
			}
		}
		return false
	})
	ws.ws.Close()
	msgs, err := w.app.Store.MessagesAfter(context.Background(), w.g.ID, before, 10)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("load posted message: %v", err)
	}
	return msgs[len(msgs)-1].ID
}

func auditCount(t *testing.T, app *handlerstest.App) int {
	t.Helper()
	es, err := app.Store.Audit(context.Background(), store.AuditFilter{Scope: store.ReportScope{All: true}, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func mustStatus(t *testing.T, r *handlerstest.Response, want int, what string) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %d, want %d: %.400s", what, r.Status, want, r.Body)
	}
}

// TestModerationHideVanishesLive: a group moderator hides a message over HTTP; everyone's
// open socket gets the placeholder at once (without the text or the reason), history shows
// the placeholder, the author reads the reason on their notices page, the moderator still
// reads the original, and a restore brings it back live. Each action is audited.
func TestModerationHideVanishesLive(t *testing.T) {
	w := newModWorld(t)
	id := w.post(t, w.ana, "a message that breaks the guidelines")
	watcher := mustDial(t, w.app, w.ben, "welcome", "?after=0")
	watcher.until(waitLong, "history", func() bool { return len(watcher.seqs) > 0 })

	r := w.gm.PostForm("/mod/messages/"+strconv.FormatInt(id, 10)+"/hide", url.Values{"reason": {"Names a pharmacy selling without prescription"}})
	mustStatus(t, r, http.StatusSeeOther, "hide")
	watcher.until(waitLong, "hidden placeholder", func() bool { return strings.Contains(watcher.msgs[id], "hidden by a moderator") })
	if h := watcher.msgs[id]; strings.Contains(h, "breaks the guidelines") || strings.Contains(h, "pharmacy") {
		t.Fatalf("the hidden frame carries the text or the reason: %s", h)
	}
	page := w.ben.Get("/groups/welcome")
	if strings.Contains(page.Body, "breaks the guidelines") || !strings.Contains(page.Body, "hidden by a moderator") {
		t.Fatal("history still shows the hidden text, or no placeholder")
	}
	if strings.Contains(page.Body, "pharmacy") {
		t.Fatal("the reason leaked into the shared history")
	}
	notices := w.ana.Get("/notices")
	if !strings.Contains(notices.Body, "pharmacy") {
		t.Fatalf("the author does not see the reason: %.500s", notices.Body)
	}
	if strings.Contains(w.ben.Get("/notices").Body, "pharmacy") {
		t.Fatal("another member sees the author's notice")
	}
	orig := w.gm.Get("/mod/messages/" + strconv.FormatInt(id, 10))
	if orig.Status != http.StatusOK || !strings.Contains(orig.Body, "breaks the guidelines") || !strings.Contains(orig.Body, "hidden") {
		t.Fatalf("the moderator cannot read the hidden original: %d", orig.Status)
	}
	mustStatus(t, w.ben.Get("/mod/messages/"+strconv.FormatInt(id, 10)), http.StatusForbidden, "member reads original")
	// A hidden message takes no reactions or edits.
	mustStatus(t, w.ana.PostForm("/groups/welcome/messages/"+strconv.FormatInt(id, 10)+"/edit", url.Values{"body": {"sneaky"}}), http.StatusNotFound, "edit hidden")

	r = w.gm.PostForm("/mod/messages/"+strconv.FormatInt(id, 10)+"/restore", url.Values{"reason": {"On reflection, fine"}})
	mustStatus(t, r, http.StatusSeeOther, "restore")
	watcher.until(waitLong, "restored text", func() bool { return strings.Contains(watcher.msgs[id], "breaks the guidelines") })

	es, err := w.app.Store.Audit(context.Background(), store.AuditFilter{Scope: store.ReportScope{All: true}, TargetID: w.ids["ana"]})
	if err != nil || len(es) != 2 || es[0].Action != "restore" || es[1].Action != "hide" || es[1].ModeratorID != w.ids["gm"] ||
		es[1].GroupID != w.g.ID || es[1].MessageID != id || !strings.Contains(es[1].Reason, "pharmacy") {
		t.Fatalf("audit = %+v (err %v)", es, err)
	}
}

// TestModerationReportAndAnonymity: a member reports a message; the reported member sees
// nothing of it anywhere (page, notices, socket frames); a second report is a friendly 409;
// bad input is refused and writes nothing.
func TestModerationReportAndAnonymity(t *testing.T) {
	w := newModWorld(t)
	id := w.post(t, w.ana, "I stopped my meds, you should too")
	author := mustDial(t, w.app, w.ana, "welcome", "?after=0")
	path := "/groups/welcome/messages/" + strconv.FormatInt(id, 10) + "/report"

	form := w.ben.Get(path)
	mustStatus(t, form, http.StatusOK, "report form")
	if !strings.Contains(form.Body, "worried about this person") {
		t.Fatal("the form lacks the care concern")
	}
	// Bad input first: nothing is written.
	mustStatus(t, w.ben.PostForm(path, url.Values{"reason": {"nonsense"}}), http.StatusBadRequest, "unknown reason")
	mustStatus(t, w.ben.PostForm(path, url.Values{"reason": {"unsafe"}, "note": {strings.Repeat("x", 501)}}), http.StatusBadRequest, "long note")
	if items, _, _ := w.app.Store.Queue(context.Background(), store.ReportScope{All: true}, 0, 10, 0); len(items) != 0 {
		t.Fatalf("bad reports were written: %+v", items)
	}
	r := w.ben.PostForm(path, url.Values{"reason": {"unsafe"}, "note": {"dangerous advice"}})
	mustStatus(t, r, http.StatusCreated, "report")
	r = w.ben.PostForm(path, url.Values{"reason": {"spam"}})
	mustStatus(t, r, http.StatusConflict, "second report")
	if !strings.Contains(r.Body, "already reported") {
		t.Fatalf("the second report's answer is not friendly: %s", r.Body)
	}
	// The reported member's views hold nothing of the report or the reporter.
	// Whatever reaches the author's socket meanwhile is read below.
	for author.read(300*time.Millisecond) == nil {
	}
	for _, body := range []string{w.ana.Get("/groups/welcome").Body, w.ana.Get("/notices").Body} {
		if strings.Contains(body, "dangerous advice") || strings.Contains(body, "report") && strings.Contains(body, "peer_ben") && strings.Contains(body, "reported") {
			t.Fatal("the reported member's page mentions the report")
		}
	}
	for mid, h := range author.msgs {
		if strings.Contains(h, "dangerous advice") || strings.Contains(h, "unsafe") {
			t.Fatalf("a frame about message %d carries the report: %s", mid, h)
		}
	}
	// A plain member has no queue.
	mustStatus(t, w.ana.Get("/mod"), http.StatusForbidden, "member queue")
	// The group moderator's queue shows it, with its note and count, not the reporter.
	q := w.gm.Get("/mod")
	mustStatus(t, q, http.StatusOK, "queue")
	if !strings.Contains(q.Body, "dangerous advice") || !strings.Contains(q.Body, "1 member") || strings.Contains(q.Body, "peer_ben") {
		t.Fatalf("queue: %.2000s", q.Body)
	}
}

// TestModerationQueueOrderClaimResolve: care concerns come first; a second moderator's
// claim is a friendly 409; resolving counts toward the moderator's day.
func TestModerationQueueOrderClaimResolve(t *testing.T) {
	w := newModWorld(t)
	ctx := context.Background()
	spam := w.post(t, w.ana, "buy my thing")
	sad := w.post(t, w.ana, "I can't do this any more")
	mustStatus(t, w.ben.PostForm("/groups/welcome/messages/"+strconv.FormatInt(sad, 10)+"/report", url.Values{"reason": {"care"}}), http.StatusCreated, "care")
	mustStatus(t, w.ben.PostForm("/groups/welcome/messages/"+strconv.FormatInt(spam, 10)+"/report", url.Values{"reason": {"spam"}}), http.StatusCreated, "spam")
	items, _, err := w.app.Store.Queue(ctx, store.ReportScope{All: true}, 0, 10, 2)
	if err != nil || len(items) != 2 || !items[0].Care || items[0].MessageID != sad {
		t.Fatalf("queue order: %+v (err %v)", items, err)
	}
	if len(items[0].Context) < 2 {
		t.Fatalf("no context around the reported message: %+v", items[0].Context)
	}
	doc := w.gm.Get("/mod").Doc(t)
	if first := doc.Find(".mod-item").First(); !first.HasClass("mod-care") || first.Find("details.mod-reported").Length() != 1 ||
		first.Find("details.mod-reported[open]").Length() != 0 {
		t.Fatal("the care concern is not first, or its content is not collapsed")
	}
	rid := strconv.FormatInt(items[0].ReportID, 10)
	mod2 := w.app.Member("mod2")
	if err := w.app.Store.SetRole(ctx, userID(t, w.app, "mod2"), store.RoleModerator); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, w.gm.PostForm("/mod/reports/"+rid+"/claim", url.Values{}), http.StatusSeeOther, "claim")
	r := mod2.PostForm("/mod/reports/"+rid+"/claim", url.Values{})
	mustStatus(t, r, http.StatusConflict, "second claim")
	if !strings.Contains(r.Body, "already claimed") {
		t.Fatalf("second claim: %s", r.Body)
	}
	mustStatus(t, mod2.PostForm("/mod/reports/"+rid+"/resolve", url.Values{"outcome": {"no_action"}}), http.StatusConflict, "resolve another's claim")
	mustStatus(t, w.gm.PostForm("/mod/reports/"+rid+"/resolve", url.Values{"outcome": {"maybe"}}), http.StatusBadRequest, "unknown outcome")
	mustStatus(t, w.gm.PostForm("/mod/reports/"+rid+"/resolve", url.Values{"outcome": {"action_taken"}, "note": {"talked to them"}}), http.StatusSeeOther, "resolve")
	mustStatus(t, w.gm.PostForm("/mod/reports/"+rid+"/resolve", url.Values{"outcome": {"action_taken"}}), http.StatusConflict, "resolve twice")
	if !strings.Contains(w.gm.Get("/mod").Body, "You handled 1 report today") {
		t.Fatal("the day's count is missing")
	}
}

// TestModerationNewReportAppearsLive: the queue's poller gets nothing while nothing is new
// and the new entry once a report is filed.
func TestModerationNewReportAppearsLive(t *testing.T) {
	w := newModWorld(t)
	doc := w.gm.Get("/mod").Doc(t)
	poll, ok := doc.Find("#mod-poll").Attr("hx-get")
	if !ok {
		t.Fatal("no poller on /mod")
	}
	mustStatus(t, w.gm.Get(poll), http.StatusNoContent, "poll with nothing new")
	id := w.post(t, w.ana, "help")
	mustStatus(t, w.ben.PostForm("/groups/welcome/messages/"+strconv.FormatInt(id, 10)+"/report", url.Values{"reason": {"care"}}), http.StatusCreated, "report")
	r := w.gm.Get(poll)
	mustStatus(t, r, http.StatusOK, "poll")
	if !strings.Contains(r.Body, `hx-swap-oob="afterbegin:#mod-queue"`) || !strings.Contains(r.Body, "Care concern about peer_ana") ||
		!strings.Contains(r.Body, `id="mod-poll"`) {
		t.Fatalf("poll answer: %s", r.Body)
	}
}

// TestModerationCareCheckIn: the crisis nudge's check-in files a care concern about the
// member themselves, without a message, and answers calmly; an unclaimed one is raised to
// the admins after the configured wait (fixed clock).
func TestModerationCareCheckIn(t *testing.T) {
	w := newModWorld(t)
	r := w.ana.PostForm("/care/check-in", url.Values{"group": {"welcome"}})
	mustStatus(t, r, http.StatusOK, "check-in")
	if !strings.Contains(r.Body, "check in on you") {
		t.Fatalf("check-in answer: %s", r.Body)
	}
	mustStatus(t, w.ana.PostForm("/care/check-in", url.Values{"group": {"no-such-group"}}), http.StatusOK, "check-in, unknown group")
	items, _, err := w.app.Store.Queue(context.Background(), store.ReportScope{All: true}, 0, 10, 0)
	if err != nil || len(items) == 0 || !items[0].Care || !items[0].SelfCheckIn || items[0].MessageID != 0 || items[0].SubjectID != w.ids["ana"] {
		t.Fatalf("queue: %+v (%v)", items, err)
	}
	if strings.Contains(w.admin.Get("/mod").Body, "waited unclaimed") {
		t.Fatal("raised before the wait")
	}
	w.app.Clock.Advance(16 * time.Minute)
	for _, p := range []string{"/mod", "/admin/users"} {
		if !strings.Contains(w.admin.Get(p).Body, "waited unclaimed") {
			t.Fatalf("%s: no alert for the unclaimed care concern", p)
		}
	}
	if strings.Contains(w.gm.Get("/mod").Body, "waited unclaimed") {
		t.Fatal("the admins' alert shows to a group moderator")
	}
}

// TestModerationMuteExpires: a mute refuses the member's messages with why and until when,
// shows in place of the send box, and ends on its own (fixed clock).
func TestModerationMuteExpires(t *testing.T) {
	w := newModWorld(t)
	ws := mustDial(t, w.app, w.ana, "welcome", "?after=0")
	mustStatus(t, w.gm.PostForm("/mod/groups/welcome/members/"+strconv.FormatInt(w.ids["ana"], 10)+"/sanction",
		url.Values{"action": {"mute"}, "duration": {"15m"}, "reason": {"Cooling off"}}), http.StatusSeeOther, "mute")
	ws.send("still talking", "mute-1-client")
	if how := refusedOrClosed(t, ws, "muted you"); how != "refused" {
		t.Fatalf("muted send: %s", how)
	}
	if e := ws.errs[len(ws.errs)-1]; !strings.Contains(e, "until") || !strings.Contains(e, "Cooling off") {
		t.Fatalf("the refusal does not say why and until when: %q", e)
	}
	doc := w.ana.Get("/groups/welcome").Doc(t)
	if doc.Find("#chat-form").Length() != 0 || !strings.Contains(doc.Find("#chat-muted").Text(), "until") {
		t.Fatal("the send box is still shown to the muted member")
	}
	// A reaction is refused too (HTTP, via authz.Post).
	id := w.post(t, w.ben, "hello")
	mustStatus(t, w.ana.PostForm("/groups/welcome/messages/"+strconv.FormatInt(id, 10)+"/react", url.Values{"kind": {"heart"}}), http.StatusForbidden, "muted react")

	w.app.Clock.Advance(16 * time.Minute)
	ws.send("back again", "mute-2-client")
	ws.until(waitLong, "message after the mute", func() bool {
		for _, a := range ws.acked {
			if a == "mute-2-client" {
				return true
			}
		}
		return false
	})
}

// TestModerationBanAndExpiry: a ban closes the member's socket, keeps them out, and ends
// on its own.
func TestModerationBanAndExpiry(t *testing.T) {
	w := newModWorld(t)
	ws := mustDial(t, w.app, w.ana, "welcome", "?after=0")
	mustStatus(t, w.gm.PostForm("/mod/groups/welcome/members/"+strconv.FormatInt(w.ids["ana"], 10)+"/sanction",
		url.Values{"action": {"ban"}, "duration": {"1d"}, "reason": {"Harassment"}}), http.StatusSeeOther, "ban")
	waitClosed(t, ws)
	r := w.ana.PostForm("/groups/welcome/join", url.Values{"accept_guidelines": {"yes"}})
	mustStatus(t, r, http.StatusForbidden, "rejoin while banned")
	w.app.Clock.Advance(25 * time.Hour)
	// The day also ended the test's session (24 h): log in again.
	mustStatus(t, w.ana.Login("ana", handlerstest.Password), http.StatusSeeOther, "login")
	joinGroup(t, w.ana, "welcome")
}

// TestModerationSuspendEndsEverything: an admin's suspension ends every session and closes
// the member's sockets at once; login is refused with why until it expires.
func TestModerationSuspendEndsEverything(t *testing.T) {
	w := newModWorld(t)
	ws := mustDial(t, w.app, w.ana, "welcome", "?after=0")
	target := "/mod/users/" + strconv.FormatInt(w.ids["ana"], 10) + "/suspend"
	mustStatus(t, w.gm.PostForm(target, url.Values{"reason": {"x"}, "duration": {"1d"}}), http.StatusForbidden, "group moderator suspends")
	mustStatus(t, w.admin.PostForm(target, url.Values{"reason": {""}, "duration": {"1d"}}), http.StatusBadRequest, "no reason")
	mustStatus(t, w.admin.PostForm(target, url.Values{"reason": {"Threats"}, "duration": {"1d"}}), http.StatusSeeOther, "suspend")
	waitClosed(t, ws)
	if r := w.ana.Get("/account"); r.Status != http.StatusSeeOther {
		t.Fatalf("the suspended member's session still works: %d", r.Status)
	}
	c := w.app.Client()
	r := c.Login("ana", handlerstest.Password)
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "suspended until") || !strings.Contains(r.Body, "Threats") {
		t.Fatalf("login while suspended: %d %.300s", r.Status, r.Body)
	}
	w.app.Clock.Advance(25 * time.Hour)
	if r := c.Login("ana", handlerstest.Password); r.Status != http.StatusSeeOther {
		t.Fatalf("login after the suspension: %d", r.Status)
	}
}

// TestModerationLockAndSlowMode: a locked room refuses members' messages but not its
// moderators'; slow mode allows one message per interval (fixed clock); members see the
// state named live.
func TestModerationLockAndSlowMode(t *testing.T) {
	w := newModWorld(t)
	ws := mustDial(t, w.app, w.ana, "welcome", "?after=0")
	mod := mustDial(t, w.app, w.gm, "welcome", "?after=0")
	state := func(c *wsClient) string { return c.msgs[-1] }
	_ = state
	mustStatus(t, w.gm.PostForm("/mod/groups/welcome/lock", url.Values{"locked": {"on"}, "reason": {"Heated"}}), http.StatusSeeOther, "lock")
	ws.send("can I post?", "lock-1-client")
	if how := refusedOrClosed(t, ws, "locked"); how != "refused" {
		t.Fatalf("locked send: %s", how)
	}
	mod.send("moderator note", "lock-2-client")
	mod.until(waitLong, "moderator's ack", func() bool { return len(mod.acked) > 0 && mod.acked[len(mod.acked)-1] == "lock-2-client" })
	if !strings.Contains(w.ana.Get("/groups/welcome").Body, "This room is locked") {
		t.Fatal("the page does not name the lock")
	}
	mustStatus(t, w.gm.PostForm("/mod/groups/welcome/lock", url.Values{"locked": {"off"}, "reason": {"Calm again"}}), http.StatusSeeOther, "unlock")
	mustStatus(t, w.gm.PostForm("/mod/groups/welcome/slow-mode", url.Values{"seconds": {"-5"}, "reason": {"x"}}), http.StatusBadRequest, "bad interval")
	mustStatus(t, w.gm.PostForm("/mod/groups/welcome/slow-mode", url.Values{"seconds": {"30"}, "reason": {"Busy"}}), http.StatusSeeOther, "slow mode")
	if !strings.Contains(w.ana.Get("/groups/welcome").Body, "This room is in slow mode: one message every 30 s") {
		t.Fatal("the page does not name slow mode")
	}
	acked := func(id string) func() bool {
		return func() bool {
			for _, a := range ws.acked {
				if a == id {
					return true
				}
			}
			return false
		}
	}
	ws.send("first", "slow-1-client")
	ws.until(waitLong, "first message in slow mode", acked("slow-1-client"))
	ws.send("second", "slow-2-client")
	if how := refusedOrClosed(t, ws, "slow mode"); how != "refused" {
		t.Fatalf("second send in slow mode: %s", how)
	}
	w.app.Clock.Advance(31 * time.Second)
	ws.send("third", "slow-3-client")
	ws.until(waitLong, "message after the interval", acked("slow-3-client"))
}

// TestModerationFacilitatedRoom: members post only while one of the group's moderators has
// the room open; the notice opens and closes live.
func TestModerationFacilitatedRoom(t *testing.T) {
	w := newModWorld(t)
	mustStatus(t, w.gm.PostForm("/mod/groups/welcome/facilitated", url.Values{"facilitated": {"on"}, "reason": {"Evening circle"}}), http.StatusSeeOther, "facilitated")
	ws := mustDial(t, w.app, w.ana, "welcome", "?after=0")
	ws.send("anyone?", "fac-1-client")
	if how := refusedOrClosed(t, ws, "opens when a facilitator is here"); how != "refused" {
		t.Fatalf("send without a facilitator: %s", how)
	}
	mod := mustDial(t, w.app, w.gm, "welcome", "?after=0")
	ws.until(waitLong, "the room opening", func() bool { return strings.Contains(ws.roomState, "facilitator is here: the room is open") })
	ws.send("hello facilitator", "fac-2-client")
	ws.until(waitLong, "message while the facilitator is here", func() bool {
		return len(ws.acked) > 0 && ws.acked[len(ws.acked)-1] == "fac-2-client"
	})
	mod.ws.Close()
	ws.until(waitLong, "the room closing", func() bool { return strings.Contains(ws.roomState, "opens when a facilitator is here") })
	ws.send("gone?", "fac-3-client")
	if how := refusedOrClosed(t, ws, "opens when a facilitator is here"); how != "refused" {
		t.Fatalf("send after the facilitator left: %s", how)
	}
}

// TestModerationAppeal: one appeal per sanction; the moderator who acted does not decide
// it; another moderator lifts it, which ends the mute.
func TestModerationAppeal(t *testing.T) {
	w := newModWorld(t)
	ctx := context.Background()
	mustStatus(t, w.gm.PostForm("/mod/groups/welcome/members/"+strconv.FormatInt(w.ids["ana"], 10)+"/sanction",
		url.Values{"action": {"mute"}, "duration": {""}, "reason": {"Too much"}}), http.StatusSeeOther, "mute")
	list, err := w.app.Store.SanctionsOf(ctx, w.ids["ana"])
	if err != nil || len(list) != 1 {
		t.Fatalf("sanctions: %+v %v", list, err)
	}
	sid := strconv.FormatInt(list[0].ID, 10)
	mustStatus(t, w.ben.PostForm("/notices/"+sid+"/appeal", url.Values{"note": {"not mine"}}), http.StatusNotFound, "another's appeal")
	mustStatus(t, w.ana.PostForm("/notices/"+sid+"/appeal", url.Values{"note": {""}}), http.StatusBadRequest, "empty appeal")
	mustStatus(t, w.ana.PostForm("/notices/"+sid+"/appeal", url.Values{"note": {"I was upset, sorry"}}), http.StatusSeeOther, "appeal")
	mustStatus(t, w.ana.PostForm("/notices/"+sid+"/appeal", url.Values{"note": {"again"}}), http.StatusConflict, "second appeal")
	aps, err := w.app.Store.OpenAppeals(ctx, store.ReportScope{All: true})
	if err != nil || len(aps) != 1 {
		t.Fatalf("appeals: %+v %v", aps, err)
	}
	if !strings.Contains(w.admin.Get("/mod").Body, "I was upset, sorry") {
		t.Fatal("the appeal is not in the queue")
	}
	aid := strconv.FormatInt(aps[0].ID, 10)
	r := w.gm.PostForm("/mod/appeals/"+aid+"/decide", url.Values{"outcome": {"lifted"}, "reason": {"fine"}})
	mustStatus(t, r, http.StatusForbidden, "own action")
	mustStatus(t, w.admin.PostForm("/mod/appeals/"+aid+"/decide", url.Values{"outcome": {"lifted"}, "reason": {"Accepted"}}), http.StatusSeeOther, "decide")
	if _, muted, _ := w.app.Store.ActiveMute(ctx, w.g.ID, w.ids["ana"]); muted {
		t.Fatal("the lifted mute still applies")
	}
	if !strings.Contains(w.ana.Get("/notices").Body, "Accepted") {
		t.Fatal("the member does not see the decision")
	}
}

// TestModerationBadInput: empty and oversized reasons, unknown actions, actions on removed
// messages and members who left: clear refusals, and no audit entry.
func TestModerationBadInput(t *testing.T) {
	w := newModWorld(t)
	id := w.post(t, w.ana, "to be removed")
	idS := strconv.FormatInt(id, 10)
	n := auditCount(t, w.app)
	for _, tc := range []struct {
		what string
		form url.Values
		path string
		want int
	}{
		{"empty reason", url.Values{"reason": {"  "}}, "/mod/messages/" + idS + "/hide", http.StatusBadRequest},
		{"long reason", url.Values{"reason": {strings.Repeat("é", 501)}}, "/mod/messages/" + idS + "/hide", http.StatusBadRequest},
		{"unknown action", url.Values{"action": {"exile"}, "reason": {"x"}}, "/mod/groups/welcome/members/" + strconv.FormatInt(w.ids["ana"], 10) + "/sanction", http.StatusBadRequest},
		{"bad duration", url.Values{"action": {"mute"}, "duration": {"forever-ish"}, "reason": {"x"}}, "/mod/groups/welcome/members/" + strconv.FormatInt(w.ids["ana"], 10) + "/sanction", http.StatusBadRequest},
	} {
		r := w.gm.PostForm(tc.path, tc.form)
		if r.Status != tc.want {
			t.Errorf("%s: status %d, want %d: %.300s", tc.what, r.Status, tc.want, r.Body)
		}
	}
	mustStatus(t, w.admin.PostForm("/mod/groups/welcome/members/"+strconv.FormatInt(w.ids["admin"], 10)+"/sanction",
		url.Values{"action": {"warn"}, "reason": {"x"}}), http.StatusConflict, "an action on oneself")
	// The author removes the message; hiding it then is a clear 404.
	mustStatus(t, w.ana.PostForm("/groups/welcome/messages/"+idS+"/delete", url.Values{}), http.StatusOK, "delete")
	mustStatus(t, w.gm.PostForm("/mod/messages/"+idS+"/hide", url.Values{"reason": {"x"}}), http.StatusNotFound, "hide removed")
	// Ben leaves; muting or removing him is a clear 409.
	mustStatus(t, w.ben.PostForm("/groups/welcome/leave", url.Values{}), http.StatusSeeOther, "leave")
	for _, action := range []string{"mute", "remove"} {
		r := w.gm.PostForm("/mod/groups/welcome/members/"+strconv.FormatInt(w.ids["ben"], 10)+"/sanction",
			url.Values{"action": {action}, "duration": {"1h"}, "reason": {"x"}})
		if r.Status != http.StatusConflict || !strings.Contains(r.Body, "not in the group") {
			t.Errorf("%s a member who left: %d %.200s", action, r.Status, r.Body)
		}
	}
	if got := auditCount(t, w.app); got != n {
		t.Fatalf("refused actions wrote %d audit entries", got-n)
	}
}

// TestModerationGroupModeratorScope: a group moderator reviews and acts in their own group
// only; site moderators handle reports from private groups without becoming members.
func TestModerationGroupModeratorScope(t *testing.T) {
	w := newModWorld(t)
	ctx := context.Background()
	// A private group with its own members and moderator.
	owner := w.app.Member("owner")
	ownerID := userID(t, w.app, "owner")
	priv, err := w.app.Store.CreateGroup(ctx, store.GroupInput{Slug: "quiet", Name: "Quiet", Guidelines: "g", Visibility: store.Private}, ownerID)
	if err != nil {
		t.Fatal(err)
	}
	carl := w.app.Member("carl")
	if err := w.app.Store.Join(ctx, priv.ID, userID(t, w.app, "carl")); err != nil {
		t.Fatal(err)
	}
	cws := mustDial(t, w.app, carl, "quiet", "?after=0")
	cws.send("something worrying in private", "priv-1-client")
	cws.until(waitLong, "private message", func() bool { return len(cws.seqs) == 1 })
	msgs, _ := w.app.Store.MessagesAfter(ctx, priv.ID, 0, 10)
	pid := strconv.FormatInt(msgs[0].ID, 10)
	mustStatus(t, owner.PostForm("/groups/quiet/messages/"+pid+"/report", url.Values{"reason": {"harassment"}}), http.StatusCreated, "report in private")

	// welcome's moderator does not see it, nor act on it, nor read its audit.
	if strings.Contains(w.gm.Get("/mod").Body, "something worrying") {
		t.Fatal("a moderator of another group sees the private group's report")
	}
	items, _, _ := w.app.Store.Queue(ctx, store.ReportScope{All: true}, 0, 10, 0)
	rid := strconv.FormatInt(items[0].ReportID, 10)
	mustStatus(t, w.gm.PostForm("/mod/reports/"+rid+"/claim", url.Values{}), http.StatusForbidden, "claim another group's report")
	mustStatus(t, w.gm.PostForm("/mod/messages/"+pid+"/hide", url.Values{"reason": {"x"}}), http.StatusNotFound, "hide in a group they cannot see")

	// A site moderator sees it with its context, acts from the queue, and still cannot read the group.
	sm := w.app.Member("sitemod")
	if err := w.app.Store.SetRole(ctx, userID(t, w.app, "sitemod"), store.RoleModerator); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sm.Get("/mod").Body, "something worrying in private") {
		t.Fatal("the site moderator does not see the private group's reported message")
	}
	mustStatus(t, sm.Get("/groups/quiet"), http.StatusNotFound, "site moderator reads the private group")
	mustStatus(t, sm.PostForm("/mod/messages/"+pid+"/hide", url.Values{"reason": {"Harassment"}, "report": {rid}}), http.StatusSeeOther, "site moderator hides from the queue")
	cws.until(waitLong, "hidden in the private room", func() bool { return strings.Contains(cws.msgs[msgs[0].ID], "hidden by a moderator") })

	// The audit log: the group moderator sees their group's entries only; admins all.
	mustStatus(t, w.gm.PostForm("/mod/groups/welcome/members/"+strconv.FormatInt(w.ids["ana"], 10)+"/sanction",
		url.Values{"action": {"warn"}, "reason": {"Be gentle"}}), http.StatusSeeOther, "warn")
	gmAudit := w.gm.Get("/mod/audit").Body
	if !strings.Contains(gmAudit, "Be gentle") || strings.Contains(gmAudit, "Harassment") {
		t.Fatal("the group moderator's audit log is not limited to their group")
	}
	adminAudit := w.admin.Get("/mod/audit").Body
	if !strings.Contains(adminAudit, "Be gentle") || !strings.Contains(adminAudit, "Harassment") {
		t.Fatal("the admin's audit log is not complete")
	}
	byMod := w.admin.Get("/mod/audit?moderator=" + strconv.FormatInt(w.ids["gm"], 10)).Body
	if !strings.Contains(byMod, "Be gentle") || strings.Contains(byMod, "Harassment") {
		t.Fatal("the moderator filter does not filter")
	}
	mustStatus(t, w.ana.Get("/mod/audit"), http.StatusForbidden, "member audit")
}

// TestModerationWarningIsPrivate: a warning shows as a banner on the member's next page,
// privately, until they read it on their notices page; it is on their record.
func TestModerationWarningIsPrivate(t *testing.T) {
	w := newModWorld(t)
	mustStatus(t, w.gm.PostForm("/mod/groups/welcome/members/"+strconv.FormatInt(w.ids["ana"], 10)+"/sanction",
		url.Values{"action": {"warn"}, "reason": {"Please keep advice about medication out of the room"}}), http.StatusSeeOther, "warn")
	if !strings.Contains(w.ana.Get("/groups").Body, "A moderator has left you a notice") {
		t.Fatal("no banner on the warned member's next page")
	}
	if strings.Contains(w.ben.Get("/groups").Body, "left you a notice") {
		t.Fatal("another member sees the banner")
	}
	if !strings.Contains(w.ana.Get("/notices").Body, "medication out of the room") {
		t.Fatal("the warning is not on the member's notices page")
	}
	if strings.Contains(w.ana.Get("/groups").Body, "left you a notice") {
		t.Fatal("the banner stays after the notice was read")
	}
	list, err := w.app.Store.SanctionsOf(context.Background(), w.ids["ana"])
	if err != nil || len(list) != 1 || list[0].Kind != store.SanctionWarn {
		t.Fatalf("record: %+v %v", list, err)
	}
}

// TestModerationLiftFromRoomSettings: the room settings list the mutes in force; lifting
// one lets the member post again at once, and is audited.
func TestModerationLiftFromRoomSettings(t *testing.T) {
	w := newModWorld(t)
	mustStatus(t, w.gm.PostForm("/mod/groups/welcome/members/"+strconv.FormatInt(w.ids["ana"], 10)+"/sanction",
		url.Values{"action": {"mute"}, "duration": {""}, "reason": {"Pause"}}), http.StatusSeeOther, "mute")
	doc := w.gm.Get("/mod/groups/welcome").Doc(t)
	action, ok := doc.Find(".active-sanction form").Attr("action")
	if !ok || !strings.Contains(doc.Find(".active-sanction").Text(), "peer_ana") {
		t.Fatal("the mute is not listed on the room settings")
	}
	mustStatus(t, w.ben.PostForm(action, url.Values{"reason": {"x"}}), http.StatusForbidden, "a member lifts")
	mustStatus(t, w.gm.PostForm(action, url.Values{"reason": {"Talked it through"}}), http.StatusSeeOther, "lift")
	mustStatus(t, w.gm.PostForm(action, url.Values{"reason": {"again"}}), http.StatusConflict, "lift twice")
	ws := mustDial(t, w.app, w.ana, "welcome", "?after=0")
	ws.send("thank you", "lift-1-client")
	ws.until(waitLong, "a message after the lift", func() bool { return len(ws.acked) > 0 })
	es, _ := w.app.Store.Audit(context.Background(), store.AuditFilter{Scope: store.ReportScope{All: true}, TargetID: w.ids["ana"]})
	if len(es) != 2 || es[0].Action != "lift:mute" || es[0].Reason != "Talked it through" {
		t.Fatalf("audit: %+v", es)
	}
}

// TestModerationReportMember: a report about a member (from their message's dialog) is one
// per reporter while open, never about oneself, and reaches the queue as a report about the
// member with no message.
func TestModerationReportMember(t *testing.T) {
	w := newModWorld(t)
	id := w.post(t, w.ana, "hello")
	path := "/groups/welcome/messages/" + strconv.FormatInt(id, 10) + "/report"
	mustStatus(t, w.ben.PostForm(path, url.Values{"about": {"member"}, "reason": {"harassment"}, "note": {"keeps messaging me"}}), http.StatusCreated, "report member")
	mustStatus(t, w.ben.PostForm(path, url.Values{"about": {"member"}, "reason": {"other"}}), http.StatusConflict, "second member report")
	mustStatus(t, w.ana.PostForm(path, url.Values{"about": {"member"}, "reason": {"other"}}), http.StatusBadRequest, "report oneself")
	mustStatus(t, w.ben.PostForm(path, url.Values{"about": {"everyone"}, "reason": {"other"}}), http.StatusBadRequest, "unknown subject")
	items, _, err := w.app.Store.Queue(context.Background(), store.ReportScope{All: true}, 0, 10, 0)
	if err != nil || len(items) != 1 || items[0].MessageID != 0 || items[0].SubjectID != w.ids["ana"] || items[0].Notes[0] != "keeps messaging me" {
		t.Fatalf("queue: %+v %v", items, err)
	}
	if !strings.Contains(w.gm.Get("/mod").Body, "Report about peer_ana") {
		t.Fatal("the member report is not in the queue")
	}
}
