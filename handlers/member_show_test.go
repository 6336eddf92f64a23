package handlers_test

import (
	"fmt"
	"github.com/hearth-community/hearth/handlers/handlerstest"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestMemberPage: a member page shows a display name, since when, the groups in common and
// the goals the viewer may see, to those who share a group with the member, or to everyone
// once the member shared a goal with all members; anyone else gets the 404 of a member that
// does not exist. A private goal never appears on it except for its buddy; nothing of the
// account (username, e-mail) ever does.
func TestMemberPage(t *testing.T) {
	f := newGoalFixture(t)              // ana, ben and cat share walkers; dan is in other only
	priv := f.walkGoal("private", true) // ben is the buddy
	group := f.walkGoal("group", false)
	ana := fmt.Sprintf("/members/%d", f.id["ana"])

	// Who may see ana's page.
	for _, tc := range []struct {
		who  string
		want int
	}{{"ana", 200}, {"ben", 200}, {"cat", 200}, {"dan", 404}, {"admin", 404}} {
		r := f.client(tc.who).Get(ana)
		if r.Status != tc.want {
			t.Errorf("%s views ana's page: %d, want %d", tc.who, r.Status, tc.want)
		}
		if missing := f.client(tc.who).Get("/members/999999"); tc.want == 404 && r.Body != missing.Body {
			t.Errorf("%s: ana's page is not the 404 of a missing member", tc.who)
		}
	}
	if r := f.app.Client().Get(ana); r.Status != http.StatusSeeOther {
		t.Errorf("anonymous: %d", r.Status)
	}

	// cat sees the group goal and the group in common, not the private goal.
	doc := f.cat.Get(ana).Doc(t)
	if doc.Find("h1").Text() != "peer_ana" || doc.Find(".member-since").Length() != 1 {
		t.Errorf("cat's view of ana: %q", doc.Find("h1").Text())
	}
	if g := doc.Find(".member-groups a"); g.Length() != 1 || g.AttrOr("href", "") != "/groups/walkers" {
		t.Errorf("groups in common: %d", g.Length())
	}
	body := f.cat.Get(ana).Body
	if !strings.Contains(body, gp(group, "\"")) || strings.Contains(body, gp(priv, "\"")) {
		t.Errorf("cat sees the wrong goals on ana's page")
	}
	// ben, the buddy, sees the private goal too.
	if body := f.ben.Get(ana).Body; !strings.Contains(body, gp(priv, "\"")) || !strings.Contains(body, gp(group, "\"")) {
		t.Errorf("the buddy does not see the goals they may see")
	}
	// Nothing of the account: not the username, not the e-mail.
	for _, c := range []string{"ana", "ben", "cat"} {
		if body := f.client(c).Get(ana).Body; strings.Contains(body, ">ana<") || strings.Contains(body, "@example") || strings.Contains(body, "username") {
			t.Errorf("%s's view of ana's page shows something of her account", c)
		}
	}

	// A goal shared with all members opens ana's page to everyone, with that goal only.
	all := f.walkGoal("members", false)
	r := f.dan.Get(ana)
	if r.Status != 200 || !strings.Contains(r.Body, gp(all, "\"")) || strings.Contains(r.Body, gp(priv, "\"")) || strings.Contains(r.Body, gp(group, "\"")) {
		t.Errorf("dan's view once ana shared with all: %d", r.Status)
	}
	if r.Doc(t).Find(".member-groups a").Length() != 0 {
		t.Error("dan is shown groups he does not share")
	}
	// The private goal stays off every other member's page, however its owner's pages are reached.
	for _, c := range []string{"cat", "dan", "admin"} {
		if body := f.client(c).Get(ana).Body; strings.Contains(body, gp(priv, "\"")) || strings.Contains(body, "Walk every morning</a> <span class=\"badge\">private") {
			t.Errorf("ana's private goal on her page as %s sees it", c)
		}
	}
	// The former buddy, once they share no group, no longer sees it either.
	expectStatus(t, "ben leaves", post(f.ben, "/groups/walkers/leave", url.Values{}), 303)
	if body := f.ben.Get(ana).Body; strings.Contains(body, gp(priv, "\"")) {
		t.Error("the former buddy still sees the private goal on ana's page")
	}

	// Display names link to member pages: on the board and on a goal.
	if a := f.cat.Get("/groups/walkers/goals").Doc(t).Find(fmt.Sprintf("#goal-card-%d a.member-link", group)); a.AttrOr("href", "") != ana {
		t.Errorf("the board's card does not link its owner: %q", a.AttrOr("href", ""))
	}
	if a := f.cat.Get(gp(group, "")).Doc(t).Find("a.member-link"); a.AttrOr("href", "") != ana {
		t.Errorf("the goal page does not link its owner")
	}
	// And in the chat: cat's message links to cat's page.
	ws := mustDial(t, f.app, f.cat, "walkers", "?after=0")
	ws.send("Hello walkers", "member-page-link-1")
	ws.until(waitLong, "the message is committed", func() bool { return len(ws.seqs) == 1 })
	catPage := fmt.Sprintf("/members/%d", f.id["cat"])
	if a := f.cat.Get("/groups/walkers").Doc(t).Find("#messages .msg a.msg-author"); a.AttrOr("href", "") != catPage {
		t.Errorf("the chat's author name does not link the member page: %q", a.AttrOr("href", ""))
	}
}

func (f *goalFixture) client(name string) *handlerstest.Client {
	return map[string]*handlerstest.Client{"admin": f.admin, "ana": f.ana, "ben": f.ben, "cat": f.cat, "dan": f.dan}[name]
}
