package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

// goalFixture: ana sets goals; ben is her buddy; cat shares the group "walkers" with her;
// dan belongs to another group only; the admin (first account) belongs to nothing.
type goalFixture struct {
	t                         *testing.T
	app                       *handlerstest.App
	admin, ana, ben, cat, dan *handlerstest.Client
	id                        map[string]int64
	walkers, other            store.Group
}

func newGoalFixture(t *testing.T) *goalFixture {
	t.Helper()
	ctx := context.Background()
	app := newChatApp(t)
	f := &goalFixture{t: t, app: app, id: map[string]int64{}}
	f.admin = app.Member("admin")
	f.ana, f.ben, f.cat, f.dan = app.Member("ana"), app.Member("ben"), app.Member("cat"), app.Member("dan")
	for _, n := range []string{"admin", "ana", "ben", "cat", "dan"} {
		f.id[n] = userID(t, app, n)
	}
	var err error
	if f.walkers, err = app.Store.CreateGroup(ctx, store.GroupInput{Slug: "walkers", Name: "Walkers", Guidelines: "Be kind.", Visibility: store.Public}, f.id["cat"]); err != nil {
		t.Fatal(err)
	}
	if f.other, err = app.Store.CreateGroup(ctx, store.GroupInput{Slug: "other", Name: "Other", Guidelines: "Be kind.", Visibility: store.Public}, f.id["dan"]); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"ana", "ben"} {
		if err := app.Store.Join(ctx, f.walkers.ID, f.id[n]); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// goal creates a goal through the form as c and returns its id.
func (f *goalFixture) goal(c *handlerstest.Client, form url.Values) int64 {
	f.t.Helper()
	r := c.PostForm("/goals/new", form)
	if r.Status != http.StatusSeeOther {
		f.t.Fatalf("create goal: status %d: %.500s", r.Status, r.Body)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(r.Header.Get("Location"), "/goals/"), 10, 64)
	if err != nil {
		f.t.Fatalf("create goal: location %q", r.Header.Get("Location"))
	}
	return id
}

func (f *goalFixture) walkGoal(vis string, buddy bool) int64 {
	form := url.Values{"title": {"Walk every morning"}, "why": {"Fresh air helps"}, "visibility": {vis},
		"group_id": {fmt.Sprint(f.walkers.ID)}, "milestones": {"Walk to the corner\nWalk round the block\nWalk to the park"}}
	if buddy {
		form.Set("buddy_id", fmt.Sprint(f.id["ben"]))
	}
	return f.goal(f.ana, form)
}

// advance moves the clock and logs the members in again (their sessions last a day in
// tests).
func (f *goalFixture) advance(d time.Duration) {
	f.app.Clock.Advance(d)
	for n, c := range map[string]*handlerstest.Client{"admin": f.admin, "ana": f.ana, "ben": f.ben, "cat": f.cat, "dan": f.dan} {
		if r := c.Login(n, handlerstest.Password); r.Status != http.StatusSeeOther {
			f.t.Fatalf("log %s in again: %d", n, r.Status)
		}
	}
}

func (f *goalFixture) milestones(goal int64) []store.Milestone {
	f.t.Helper()
	ms, err := f.app.Store.Milestones(context.Background(), goal)
	if err != nil {
		f.t.Fatal(err)
	}
	return ms
}

func (f *goalFixture) load(goal int64) store.Goal {
	f.t.Helper()
	g, err := f.app.Store.GoalFor(context.Background(), goal, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	return g
}

// post sends a copy of form (PostForm fills in the client's CSRF token).
func post(c *handlerstest.Client, path string, form url.Values) *handlerstest.Response {
	cp := url.Values{}
	for k, v := range form {
		cp[k] = v
	}
	return c.PostForm(path, cp)
}

func gp(id int64, rest string) string { return "/goals/" + strconv.FormatInt(id, 10) + rest }

func orderOf(ms []store.Milestone) string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = strconv.FormatInt(m.ID, 10)
	}
	return strings.Join(ids, ",")
}

func expectStatus(t *testing.T, what string, r *handlerstest.Response, want int, contains ...string) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %d, want %d: %.400s", what, r.Status, want, r.Body)
	}
	for _, s := range contains {
		if !strings.Contains(r.Body, s) {
			t.Errorf("%s: body lacks %q", what, s)
		}
	}
}

// The whole life of a goal, step by step; days of progress are kept across a pause and a
// restart.
func TestGoalLifecycle(t *testing.T) {
	f := newGoalFixture(t)
	id := f.walkGoal("private", false)
	ms := f.milestones(id)
	if len(ms) != 3 || ms[0].Title != "Walk to the corner" {
		t.Fatalf("milestones: %+v", ms)
	}
	steps := []struct {
		name    string
		path    string
		form    url.Values
		status  int
		after   func()
		page    []string // on the goal page afterwards
		notPage []string
	}{
		{name: "add a step", path: gp(id, "/milestones"), form: url.Values{"title": {"Walk to the river"}}, status: 303,
			page: []string{"Walk to the river"}},
		{name: "move the third step up", path: gp(id, fmt.Sprintf("/milestones/%d/move", ms[2].ID)),
			form: url.Values{"dir": {"up"}, "order": {""}}, status: 303, after: func() {
				got := f.milestones(id)
				if got[1].ID != ms[2].ID || got[2].ID != ms[1].ID {
					t.Errorf("order after move: %v", orderOf(got))
				}
			}},
		{name: "rename a step", path: gp(id, fmt.Sprintf("/milestones/%d/edit", ms[0].ID)), form: url.Values{"title": {"Walk to the gate"}},
			status: 303, page: []string{"Walk to the gate"}, notPage: []string{"Walk to the corner"}},
		{name: "check a step off", path: gp(id, fmt.Sprintf("/milestones/%d/check", ms[0].ID)), form: url.Values{"done": {"yes"}},
			status: 303, page: []string{"1 of 4 steps", "reached “Walk to the gate”"}},
		{name: "post an update with a feeling", path: gp(id, "/updates"), form: url.Values{"note": {"Rainy but I went"}, "feeling": {"4"}},
			status: 303, page: []string{"Rainy but I went", "Feeling: Good"}},
		{name: "pause", path: gp(id, "/state"), form: url.Values{"action": {"pause"}}, status: 303,
			after: func() { f.advance(5 * 24 * time.Hour) },
			page:  []string{"This goal is paused. Starting again is part of recovery"}},
		{name: "start again", path: gp(id, "/state"), form: url.Values{"action": {"restart"}}, status: 303,
			after: func() { f.advance(36 * time.Hour) },
			page:  []string{"started again", "class=\"chart-restart\""}},
		{name: "complete", path: gp(id, "/state"), form: url.Values{"action": {"complete"}}, status: 303,
			page: []string{"You did it! This goal is complete."}},
		{name: "complete twice is refused", path: gp(id, "/state"), form: url.Values{"action": {"complete"}}, status: 409},
		{name: "archive", path: gp(id, "/state"), form: url.Values{"action": {"archive"}}, status: 303, page: []string{"archived"}},
	}
	for _, s := range steps {
		if s.name == "move the third step up" {
			s.form.Set("order", orderOf(f.milestones(id)))
		}
		r := f.ana.PostForm(s.path, s.form)
		if r.Status != s.status {
			t.Fatalf("%s: status %d, want %d: %.400s", s.name, r.Status, s.status, r.Body)
		}
		if s.after != nil {
			s.after()
		}
		page := f.ana.Get(gp(id, ""))
		for _, want := range s.page {
			if !strings.Contains(page.Body, want) {
				t.Errorf("%s: goal page lacks %q", s.name, want)
			}
		}
		for _, not := range s.notPage {
			if strings.Contains(page.Body, not) {
				t.Errorf("%s: goal page still shows %q", s.name, not)
			}
		}
	}
	// Active for the time before the pause (a moment) and 36 h after the restart: two days
	// (rounded); the five paused days do not count, and nothing was lost by restarting.
	g := f.load(id)
	if d := g.DaysOfProgress(f.app.Store.Now()); d != 2 {
		t.Errorf("days of progress after pause and restart: %d, want 2", d)
	}
	if g.Restarts != 1 || g.State != store.GoalArchived {
		t.Errorf("goal after lifecycle: restarts %d, state %s", g.Restarts, g.State)
	}
	list := f.ana.Get("/goals")
	expectStatus(t, "my goals", list, 200, "Walk every morning", "archived", `<progress max="100" value="25"`)
}

// Restarting keeps the days already made: 3 days, a restart, 2 more days is 5 in total.
func TestGoalRestartKeepsTotals(t *testing.T) {
	f := newGoalFixture(t)
	id := f.walkGoal("private", false)
	f.advance(3 * 24 * time.Hour)
	expectStatus(t, "restart", f.ana.PostForm(gp(id, "/state"), url.Values{"action": {"restart"}}), 303)
	f.advance(2 * 24 * time.Hour)
	expectStatus(t, "page", f.ana.Get(gp(id, "")), 200, "5 days of progress in total", "Starting again is part of recovery")
}

// Every goal route, for a private goal with a buddy, a goal shared with a group and a goal
// shared with all members, as owner, buddy, group peer, stranger and admin.
func TestGoalRoutesVisibility(t *testing.T) {
	f := newGoalFixture(t)
	priv := f.walkGoal("private", true)
	group := f.walkGoal("group", false)
	all := f.walkGoal("members", false)
	m := f.milestones(priv)[0].ID
	type who struct {
		name string
		c    *handlerstest.Client
	}
	people := []who{{"owner", f.ana}, {"buddy", f.ben}, {"peer", f.cat}, {"stranger", f.dan}, {"admin", f.admin}}
	// sees[goal][person]
	sees := map[int64]map[string]bool{
		priv:  {"owner": true, "buddy": true},
		group: {"owner": true, "buddy": true, "peer": true}, // ben is in walkers too
		all:   {"owner": true, "buddy": true, "peer": true, "stranger": true, "admin": true},
	}
	for goal, seers := range sees {
		for _, p := range people {
			r := p.c.Get(gp(goal, ""))
			want := http.StatusNotFound
			if seers[p.name] {
				want = http.StatusOK
			}
			if r.Status != want {
				t.Errorf("GET goal %d as %s: %d, want %d", goal, p.name, r.Status, want)
			}
			if want == http.StatusNotFound && strings.Contains(r.Body, "Walk every morning") {
				t.Errorf("goal %d leaked to %s", goal, p.name)
			}
		}
	}
	// The private goal's every route: strangers get the 404 of a missing goal and nothing
	// changes; the buddy may encourage but not change it.
	routes := []struct {
		method, path string
		form         url.Values
		buddy        int
	}{
		{"GET", "/edit", nil, 403},
		{"POST", "/edit", url.Values{"title": {"Hijacked"}, "visibility": {"members"}}, 403},
		{"POST", "/milestones", url.Values{"title": {"x"}}, 403},
		{"POST", fmt.Sprintf("/milestones/%d/edit", m), url.Values{"title": {"x"}}, 403},
		{"POST", fmt.Sprintf("/milestones/%d/delete", m), url.Values{}, 403},
		{"POST", fmt.Sprintf("/milestones/%d/move", m), url.Values{"dir": {"down"}}, 403},
		{"POST", fmt.Sprintf("/milestones/%d/check", m), url.Values{}, 403},
		{"POST", "/updates", url.Values{"note": {"x"}}, 403},
		{"POST", "/state", url.Values{"action": {"pause"}}, 403},
		{"POST", "/comments/setting", url.Values{"comments": {"off"}}, 403},
		{"POST", "/react", url.Values{"kind": {"clap"}}, 303},
		{"POST", "/comments", url.Values{"body": {"You can do it"}}, 303},
		{"POST", "/comments/999999/delete", url.Values{}, 404},
	}
	before := f.load(priv)
	for _, rt := range routes {
		for _, p := range []who{{"peer", f.cat}, {"stranger", f.dan}, {"admin", f.admin}} {
			var r *handlerstest.Response
			if rt.method == "GET" {
				r = p.c.Get(gp(priv, rt.path))
			} else {
				r = post(p.c, gp(priv, rt.path), rt.form)
			}
			missing := post(p.c, gp(999999, rt.path), rt.form)
			if rt.method == "GET" {
				missing = p.c.Get(gp(999999, rt.path))
			}
			if r.Status != http.StatusNotFound || missing.Status != http.StatusNotFound {
				t.Errorf("%s %s as %s: %d (missing goal %d), want 404 for both", rt.method, rt.path, p.name, r.Status, missing.Status)
			}
		}
		var r *handlerstest.Response
		if rt.method == "GET" {
			r = f.ben.Get(gp(priv, rt.path))
		} else {
			r = post(f.ben, gp(priv, rt.path), rt.form)
		}
		if r.Status != rt.buddy {
			t.Errorf("%s %s as buddy: %d, want %d", rt.method, rt.path, r.Status, rt.buddy)
		}
	}
	after := f.load(priv)
	if after.Title != before.Title || after.Visibility != before.Visibility || after.State != before.State || after.Milestones != before.Milestones || after.Done != before.Done {
		t.Errorf("refused requests changed the goal: %+v -> %+v", before, after)
	}
	// Nobody but the owner and buddy finds the private goal in a list or on a board.
	for _, p := range []who{{"peer", f.cat}, {"stranger", f.dan}, {"admin", f.admin}} {
		if body := p.c.Get("/goals").Body; strings.Contains(body, gp(priv, "\"")) {
			t.Errorf("private goal listed on /goals for %s", p.name)
		}
	}
	if body := f.ben.Get("/goals").Body; !strings.Contains(body, gp(priv, "\"")) {
		t.Errorf("the buddy's /goals does not list the goal they support")
	}
	board := f.cat.Get("/groups/walkers/goals").Body
	if strings.Contains(board, gp(priv, "\"")) || strings.Contains(board, gp(all, "\"")) || !strings.Contains(board, gp(group, "\"")) {
		t.Errorf("board shows the wrong goals:\n%s", board)
	}
}

// Changing visibility takes effect at once; leaving the group takes the goal off its board.
func TestGoalBoardVisibilityChangesAndLeaving(t *testing.T) {
	f := newGoalFixture(t)
	id := f.walkGoal("group", false)
	link := gp(id, "\"")
	ms := f.milestones(id)
	expectStatus(t, "check", f.ana.PostForm(gp(id, fmt.Sprintf("/milestones/%d/check", ms[0].ID)), url.Values{}), 303)
	board := f.cat.Get("/groups/walkers/goals")
	expectStatus(t, "board", board, 200, link, "reached “Walk to the corner” on")
	// The board is for members only.
	expectStatus(t, "board as outsider", f.dan.Get("/groups/walkers/goals"), 403)

	edit := url.Values{"title": {"Walk every morning"}, "visibility": {"private"}}
	expectStatus(t, "make private", f.ana.PostForm(gp(id, "/edit"), edit), 303)
	board = f.cat.Get("/groups/walkers/goals")
	if strings.Contains(board.Body, link) || strings.Contains(board.Body, "Walk to the corner") {
		t.Errorf("a goal made private is still on the board or in its feed")
	}
	expectStatus(t, "peer after private", f.cat.Get(gp(id, "")), 404)

	edit.Set("visibility", "group")
	edit.Set("group_id", fmt.Sprint(f.walkers.ID))
	expectStatus(t, "share again", f.ana.PostForm(gp(id, "/edit"), edit), 303)
	expectStatus(t, "board again", f.cat.Get("/groups/walkers/goals"), 200, link)

	expectStatus(t, "leave", f.ana.PostForm("/groups/walkers/leave", url.Values{}), 303)
	board = f.cat.Get("/groups/walkers/goals")
	if strings.Contains(board.Body, link) {
		t.Errorf("a goal stays on the board after its owner left the group")
	}
	expectStatus(t, "peer after leaving", f.cat.Get(gp(id, "")), 404)
	// Sharing with a group one does not belong to is refused, and nothing is written.
	edit.Set("group_id", fmt.Sprint(f.other.ID))
	expectStatus(t, "share with a foreign group", f.ana.PostForm(gp(id, "/edit"), edit), 422, "only with a group you belong to")
}

// The board's "days of progress" is exact: it turns from 1 to 2 at 36 hours of progress
// (rounded to the nearest day), between two views a few minutes apart in the same hour, with
// the board cached in between.
func TestGoalBoardDaysOfProgressIsExact(t *testing.T) {
	f := newGoalFixture(t)
	now := f.app.Clock.Now()
	f.advance(now.Truncate(time.Hour).Add(90 * time.Minute).Sub(now)) // to hh:30, so the views below share an hour
	id := f.walkGoal("group", false)
	days := func(when string) string {
		t.Helper()
		card := f.cat.Get("/groups/walkers/goals").Doc(t).Find(fmt.Sprintf("#goal-card-%d", id))
		if card.Length() != 1 {
			t.Fatalf("%s: the goal is not on the board", when)
		}
		_, after, _ := strings.Cut(card.Find("p.muted").Text(), "· ")
		_, after, _ = strings.Cut(after, "· ")
		return strings.Join(strings.Fields(after), " ")
	}
	f.advance(36*time.Hour - 2*time.Minute)
	if got := days("before"); got != "1 day of progress" {
		t.Fatalf("at 35h58m: %q", got)
	}
	if got := days("before, cached"); got != "1 day of progress" {
		t.Fatalf("at 35h58m, again: %q", got)
	}
	f.app.Clock.Advance(4 * time.Minute) // nothing written in between: only time passed
	if got := days("after"); got != "2 days of progress" {
		t.Fatalf("at 36h02m: %q", got)
	}
}

// Reactions, comments, comments off, deleting comments.
func TestGoalEncouragement(t *testing.T) {
	f := newGoalFixture(t)
	id := f.walkGoal("group", false)
	expectStatus(t, "cheer", f.cat.PostForm(gp(id, "/react"), url.Values{"kind": {"clap"}, "next": {"/groups/walkers/goals"}}), 303)
	expectStatus(t, "strong", f.ben.PostForm(gp(id, "/react"), url.Values{"kind": {"strong"}}), 303)
	expectStatus(t, "bad kind", f.ben.PostForm(gp(id, "/react"), url.Values{"kind": {"thumbsdown"}}), 400, "Choose one of the reactions")
	page := f.cat.Get(gp(id, ""))
	expectStatus(t, "page", page, 200, `aria-label="Well done (1)"`, `aria-label="Stay strong (1)"`)
	// A second press takes it back.
	expectStatus(t, "uncheer", f.cat.PostForm(gp(id, "/react"), url.Values{"kind": {"clap"}}), 303)
	expectStatus(t, "page", f.cat.Get(gp(id, "")), 200, `aria-label="Well done (0)"`)

	expectStatus(t, "comment", f.cat.PostForm(gp(id, "/comments"), url.Values{"body": {"Proud of you"}}), 303)
	expectStatus(t, "empty comment", f.cat.PostForm(gp(id, "/comments"), url.Values{"body": {"  "}}), 422, "Write a few kind words first.")
	expectStatus(t, "huge comment", f.cat.PostForm(gp(id, "/comments"), url.Values{"body": {strings.Repeat("a", 501)}}), 422, "under 500")
	expectStatus(t, "comments off", f.ana.PostForm(gp(id, "/comments/setting"), url.Values{"comments": {"off"}}), 303)
	expectStatus(t, "comment while off", f.ben.PostForm(gp(id, "/comments"), url.Values{"body": {"Go on"}}), 403, "turned comments off")
	cs, _ := f.app.Store.GoalComments(context.Background(), id)
	if len(cs) != 1 {
		t.Fatalf("comments: %d, want 1 (nothing written while off)", len(cs))
	}
	expectStatus(t, "stranger deletes", f.dan.PostForm(gp(id, fmt.Sprintf("/comments/%d/delete", cs[0].ID)), url.Values{}), 404)
	expectStatus(t, "owner deletes", f.ana.PostForm(gp(id, fmt.Sprintf("/comments/%d/delete", cs[0].ID)), url.Values{}), 303)
	if cs, _ := f.app.Store.GoalComments(context.Background(), id); len(cs) != 0 {
		t.Errorf("comment not deleted")
	}
}

// Bad input gets a clear message and writes nothing.
func TestGoalBadInput(t *testing.T) {
	f := newGoalFixture(t)
	yesterday := f.app.Store.Now().AddDate(0, 0, -3).Format("2006-01-02")
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"empty title", url.Values{"title": {" "}, "visibility": {"private"}}, "Give your goal a short title"},
		{"huge title", url.Values{"title": {strings.Repeat("w", 121)}, "visibility": {"private"}}, "under 120 characters"},
		{"past date", url.Values{"title": {"Walk"}, "visibility": {"private"}, "target_date": {yesterday}}, "That date has passed"},
		{"unparseable date", url.Values{"title": {"Walk"}, "visibility": {"private"}, "target_date": {"next tuesday"}}, "year-month-day"},
		{"no visibility", url.Values{"title": {"Walk"}}, "Choose who can see this goal"},
		{"foreign group", url.Values{"title": {"Walk"}, "visibility": {"group"}, "group_id": {fmt.Sprint(f.other.ID)}}, "only with a group you belong to"},
		{"buddy from nowhere", url.Values{"title": {"Walk"}, "visibility": {"private"}, "buddy_id": {fmt.Sprint(f.id["dan"])}}, "from a group you share"},
		{"too many steps", url.Values{"title": {"Walk"}, "visibility": {"private"}, "milestones": {strings.Repeat("step\n", 31)}}, "Thirty steps at most"},
	} {
		r := f.ana.PostForm("/goals/new", tc.form)
		expectStatus(t, tc.name, r, 422, tc.want)
		if r.Doc(t).Find(`[aria-invalid="true"]`).Length() == 0 {
			t.Errorf("%s: no field marked invalid", tc.name)
		}
	}
	if gs, _ := f.app.Store.GoalsOf(context.Background(), f.id["ana"]); len(gs) != 0 {
		t.Fatalf("refused forms wrote %d goals", len(gs))
	}
	id := f.walkGoal("private", false)
	other := f.goal(f.ana, url.Values{"title": {"Sleep by eleven"}, "visibility": {"private"}, "milestones": {"Phone away at ten"}})
	ms := f.milestones(id)
	foreign := f.milestones(other)[0].ID
	stale := orderOf(ms[:2])
	expectStatus(t, "move with a stale order", f.ana.PostForm(gp(id, fmt.Sprintf("/milestones/%d/move", ms[1].ID)), url.Values{"dir": {"up"}, "order": {stale}}), 409, "changed in another window")
	expectStatus(t, "move a foreign step", f.ana.PostForm(gp(id, fmt.Sprintf("/milestones/%d/move", foreign)), url.Values{"dir": {"up"}, "order": {orderOf(ms)}}), 404, "not part of this goal")
	expectStatus(t, "check a foreign step", f.ana.PostForm(gp(id, fmt.Sprintf("/milestones/%d/check", foreign)), url.Values{}), 404, "not part of this goal")
	expectStatus(t, "update with a foreign step", f.ana.PostForm(gp(id, "/updates"), url.Values{"milestone_id": {fmt.Sprint(foreign)}}), 404)
	expectStatus(t, "bad direction", f.ana.PostForm(gp(id, fmt.Sprintf("/milestones/%d/move", ms[1].ID)), url.Values{"dir": {"sideways"}, "order": {orderOf(ms)}}), 400)
	expectStatus(t, "empty step", f.ana.PostForm(gp(id, "/milestones"), url.Values{"title": {""}}), 422, "Write the step")
	expectStatus(t, "empty update", f.ana.PostForm(gp(id, "/updates"), url.Values{"note": {""}}), 422, "Write a few words")
	expectStatus(t, "feeling off the scale", f.ana.PostForm(gp(id, "/updates"), url.Values{"note": {"ok"}, "feeling": {"9"}}), 422, "Choose how you feel")
	expectStatus(t, "encourage a goal I cannot see", f.cat.PostForm(gp(id, "/react"), url.Values{"kind": {"clap"}}), 404)
	if got := f.milestones(id); orderOf(got) != orderOf(ms) || got[0].Done() || f.milestones(other)[0].Done() {
		t.Errorf("refused requests changed the steps")
	}
	if ev, _ := f.app.Store.GoalEvents(context.Background(), id); len(ev) != 1 {
		t.Errorf("refused requests wrote history: %d events", len(ev))
	}
	if rs, _ := f.app.Store.GoalReactions(context.Background(), id, 0); rs[0].Count != 0 {
		t.Errorf("a member who cannot see the goal reacted to it")
	}
}

// A buddy who no longer shares a group with the goal's owner loses access at once: every
// route of a private goal answers them the 404 of a missing goal, the goal leaves their
// lists, the news they had of it is hidden and no more reaches them. The buddy is kept,
// dormant: the owner is told, may keep them on an edit, and access comes back when the
// two share a group again.
func TestGoalFormerBuddyLosesAccess(t *testing.T) {
	f := newGoalFixture(t)
	priv := f.walkGoal("private", true) // ana's, ben her buddy; both in walkers only
	ms := f.milestones(priv)
	expectStatus(t, "check", post(f.ana, gp(priv, fmt.Sprintf("/milestones/%d/check", ms[0].ID)), url.Values{}), 303)
	if n := f.unread("ben"); n != 1 {
		t.Fatalf("buddy unread before: %d", n)
	}
	expectStatus(t, "buddy sees", f.ben.Get(gp(priv, "")), 200, "Walk every morning")

	expectStatus(t, "ben leaves", post(f.ben, "/groups/walkers/leave", url.Values{}), 303)

	m := ms[1].ID
	for _, rt := range []struct{ method, path string }{
		{"GET", ""}, {"GET", "/edit"}, {"POST", "/edit"}, {"POST", "/milestones"},
		{"POST", fmt.Sprintf("/milestones/%d/edit", m)}, {"POST", fmt.Sprintf("/milestones/%d/delete", m)},
		{"POST", fmt.Sprintf("/milestones/%d/move", m)}, {"POST", fmt.Sprintf("/milestones/%d/check", m)},
		{"POST", "/updates"}, {"POST", "/state"}, {"POST", "/comments/setting"}, {"POST", "/react"},
		{"POST", "/comments"}, {"POST", "/comments/999999/delete"},
	} {
		form := url.Values{"title": {"Hijacked"}, "visibility": {"members"}, "note": {"x"}, "body": {"x"}, "kind": {"clap"}, "action": {"pause"}}
		var r, missing *handlerstest.Response
		if rt.method == "GET" {
			r, missing = f.ben.Get(gp(priv, rt.path)), f.ben.Get(gp(999999, rt.path))
		} else {
			r, missing = post(f.ben, gp(priv, rt.path), form), post(f.ben, gp(999999, rt.path), form)
		}
		if r.Status != http.StatusNotFound || missing.Status != http.StatusNotFound || r.Body != missing.Body {
			t.Errorf("%s %s as the former buddy: %d (missing goal %d, same body %v), want the same 404",
				rt.method, rt.path, r.Status, missing.Status, r.Body == missing.Body)
		}
	}
	if body := f.ben.Get("/goals").Body; strings.Contains(body, gp(priv, "\"")) {
		t.Error("the former buddy's /goals still lists the goal")
	}
	// The news they had is hidden (the bell too), and no more comes.
	if n, ns := f.unread("ben"), f.notices("ben"); n != 0 || len(ns) != 0 {
		t.Errorf("the former buddy still has news of the goal: %d unread, %+v", n, ns)
	}
	if doc := f.ben.Get("/goals").Doc(t); doc.Find("#bell").AttrOr("data-unread", "") != "0" {
		t.Errorf("the bell still counts news of the goal: %q", doc.Find("#bell").AttrOr("data-unread", ""))
	}
	expectStatus(t, "check again", post(f.ana, gp(priv, fmt.Sprintf("/milestones/%d/check", ms[1].ID)), url.Values{}), 303)
	if n, ns := f.unread("ben"), f.notices("ben"); n != 0 || len(ns) != 0 {
		t.Errorf("a milestone reached the former buddy: %d unread, %+v", n, ns)
	}
	if body := f.ben.Get("/notifications").Body; strings.Contains(body, "Walk every morning") {
		t.Error("the goal's title still reaches the former buddy")
	}

	// The owner is told; the buddy is kept, dormant, and an edit may keep them.
	expectStatus(t, "owner's page", f.ana.Get(gp(priv, "")), 200, "no longer shares a group with you")
	if opt := f.ana.Get(gp(priv, "/edit")).Doc(t).Find(`#f-buddy_id option[selected]`); opt.AttrOr("value", "") != fmt.Sprint(f.id["ben"]) {
		t.Errorf("the edit form drops the dormant buddy: selected %q", opt.AttrOr("value", ""))
	}
	expectStatus(t, "edit keeping the buddy", post(f.ana, gp(priv, "/edit"), url.Values{"title": {"Walk every day"}, "visibility": {"private"},
		"buddy_id": {fmt.Sprint(f.id["ben"])}}), 303)
	if g := f.load(priv); g.BuddyID != f.id["ben"] || g.BuddyShares {
		t.Fatalf("after the edit: buddy %d, shares %v", g.BuddyID, g.BuddyShares)
	}
	// Choosing someone who shares no group is still refused.
	expectStatus(t, "a stranger as buddy", post(f.ana, gp(priv, "/edit"), url.Values{"title": {"Walk every day"}, "visibility": {"private"},
		"buddy_id": {fmt.Sprint(f.id["dan"])}}), 422)

	// Sharing a group again wakes the buddy up.
	expectStatus(t, "ben joins again", post(f.ben, "/groups/walkers/join", url.Values{"accept_guidelines": {"yes"}}), 303)
	if g, err := f.app.Store.GoalFor(context.Background(), priv, f.id["ben"]); err != nil || !g.BuddyShares {
		t.Fatalf("after joining again: %+v, %v", g, err)
	}
	expectStatus(t, "buddy again", f.ben.Get(gp(priv, "")), 200, "Walk every day")
	// What happened while they were dormant never reached them: only the first step's news.
	if ns := f.notices("ben"); len(ns) != 1 || ns[0].Items != 1 || ns[0].Detail != ms[0].Title {
		t.Errorf("news written while the buddy was dormant: %+v", ns)
	}
}
