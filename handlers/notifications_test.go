package handlers_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

func (f *goalFixture) notices(c string) []store.Notification {
	f.t.Helper()
	ns, err := f.app.Store.Notifications(context.Background(), f.id[c], 100, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	return ns
}

func (f *goalFixture) unread(c string) int {
	f.t.Helper()
	n, err := f.app.Store.UnreadCount(context.Background(), f.id[c])
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// Each kind of notification, coalescing, marking read, settings, and nothing leaked.
func TestNotificationsKindsAndCoalescing(t *testing.T) {
	f := newGoalFixture(t)
	ctx := context.Background()
	id := f.walkGoal("members", true) // ben is the buddy
	// Three people cheer, one of them twice (two kinds): one notification.
	for _, c := range []*handlerstest.Client{f.cat, f.dan, f.admin} {
		expectStatus(t, "cheer", post(c, gp(id, "/react"), url.Values{"kind": {"clap"}}), 303)
	}
	expectStatus(t, "cheer again", post(f.cat, gp(id, "/react"), url.Values{"kind": {"heart"}}), 303)
	// The owner's own reaction tells nobody.
	expectStatus(t, "own cheer", post(f.ana, gp(id, "/react"), url.Values{"kind": {"grow"}}), 303)
	page := f.ana.Get("/notifications")
	expectStatus(t, "notifications", page, 200, "3 people cheered Walk every morning")
	if n := f.unread("ana"); n != 1 {
		t.Errorf("unread after three cheers: %d, want 1 (coalesced)", n)
	}
	// Comments: one member twice.
	expectStatus(t, "comment", post(f.cat, gp(id, "/comments"), url.Values{"body": {"Go you"}}), 303)
	expectStatus(t, "comment", post(f.cat, gp(id, "/comments"), url.Values{"body": {"Again!"}}), 303)
	expectStatus(t, "notifications", f.ana.Get("/notifications"), 200, "peer_cat left 2 comments on Walk every morning")
	// The buddy hears of a milestone; the peer who is not the buddy does not.
	ms := f.milestones(id)
	expectStatus(t, "check", post(f.ana, gp(id, fmt.Sprintf("/milestones/%d/check", ms[0].ID)), url.Values{}), 303)
	expectStatus(t, "buddy", f.ben.Get("/notifications"), 200, "peer_ana reached a step of Walk every morning: Walk to the corner")
	if ns := f.notices("cat"); len(ns) != 0 {
		t.Errorf("a peer who is not the buddy got %d notifications: %+v", len(ns), ns)
	}
	// A join request decided.
	priv, err := f.app.Store.CreateGroup(ctx, store.GroupInput{Slug: "quiet", Name: "Quiet room", Guidelines: "Be kind.", Visibility: store.Private}, f.id["cat"])
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"dan", "ben"} {
		if err := f.app.Store.RequestToJoin(ctx, priv.ID, f.id[who], ""); err != nil {
			t.Fatal(err)
		}
	}
	expectStatus(t, "approve", post(f.cat, fmt.Sprintf("/groups/quiet/requests/%d/approve", f.id["dan"]), url.Values{}), 303)
	expectStatus(t, "deny", post(f.cat, fmt.Sprintf("/groups/quiet/requests/%d/deny", f.id["ben"]), url.Values{}), 303)
	expectStatus(t, "approved", f.dan.Get("/notifications"), 200, "Your request to join Quiet room was approved")
	expectStatus(t, "declined", f.ben.Get("/notifications"), 200, "Your request to join Quiet room was not accepted")

	// Opening a notification marks it read and leads to its subject.
	ns := f.notices("ana")
	r := post(f.ana, fmt.Sprintf("/notifications/%d/read", ns[0].ID), url.Values{})
	if r.Status != 303 || r.Header.Get("Location") != gp(id, "") {
		t.Errorf("open notification: %d to %q", r.Status, r.Header.Get("Location"))
	}
	if n := f.unread("ana"); n != 1 {
		t.Errorf("unread after opening one of two: %d", n)
	}
	// Another member's notification is not found, and stays unread.
	expectStatus(t, "open another's", post(f.cat, fmt.Sprintf("/notifications/%d/read", ns[1].ID), url.Values{}), 404)
	expectStatus(t, "read all", post(f.ana, "/notifications/read", url.Values{}), 303)
	if n := f.unread("ana"); n != 0 {
		t.Errorf("unread after read all: %d", n)
	}
	// News after reading starts a new notification.
	expectStatus(t, "uncheer", post(f.dan, gp(id, "/react"), url.Values{"kind": {"clap"}}), 303)
	expectStatus(t, "cheer", post(f.dan, gp(id, "/react"), url.Values{"kind": {"strong"}}), 303)
	if ns := f.notices("ana"); len(ns) != 3 || ns[0].Read || who(ns[0]) != "peer_dan" {
		t.Errorf("notifications after new news: %+v", ns)
	}

	// Settings: encouragement off, nothing more is written; buddy news still comes.
	expectStatus(t, "settings", post(f.ana, "/notifications/settings", url.Values{"buddy": {"on"}, "mention": {"on"}, "join_request": {"on"}, "moderation": {"on"}}), 303)
	expectStatus(t, "settings page", f.ana.Get("/notifications"), 200)
	if f.ana.Get("/notifications").Doc(t).Find(`input[name="encouragement"]:checked`).Length() != 0 {
		t.Errorf("encouragement still shown on")
	}
	before := len(f.notices("ana"))
	expectStatus(t, "read all", post(f.ana, "/notifications/read", url.Values{}), 303)
	expectStatus(t, "comment", post(f.dan, gp(id, "/comments"), url.Values{"body": {"Keep going"}}), 303)
	if got := len(f.notices("ana")); got != before || f.unread("ana") != 0 {
		t.Errorf("switched-off kind still notified: %d notifications (was %d), %d unread", got, before, f.unread("ana"))
	}
}

func who(n store.Notification) string {
	if len(n.Actors) == 0 {
		return ""
	}
	return n.Actors[0]
}

// A notification is removed with its subject, and never shows a goal its recipient may no
// longer see.
func TestNotificationsFollowTheirSubject(t *testing.T) {
	f := newGoalFixture(t)
	id := f.walkGoal("members", true)
	expectStatus(t, "comment", post(f.cat, gp(id, "/comments"), url.Values{"body": {"Proud of you"}}), 303)
	if n := f.unread("ana"); n != 1 {
		t.Fatalf("unread: %d", n)
	}
	cs, _ := f.app.Store.GoalComments(context.Background(), id)
	expectStatus(t, "delete comment", post(f.ana, gp(id, fmt.Sprintf("/comments/%d/delete", cs[0].ID)), url.Values{}), 303)
	if n, ns := f.unread("ana"), f.notices("ana"); n != 0 || len(ns) != 0 {
		t.Errorf("a deleted comment's notification stays: %d unread, %+v", n, ns)
	}
	// The buddy's notification goes when they stop being the buddy; the goal made private
	// never reaches them again.
	ms := f.milestones(id)
	expectStatus(t, "check", post(f.ana, gp(id, fmt.Sprintf("/milestones/%d/check", ms[0].ID)), url.Values{}), 303)
	if n := f.unread("ben"); n != 1 {
		t.Fatalf("buddy unread: %d", n)
	}
	expectStatus(t, "drop buddy", post(f.ana, gp(id, "/edit"), url.Values{"title": {"Walk every morning"}, "visibility": {"private"}}), 303)
	if n, ns := f.unread("ben"), f.notices("ben"); n != 0 || len(ns) != 0 {
		t.Errorf("a former buddy still sees news of a private goal: %d unread, %+v", n, ns)
	}
	if body := f.ben.Get("/notifications").Body; strings.Contains(body, "Walk every morning") {
		t.Errorf("the goal's title reached a member who may not see it")
	}
	// Deleting the goal removes every notification about it.
	expectStatus(t, "cheer", post(f.cat, gp(id, "/react"), url.Values{"kind": {"clap"}}), 404) // private now
	g := f.load(id)
	if err := f.app.Store.DeleteGoal(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	if ns := f.notices("ana"); len(ns) != 0 {
		t.Errorf("notifications of a deleted goal: %+v", ns)
	}
}

// The unread count costs no database round trip per page: after the first page it is
// served from memory until the member's notifications change.
func TestUnreadCountFromMemory(t *testing.T) {
	f := newGoalFixture(t)
	id := f.walkGoal("members", false)
	f.ana.Get("/goals")
	base := f.app.Store.UnreadCountLoads()
	for i := 0; i < 20; i++ {
		f.ana.Get("/goals")
		f.ana.Get("/groups")
	}
	if got := f.app.Store.UnreadCountLoads(); got != base {
		t.Fatalf("40 pages cost %d count queries, want 0", got-base)
	}
	expectStatus(t, "cheer", post(f.cat, gp(id, "/react"), url.Values{"kind": {"clap"}}), 303)
	page := f.ana.Get("/goals")
	if got := page.Doc(t).Find("#bell-count").Text(); got != "1" {
		t.Errorf("bell shows %q after a cheer, want 1", got)
	}
	for i := 0; i < 10; i++ {
		f.ana.Get("/goals")
	}
	// The change cost exactly one reload for ana (others' pages may load their own).
	if got := f.app.Store.UnreadCountLoads() - base; got < 1 || got > 3 {
		t.Errorf("count queries after one change: %d, want one per member who looked", got)
	}
}

// sseReader reads "unread" events of a notification stream.
type sseReader struct {
	t      *testing.T
	events chan string
	cancel func()
}

func openStream(t *testing.T, c *handlerstest.Client) *sseReader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req := c.NewRequest(http.MethodGet, "/notifications/stream", nil).WithContext(ctx)
	res, err := c.HTTP.Do(req)
	if err != nil || res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("open stream: %v %v", err, res)
	}
	s := &sseReader{t: t, events: make(chan string, 16), cancel: cancel}
	go func() {
		defer res.Body.Close()
		defer close(s.events)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				s.events <- d
			}
		}
	}()
	t.Cleanup(cancel)
	return s
}

func (s *sseReader) next(what string) string {
	s.t.Helper()
	select {
	case e, ok := <-s.events:
		if !ok {
			s.t.Fatalf("%s: stream ended", what)
		}
		return e
	case <-time.After(10 * time.Second):
		s.t.Fatalf("%s: no event within 10 s", what)
	}
	return ""
}

// A notification reaches its recipient's open page live, and nobody else's.
func TestNotificationStreamLive(t *testing.T) {
	f := newGoalFixture(t)
	id := f.walkGoal("members", false)
	ana, cat := openStream(t, f.ana), openStream(t, f.cat)
	if e := ana.next("ana's first count"); e != "0" {
		t.Fatalf("first count %q", e)
	}
	if e := cat.next("cat's first count"); e != "0" {
		t.Fatalf("first count %q", e)
	}
	expectStatus(t, "cheer", post(f.dan, gp(id, "/react"), url.Values{"kind": {"clap"}}), 303)
	if e := ana.next("ana after a cheer"); e != "1" {
		t.Errorf("ana's count after a cheer: %q", e)
	}
	// Cat hears nothing of it: the next thing cat's stream says is about cat's own goal.
	catGoal := f.goal(f.cat, url.Values{"title": {"Sleep by eleven"}, "visibility": {"members"}})
	expectStatus(t, "cheer cat", post(f.dan, gp(catGoal, "/react"), url.Values{"kind": {"heart"}}), 303)
	if e := cat.next("cat after their own cheer"); e != "1" {
		t.Errorf("cat's stream: %q, want 1 (only their own news)", e)
	}
	// Reading takes the count down live.
	expectStatus(t, "read all", post(f.ana, "/notifications/read", url.Values{}), 303)
	if e := ana.next("ana after reading"); e != "0" {
		t.Errorf("ana's count after reading: %q", e)
	}
	// Logging out ends the stream.
	expectStatus(t, "logout", post(f.ana, "/logout", url.Values{}), 303)
	select {
	case _, ok := <-ana.events:
		if ok {
			t.Errorf("stream sent more after logout")
		}
	case <-time.After(10 * time.Second):
		t.Errorf("stream still open 10 s after logout")
	}
}

// readUntilGoalLive reads a group socket until a goal board frame arrives.
func readUntilGoalLive(t *testing.T, ws *websocket.Conn, groupID int64) {
	t.Helper()
	want := fmt.Sprintf(`id="goal-live-%d"`, groupID)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_ = ws.SetReadDeadline(deadline)
		_, b, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("no goal board frame: %v", err)
		}
		if strings.Contains(string(b), want) {
			return
		}
	}
}

// A milestone reaches the other board viewers live through the group's socket; a change to
// a private goal sends nothing; the frame holds nothing about the goal.
func TestGoalBoardLive(t *testing.T) {
	f := newGoalFixture(t)
	shared := f.walkGoal("group", false)
	private := f.walkGoal("private", false)
	catWS := mustDial(t, f.app, f.cat, "walkers", "?after=0")
	benWS := mustDial(t, f.app, f.ben, "walkers", "?after=0")
	// A private goal's step sends nothing: the next frame cat's socket carries after it is
	// ben's chat message, not a board update (a socket's frames keep their order).
	ms := f.milestones(private)
	expectStatus(t, "check private", post(f.ana, gp(private, fmt.Sprintf("/milestones/%d/check", ms[0].ID)), url.Values{}), 303)
	benWS.send("a marker message", "marker-1")
	deadline := time.Now().Add(10 * time.Second)
	for {
		_ = catWS.ws.SetReadDeadline(deadline)
		_, b, err := catWS.ws.ReadMessage()
		if err != nil {
			t.Fatalf("no marker message: %v", err)
		}
		if strings.Contains(string(b), "goal-live-") {
			t.Fatalf("a private goal's change reached the group's socket: %s", b)
		}
		if strings.Contains(string(b), "a marker message") {
			break
		}
	}
	ms = f.milestones(shared)
	expectStatus(t, "check shared", post(f.ana, gp(shared, fmt.Sprintf("/milestones/%d/check", ms[0].ID)), url.Values{}), 303)
	for _, ws := range []*wsClient{catWS, benWS} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			_ = ws.ws.SetReadDeadline(deadline)
			_, b, err := ws.ws.ReadMessage()
			if err != nil {
				t.Fatalf("no goal board frame: %v", err)
			}
			s := string(b)
			if strings.Contains(s, "goal-live-") {
				if strings.Contains(s, "Walk") {
					t.Errorf("the live frame carries the goal itself: %s", s)
				}
				break
			}
		}
	}
	// A board reload shows the milestone.
	expectStatus(t, "board", f.cat.Get("/groups/walkers/goals"), 200, "reached “Walk to the corner” on")
	// Changing visibility is live too: the board viewers are told at once.
	expectStatus(t, "make private", post(f.ana, gp(shared, "/edit"), url.Values{"title": {"Walk every morning"}, "visibility": {"private"}}), 303)
	readUntilGoalLive(t, catWS.ws, f.walkers.ID)
	if body := f.cat.Get("/groups/walkers/goals").Body; strings.Contains(body, gp(shared, "\"")) {
		t.Errorf("the goal made private is still on the board after the live update")
	}
}

// A chat mention notifies the member named, live, if they belong to the group; a
// non-member named in the same message and the author are told nothing.
func TestMentionNotifications(t *testing.T) {
	f := newGoalFixture(t)
	ana := openStream(t, f.ana)
	if e := ana.next("first count"); e != "0" {
		t.Fatalf("first count %q", e)
	}
	ws := mustDial(t, f.app, f.ben, "walkers", "?after=0")
	ws.send("@peer_dan @peer_ben @peer_ana are you walking today? (mail me@peer_cat.org)", "mention-1")
	if e := ana.next("ana after the mention"); e != "1" {
		t.Fatalf("ana's count after a mention: %q", e)
	}
	expectStatus(t, "notifications", f.ana.Get("/notifications"), 200, "peer_ben mentioned you in Walkers")
	for _, who := range []string{"dan", "ben", "cat"} {
		if ns := f.notices(who); len(ns) != 0 {
			t.Errorf("%s was told of a mention: %+v", who, ns)
		}
		// Not even written (the list would hide it anyway).
		var n int
		if err := sqlCount(f.app, &n, `SELECT COUNT(*) FROM notifications WHERE user_id = ?`, f.id[who]); err != nil || n != 0 {
			t.Errorf("%s has %d notification rows (%v)", who, n, err)
		}
	}
	// Switched off: no more mention notifications.
	expectStatus(t, "settings", post(f.ana, "/notifications/settings", url.Values{"encouragement": {"on"}}), 303)
	ws.send("@peer_ana one more", "mention-2")
	ws.send("@peer_cat and you", "mention-3")
	// cat is not in walkers: nobody is told; ana switched mentions off. Wait for the second
	// message to be looked at by mentioning a member who wants it.
	expectStatus(t, "cat joins", post(f.cat, "/groups/walkers/join", url.Values{"accept_guidelines": {"yes"}}), 303)
	ws.send("@peer_cat welcome", "mention-4")
	deadline := time.Now().Add(10 * time.Second)
	for len(f.notices("cat")) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if ns := f.notices("cat"); len(ns) != 1 || ns[0].ActorCount != 1 {
		t.Errorf("cat's notifications: %+v", ns)
	}
	if ns := f.notices("ana"); len(ns) != 1 {
		t.Errorf("ana was told of a mention after switching mentions off: %+v", ns)
	}
}

// sqlCount runs a counting query on the test database, SQLite or PostgreSQL.
func sqlCount(app *handlerstest.App, n *int, q string, args ...any) error {
	return app.Store.InTx(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow(q, args...).Scan(n)
	})
}

// The stream outlives the server's ReadTimeout (cmd/hearth sets 30 s): net/http lifts the
// read deadline for its background read while a handler runs, so an idle stream stays open.
// This guards the production server configuration, not a line of the stream's own.
func TestNotificationStreamOutlivesReadTimeout(t *testing.T) {
	f := newGoalFixture(t)
	id := f.walkGoal("members", false)
	srv := &http.Server{Handler: f.app.Handler.Router(), ReadTimeout: 200 * time.Millisecond}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/notifications/stream", nil)
	req.Header.Set("Cookie", "hearth_session="+f.ana.Cookie("hearth_session"))
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("open stream: %v %v", err, res)
	}
	defer res.Body.Close()
	lines := make(chan string, 8)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				lines <- d
			}
		}
	}()
	if e := <-lines; e != "0" {
		t.Fatalf("first count %q", e)
	}
	time.Sleep(600 * time.Millisecond) // well past the ReadTimeout
	expectStatus(t, "cheer", post(f.cat, gp(id, "/react"), url.Values{"kind": {"clap"}}), 303)
	select {
	case e, ok := <-lines:
		if !ok || e != "1" {
			t.Fatalf("after the read timeout the stream said %q (open: %v), want 1", e, ok)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
}

// A mention whose message is removed leaves the notifications again.
func TestMentionRemovedWithItsMessage(t *testing.T) {
	f := newGoalFixture(t)
	ana := openStream(t, f.ana)
	if e := ana.next("first count"); e != "0" {
		t.Fatalf("first count %q", e)
	}
	ws := mustDial(t, f.app, f.ben, "walkers", "?after=0")
	ws.send("@peer_ana see you at nine", "mention-0001")
	if e := ana.next("after the mention"); e != "1" {
		t.Fatalf("count after a mention: %q", e)
	}
	msgs, err := f.app.Store.MessagesAfter(context.Background(), f.walkers.ID, 0, 10)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages: %v %v", msgs, err)
	}
	expectStatus(t, "delete", post(f.ben, fmt.Sprintf("/groups/walkers/messages/%d/delete", msgs[0].ID), url.Values{}), 200)
	if e := ana.next("after the message was removed"); e != "0" {
		t.Fatalf("count after the message was removed: %q", e)
	}
	if ns := f.notices("ana"); len(ns) != 0 {
		t.Errorf("notifications of a removed message: %+v", ns)
	}
}
