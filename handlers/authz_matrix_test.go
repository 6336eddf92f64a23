package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/hearth-community/hearth/handlers"
	"github.com/hearth-community/hearth/handlers/handlerstest"
	"github.com/hearth-community/hearth/store"
)

// The authorization matrix: every route of the router, as every kind of visitor, against a
// public and a private group. A route that is added to the router without a row here fails
// TestAuthorizationMatrixCoversEveryRoute, so nobody can forget one.

// role is a kind of visitor, described by the facts the policy looks at.
type role struct {
	name   string
	anon   bool
	member bool // of the group under test
	gmod   bool // group moderator of the group under test
	site   store.Role
}

var matrixRoles = []role{
	{name: "anonymous", anon: true},
	{name: "member", member: true, site: store.RoleMember},
	{name: "group moderator", member: true, gmod: true, site: store.RoleMember},
	{name: "non-member", site: store.RoleMember},
	{name: "former member", site: store.RoleMember},
	{name: "member of another group", site: store.RoleMember},
	{name: "moderator of another group", site: store.RoleMember},
	{name: "site moderator", site: store.RoleModerator},
	{name: "admin", site: store.RoleAdmin},
}

// access names the outcomes of the policy for a group route, in order of the checks.
type access struct {
	anon         int // logged out
	hidden       int // a private group the visitor does not belong to (must be 404)
	nonMember    int // a public group's plain non-member
	member       int // a plain member
	groupMod     int // the group's own moderator
	siteMod      int // site moderators who can see the group (not its members)
	admin        int // admins who are not members: they see every group, not its chat
	adminPrivate int // the same on a private group, where it differs (0: as admin)
}

// expect is the status the policy must give role r on a group of visibility vis.
func (a access) expect(r role, vis store.Visibility) int {
	switch {
	case r.anon:
		return a.anon
	case r.site == store.RoleAdmin && !r.member:
		if vis == store.Private && a.adminPrivate != 0 {
			return a.adminPrivate
		}
		return a.admin
	case vis == store.Private && !r.member:
		return a.hidden
	case r.gmod:
		return a.groupMod
	case r.site.AtLeast(store.RoleModerator) && !r.member:
		return a.siteMod
	case r.member:
		return a.member
	}
	return a.nonMember
}

// groupRoute is one row of the matrix for routes under /groups/:slug.
type groupRoute struct {
	method, path string // path with {slug} and {msg}
	form         url.Values
	access       access
}

const (
	get303  = http.StatusSeeOther // a logged-out GET is sent to the login page
	post401 = http.StatusUnauthorized
	s404    = http.StatusNotFound
	s403    = http.StatusForbidden
	s200    = http.StatusOK
	s422    = http.StatusUnprocessableEntity
	s201    = http.StatusCreated
	s204    = http.StatusNoContent
	s409    = http.StatusConflict
	s400    = http.StatusBadRequest
)

var groupRoutes = []groupRoute{
	{"GET", "/groups/{slug}", nil, access{anon: get303, hidden: s404, nonMember: s200, member: s200, groupMod: s200, siteMod: s200, admin: s200}},
	// Without the guidelines ticked a join is refused with 422 after the policy let it through.
	{"POST", "/groups/{slug}/join", url.Values{}, access{anon: post401, hidden: s404, nonMember: s422, member: get303, groupMod: get303, siteMod: s422, admin: s422, adminPrivate: s403}},
	{"POST", "/groups/{slug}/leave", url.Values{}, access{anon: post401, hidden: s404, nonMember: get303, member: get303, groupMod: get303, siteMod: get303, admin: get303}},
	{"GET", "/groups/{slug}/edit", nil, access{anon: get303, hidden: s404, nonMember: s403, member: s403, groupMod: s403, siteMod: s200, admin: s200}},
	{"POST", "/groups/{slug}/edit", url.Values{}, access{anon: post401, hidden: s404, nonMember: s403, member: s403, groupMod: s403, siteMod: s422, admin: s422}},
	{"POST", "/groups/{slug}/archive", url.Values{"archived": {"no"}}, access{anon: post401, hidden: s404, nonMember: s403, member: s403, groupMod: s403, siteMod: get303, admin: get303}},
	// Without the name typed a delete is refused with 422 after the policy let it through.
	{"POST", "/groups/{slug}/delete", url.Values{}, access{anon: post401, hidden: s404, nonMember: s403, member: s403, groupMod: s403, siteMod: s403, admin: s422}},
	{"GET", "/groups/{slug}/manage", nil, access{anon: get303, hidden: s404, nonMember: s403, member: s403, groupMod: s200, siteMod: s200, admin: s200}},
	{"POST", "/groups/{slug}/invites", url.Values{}, access{anon: post401, hidden: s404, nonMember: s403, member: s403, groupMod: s422, siteMod: s422, admin: s422}},
	// An unknown link: managers are told it has ended.
	{"POST", "/groups/{slug}/invites/999999/revoke", url.Values{}, access{anon: post401, hidden: s404, nonMember: s403, member: s403, groupMod: s404, siteMod: s404, admin: s404}},
	{"POST", "/groups/{slug}/requests/1/approve", url.Values{}, access{anon: post401, hidden: s404, nonMember: s403, member: s403, groupMod: get303, siteMod: get303, admin: get303}},
	// Retention is for admins only, on groups they can see; a bad number is refused with 422.
	{"GET", "/groups/{slug}/retention", nil, access{anon: get303, hidden: s404, nonMember: s403, member: s403, groupMod: s403, siteMod: s403, admin: s200}},
	{"POST", "/groups/{slug}/retention", url.Values{"days": {"many"}}, access{anon: post401, hidden: s404, nonMember: s403, member: s403, groupMod: s403, siteMod: s403, admin: s422}},
	{"GET", "/groups/{slug}/members", nil, access{anon: get303, hidden: s404, nonMember: s403, member: s403, groupMod: s200, siteMod: s200, admin: s200}},
	// {member} is the plain member.
	{"POST", "/groups/{slug}/members/{member}/remove", url.Values{}, access{anon: post401, hidden: s404, nonMember: s403, member: s403, groupMod: get303, siteMod: get303, admin: get303}},
	{"POST", "/groups/{slug}/members/{member}/moderator", url.Values{"moderator": {"off"}}, access{anon: post401, hidden: s404, nonMember: s403, member: s403, groupMod: s403, siteMod: s403, admin: get303}},
	// Reading the chat needs membership, public group or not, admins included.
	{"GET", "/groups/{slug}/messages?before=1000000", nil, access{anon: get303, hidden: s404, nonMember: s403, member: s200, groupMod: s200, siteMod: s403, admin: s403}},
	{"GET", "/groups/{slug}/messages/{msg}", nil, access{anon: get303, hidden: s404, nonMember: s403, member: s200, groupMod: s200, siteMod: s403, admin: s403}},
	// {msg} is written by the plain member: only its author may change it.
	{"GET", "/groups/{slug}/messages/{msg}/edit", nil, access{anon: get303, hidden: s404, nonMember: s403, member: s200, groupMod: s403, siteMod: s403, admin: s403}},
	{"POST", "/groups/{slug}/messages/{msg}/edit", url.Values{"body": {""}}, access{anon: post401, hidden: s404, nonMember: s403, member: s422, groupMod: s403, siteMod: s403, admin: s403}},
	{"POST", "/groups/{slug}/messages/{msg}/delete", url.Values{}, access{anon: post401, hidden: s404, nonMember: s403, member: s200, groupMod: s403, siteMod: s403, admin: s403}},
	{"POST", "/groups/{slug}/messages/{msg}/react", url.Values{"kind": {"heart"}}, access{anon: post401, hidden: s404, nonMember: s403, member: http.StatusNoContent, groupMod: http.StatusNoContent, siteMod: s403, admin: s403}},
	// The goal board is member-only content, like the chat.
	{"GET", "/groups/{slug}/goals", nil, access{anon: get303, hidden: s404, nonMember: s403, member: s200, groupMod: s200, siteMod: s403, admin: s403}},
	{"GET", "/groups/{slug}/ws", nil, access{anon: get303, hidden: s404, nonMember: s403, member: http.StatusSwitchingProtocols, groupMod: http.StatusSwitchingProtocols, siteMod: s403, admin: s403}},
	// Reporting: whoever reads the chat ({msg} is the plain member's own message, which
	// they may report as a care concern).
	{"GET", "/groups/{slug}/messages/{msg}/report", nil, access{anon: get303, hidden: s404, nonMember: s403, member: s200, groupMod: s200, siteMod: s403, admin: s403}},
	{"POST", "/groups/{slug}/messages/{msg}/report", url.Values{"reason": {"spam"}}, access{anon: post401, hidden: s404, nonMember: s403, member: s201, groupMod: s201, siteMod: s403, admin: s403}},
	// Moderation of a group: its moderators, site moderators and admins who can see it.
	{"GET", "/mod/groups/{slug}", nil, access{anon: get303, hidden: s404, nonMember: s403, member: s403, groupMod: s200, siteMod: s200, admin: s200}},
	{"POST", "/mod/groups/{slug}/lock", url.Values{"locked": {"off"}, "reason": {"r"}}, access{anon: post401, hidden: s404, nonMember: s403, member: s403, groupMod: get303, siteMod: get303, admin: get303}},
	{"POST", "/mod/groups/{slug}/slow-mode", url.Values{"seconds": {"0"}, "reason": {"r"}}, access{anon: post401, hidden: s404, nonMember: s403, member: s403, groupMod: get303, siteMod: get303, admin: get303}},
	{"POST", "/mod/groups/{slug}/facilitated", url.Values{"facilitated": {"off"}, "reason": {"r"}}, access{anon: post401, hidden: s404, nonMember: s403, member: s403, groupMod: get303, siteMod: get303, admin: get303}},
	// {member} is the plain member: a warning lands on their record.
	{"POST", "/mod/groups/{slug}/members/{member}/sanction", url.Values{"action": {"warn"}, "reason": {"r"}}, access{anon: post401, hidden: s404, nonMember: s403, member: s403, groupMod: get303, siteMod: get303, admin: get303}},
	// A message's original, and hiding or restoring it (not hidden: 409).
	{"GET", "/mod/messages/{msg}", nil, access{anon: get303, hidden: s404, nonMember: s403, member: s403, groupMod: s200, siteMod: s200, admin: s200}},
	{"POST", "/mod/messages/{msg}/hide", url.Values{"reason": {"r"}}, access{anon: post401, hidden: s404, nonMember: s403, member: s403, groupMod: get303, siteMod: get303, admin: get303}},
	{"POST", "/mod/messages/{msg}/restore", url.Values{"reason": {"r"}}, access{anon: post401, hidden: s404, nonMember: s403, member: s403, groupMod: s409, siteMod: s409, admin: s409}},
	{"POST", "/mod/messages/{msg}/approve", url.Values{}, access{anon: post401, hidden: s404, nonMember: s403, member: s403, groupMod: s409, siteMod: s409, admin: s409}},
	{"POST", "/mod/messages/{msg}/reject", url.Values{"reason": {"r"}}, access{anon: post401, hidden: s404, nonMember: s403, member: s403, groupMod: s409, siteMod: s409, admin: s409}},
}

// siteRoute is one row of the matrix for the routes outside groups: the status for a
// logged-out visitor, a plain member, a site moderator and an admin.
type siteRoute struct {
	method, path                 string
	form                         url.Values
	anon, member, siteMod, admin int
}

var siteRoutes = []siteRoute{
	{"GET", "/healthz", nil, s200, s200, s200, s200},
	{"GET", "/favicon.ico", nil, http.StatusFound, http.StatusFound, http.StatusFound, http.StatusFound},
	{"GET", "/static/*", nil, s404, s404, s404, s404}, // an unknown asset; known ones are in static_test
	{"GET", "/", nil, s200, s200, s200, s200},
	{"GET", "/welcome", nil, get303, get303, get303, s200}, // the first admin's next steps; others go to the groups
	{"GET", "/help", nil, s200, s200, s200, s200},
	{"GET", "/resources", nil, s200, s200, s200, s200},
	// The library. :slug is a published resource (made in TestAuthorizationMatrixSiteRoutes),
	// :id an unknown toolkit item or revision; hidden resources are in TestLibraryHiddenParity.
	{"GET", "/resources/new", nil, get303, s200, s200, s200},
	{"POST", "/resources/new", url.Values{}, post401, s422, s422, s422},
	{"GET", "/resources/toolkit", nil, get303, s200, s200, s200},
	{"POST", "/resources/toolkit/:id/note", url.Values{}, post401, s404, s404, s404},
	{"POST", "/resources/toolkit/:id/move", url.Values{"dir": {"up"}}, post401, s404, s404, s404},
	{"POST", "/resources/toolkit/:id/remove", url.Values{}, post401, s404, s404, s404},
	{"GET", "/resources/review", nil, get303, s403, s200, s200},
	{"GET", "/resources/:slug", nil, s200, s200, s200, s200},
	{"POST", "/resources/:slug/helped", url.Values{}, post401, get303, get303, get303},
	{"POST", "/resources/:slug/toolkit", url.Values{}, post401, get303, get303, get303},
	// Without a group chosen; the group parity (404 private, 403 public) is in TestResourceShare.
	{"POST", "/resources/:slug/share", url.Values{}, post401, s422, s422, s422},
	{"GET", "/resources/:slug/edit", nil, get303, s403, s200, s200},
	{"POST", "/resources/:slug/edit", url.Values{}, post401, s403, s422, s422},
	{"POST", "/resources/:slug/status", url.Values{}, post401, s403, s422, s422},
	{"GET", "/resources/:slug/revisions", nil, get303, s403, s200, s200},
	{"POST", "/resources/:slug/revisions/:id/restore", url.Values{}, post401, s403, s404, s404},
	// Without the box ticked a delete is refused with 422 after the policy let it through.
	{"POST", "/resources/:slug/delete", url.Values{}, post401, s403, s403, s422},
	{"GET", "/goals", nil, s200, s200, s200, s200},
	{"GET", "/goals/new", nil, get303, s200, s200, s200},
	{"POST", "/goals/new", url.Values{}, post401, s422, s422, s422},
	// An unknown goal (999999): the same 404 as a goal one may not see; real goals as owner,
	// buddy, group member and stranger are in TestGoalRoutesVisibility.
	{"GET", "/goals/:id", nil, get303, s404, s404, s404},
	{"GET", "/goals/:id/edit", nil, get303, s404, s404, s404},
	{"POST", "/goals/:id/edit", url.Values{}, post401, s404, s404, s404},
	{"POST", "/goals/:id/milestones", url.Values{}, post401, s404, s404, s404},
	{"POST", "/goals/:id/milestones/:mid/edit", url.Values{}, post401, s404, s404, s404},
	{"POST", "/goals/:id/milestones/:mid/delete", url.Values{}, post401, s404, s404, s404},
	{"POST", "/goals/:id/milestones/:mid/move", url.Values{}, post401, s404, s404, s404},
	{"POST", "/goals/:id/milestones/:mid/check", url.Values{}, post401, s404, s404, s404},
	{"POST", "/goals/:id/updates", url.Values{}, post401, s404, s404, s404},
	{"POST", "/goals/:id/state", url.Values{}, post401, s404, s404, s404},
	{"POST", "/goals/:id/react", url.Values{}, post401, s404, s404, s404},
	{"POST", "/goals/:id/comments", url.Values{}, post401, s404, s404, s404},
	{"POST", "/goals/:id/comments/:cid/delete", url.Values{}, post401, s404, s404, s404},
	{"POST", "/goals/:id/comments/setting", url.Values{}, post401, s404, s404, s404},
	// Reporting a comment: a real goal's comments (own, others', private goal) are in
	// TestGoalCommentReports.
	{"GET", "/goals/:id/comments/:cid/report", nil, get303, s404, s404, s404},
	{"POST", "/goals/:id/comments/:cid/report", url.Values{"reason": {"spam"}}, post401, s404, s404, s404},
	// An unknown member (999999): the same 404 as a member one may not see (TestMemberPage).
	{"GET", "/members/:id", nil, get303, s404, s404, s404},
	{"GET", "/notifications", nil, get303, s200, s200, s200},
	{"GET", "/notifications/stream", nil, get303, s200, s200, s200}, // the status only: it stays open
	{"POST", "/notifications/read", url.Values{}, post401, get303, get303, get303},
	{"POST", "/notifications/settings", url.Values{}, post401, get303, get303, get303},
	{"POST", "/notifications/:id/read", url.Values{}, post401, s404, s404, s404},
	{"GET", "/register", nil, s200, get303, get303, get303},
	{"POST", "/register", url.Values{}, s422, s422, s422, s422},
	{"GET", "/login", nil, s200, get303, get303, get303},
	{"POST", "/login", url.Values{}, s422, s422, s422, s422},
	{"GET", "/account", nil, get303, s200, s200, s200},
	// Social login, with GitHub configured (no request reaches GitHub here). Starting sends
	// the browser to the provider; a callback without a flow of this browser is refused;
	// the choose-a-name step needs a pending sign-up; the whole flow is in auth_social_test.
	{"POST", "/auth/:provider/login", url.Values{}, get303, get303, get303, get303},
	{"POST", "/auth/:provider/link", url.Values{}, post401, get303, get303, get303},
	{"GET", "/auth/:provider/callback", nil, s400, s400, s400, s400},
	{"GET", "/auth/join", nil, s400, get303, get303, get303},
	{"POST", "/auth/join", url.Values{}, s400, get303, get303, get303},
	{"POST", "/account/logins/:id/unlink", url.Values{}, post401, s404, s404, s404},
	{"GET", "/admin/login", nil, get303, s403, s403, s200},
	{"POST", "/admin/login", url.Values{"local_registration": {"open"}}, post401, s403, s403, get303},
	{"POST", "/account/sessions/999999/end", url.Values{}, post401, s404, s404, s404},
	{"POST", "/account/name", url.Values{}, post401, s422, s422, s422},
	{"POST", "/account/password", url.Values{}, post401, s422, s422, s422},
	{"GET", "/groups", nil, get303, s200, s200, s200},
	{"GET", "/groups/new", nil, get303, s403, s200, s200},
	{"POST", "/groups/new", url.Values{}, post401, s403, s422, s422},
	{"GET", "/invites/:token", nil, get303, s404, s404, s404}, // an unknown token; real ones in TestGroupInviteAndRequestFlow
	{"POST", "/invites/:token", url.Values{}, post401, s404, s404, s404},
	{"POST", "/invites/:token/request", url.Values{}, post401, s404, s404, s404},
	{"GET", "/admin/users", nil, get303, s403, s403, s200},
	{"POST", "/admin/users/:id/role", url.Values{"role": {"member"}}, post401, s403, s403, s404},
	// An unknown reset link; real ones in TestPasswordResetThroughAdminLink.
	{"GET", "/reset/:token", nil, s404, s404, s404, s404},
	{"POST", "/reset/:token", url.Values{}, s404, s404, s404, s404},
	{"POST", "/admin/users/:id/reset", url.Values{}, post401, s403, s403, s404},
	{"GET", "/crisis/phrases", nil, get303, s200, s200, s200},
	{"POST", "/account/content-warnings", url.Values{}, post401, s422, s422, s422},
	// A member's own data: the privacy page and the goodbye page are for everyone; the
	// export is one's own; a deletion without its confirmation is refused (422).
	{"GET", "/privacy", nil, s200, s200, s200, s200},
	{"GET", "/account/deleted", nil, s200, s200, s200, s200},
	{"POST", "/account/export", url.Values{}, post401, s200, s200, s200},
	{"GET", "/account/delete", nil, get303, s200, s200, s200},
	{"POST", "/account/delete", url.Values{}, post401, s422, s422, s422},
	{"GET", "/admin/crisis", nil, get303, s403, s403, s200},
	{"POST", "/admin/crisis", url.Values{}, post401, s403, s403, s422}, // no crisis line: refused
	{"GET", "/admin/filter", nil, get303, s403, s403, s200},
	{"POST", "/admin/filter", url.Values{}, post401, s403, s403, s422},
	{"POST", "/admin/filter/:id/delete", url.Values{}, post401, s403, s403, s404},
	// Moderation outside a group: the queue and the audit log for whoever reviews reports
	// (a plain member 403); unknown ids 404 once the viewer may review; suspending is for
	// admins. A group moderator's view is in TestModerationGroupModeratorScope.
	{"GET", "/mod", nil, get303, s403, s200, s200},
	{"GET", "/mod/queue/new", nil, get303, s403, s204, s204},
	{"GET", "/mod/audit", nil, get303, s403, s200, s200},
	{"POST", "/mod/reports/:id/claim", url.Values{}, post401, s403, s404, s404},
	{"POST", "/mod/reports/:id/resolve", url.Values{"outcome": {"no_action"}}, post401, s403, s404, s404},
	// Hiding a goal comment: site moderators and admins (a group moderator is refused in
	// TestGoalCommentReports' queue scope; reports of comments belong to no group).
	{"POST", "/mod/comments/:id/hide", url.Values{"reason": {"r"}}, post401, s403, s404, s404},
	{"POST", "/mod/users/:user/suspend", url.Values{"reason": {"r"}}, post401, s403, s403, s404},
	{"POST", "/mod/sanctions/:id/lift", url.Values{"reason": {"r"}}, post401, s403, s404, s404},
	{"POST", "/mod/appeals/:id/decide", url.Values{"outcome": {"upheld"}, "reason": {"r"}}, post401, s403, s404, s404},
	// The crisis nudge's check-in, and a member's own notices and appeals.
	{"POST", "/care/check-in", url.Values{}, post401, s200, s200, s200},
	{"GET", "/notices", nil, get303, s200, s200, s200},
	{"POST", "/notices/:id/appeal", url.Values{"note": {"please"}}, post401, s404, s404, s404},
	// Logging out is last: it ends the session the rows above use.
	{"POST", "/logout", url.Values{}, get303, get303, get303, get303},
}

// routeKey is how the router names a route: method and pattern.
func routeKey(method, path string) string {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	path = strings.NewReplacer("{slug}", ":slug", "{msg}", ":id", "/requests/1/approve", "/requests/:user/:decision",
		"/sessions/999999/", "/sessions/:id/", "/invites/999999/", "/invites/:id/", "{member}", ":user").Replace(path)
	return method + " " + path
}

func TestAuthorizationMatrixCoversEveryRoute(t *testing.T) {
	app := handlerstest.New(t)
	known := map[string]bool{}
	for _, r := range groupRoutes {
		known[routeKey(r.method, r.path)] = true
	}
	for _, r := range siteRoutes {
		known[routeKey(r.method, r.path)] = true
	}
	var missing []string
	for _, r := range app.Handler.Router().Routes() {
		if r.Method == "echo_route_not_found" || strings.HasPrefix(r.Method, "echo_") {
			continue
		}
		if !known[r.Method+" "+r.Path] {
			missing = append(missing, r.Method+" "+r.Path)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("routes missing from the authorization matrix (add a row to groupRoutes or siteRoutes):\n%s", strings.Join(missing, "\n"))
	}
}

// matrixFixture is a Hearth with one visitor per role, a public and a private group under
// test and another group, and a message by the plain member in each group under test.
type matrixFixture struct {
	t       *testing.T
	app     *handlerstest.App
	clients map[string]*handlerstest.Client
	ids     map[string]int64
	groups  map[store.Visibility]store.Group
	post    *store.Committer
}

func newMatrixFixture(t *testing.T) *matrixFixture {
	ctx := context.Background()
	app := newChatApp(t)
	f := &matrixFixture{t: t, app: app, clients: map[string]*handlerstest.Client{}, ids: map[string]int64{},
		groups: map[store.Visibility]store.Group{}}
	f.clients["anonymous"] = app.Client()
	order := []string{"admin"} // the first account becomes the admin
	for _, r := range matrixRoles {
		if !r.anon && r.name != "admin" {
			order = append(order, r.name)
		}
	}
	for i, name := range order {
		c := app.Member("user" + strconv.Itoa(i))
		u, err := app.Store.UserByUsername(ctx, "user"+strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		f.clients[name], f.ids[name] = c, u.ID
	}
	if err := app.Store.SetRole(ctx, f.ids["site moderator"], store.RoleModerator); err != nil {
		t.Fatal(err)
	}
	for _, vis := range []store.Visibility{store.Public, store.Private} {
		g, err := app.Store.CreateGroup(ctx, store.GroupInput{Slug: "test-" + string(vis), Name: "Test " + string(vis),
			Guidelines: "Be kind.", Visibility: vis}, f.ids["group moderator"])
		if err != nil {
			t.Fatal(err)
		}
		f.groups[vis] = g
	}
	other, err := app.Store.CreateGroup(ctx, store.GroupInput{Slug: "elsewhere", Name: "Elsewhere", Guidelines: "Be kind.",
		Visibility: store.Private}, f.ids["moderator of another group"])
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Store.Join(ctx, other.ID, f.ids["member of another group"]); err != nil {
		t.Fatal(err)
	}
	f.reset()
	if f.post, err = app.Store.NewCommitter(ctx, store.CommitterOptions{Logger: handlerstest.Quiet()}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.post.Close() })
	return f
}

// reset puts the memberships of the groups under test back as the roles describe them,
// after a row that changed them (leave).
func (f *matrixFixture) reset() {
	ctx := context.Background()
	for _, g := range f.groups {
		for _, r := range matrixRoles {
			id := f.ids[r.name]
			switch {
			case r.anon:
			case r.member:
				if err := f.app.Store.Join(ctx, g.ID, id); err != nil {
					f.t.Fatal(err)
				}
				if err := f.app.Store.SetGroupModerator(ctx, g.ID, id, r.gmod); err != nil {
					f.t.Fatal(err)
				}
			case r.name == "former member":
				_ = f.app.Store.Join(ctx, g.ID, id)
				_ = f.app.Store.Leave(ctx, g.ID, id)
			default:
				_ = f.app.Store.Leave(ctx, g.ID, id)
			}
		}
	}
}

// message posts a fresh message by the plain member to g and returns its id.
func (f *matrixFixture) message(g store.Group, n int) int64 {
	p, err := f.post.Post(context.Background(), store.NewMessage{GroupID: g.ID, AuthorID: f.ids["member"],
		AuthorName: "peer", ClientID: fmt.Sprintf("matrix-%d-%d", g.ID, n), Body: "a message for the matrix"})
	if err != nil {
		f.t.Fatal(err)
	}
	return p.ID
}

// do sends the row's request as c and returns the status.
func (f *matrixFixture) do(c *handlerstest.Client, method, path string, form url.Values) int {
	if strings.HasSuffix(path, "/ws") {
		h := http.Header{"Origin": {f.app.URL}}
		if tok := c.Cookie("hearth_session"); tok != "" {
			h.Set("Cookie", "hearth_session="+tok)
		}
		d := websocket.Dialer{HandshakeTimeout: 0}
		ws, res, err := d.Dial(strings.Replace(f.app.URL, "http://", "ws://", 1)+path+"?after=0", h)
		if err == nil {
			ws.Close()
			return http.StatusSwitchingProtocols
		}
		if res == nil {
			f.t.Fatalf("dial %s: %v", path, err)
		}
		return res.StatusCode
	}
	if method == http.MethodGet {
		return c.Get(path).Status
	}
	cp := url.Values{}
	for k, v := range form {
		cp[k] = v
	}
	return c.PostForm(path, cp).Status
}

func TestAuthorizationMatrixGroupRoutes(t *testing.T) {
	f := newMatrixFixture(t)
	n := 0
	for _, rt := range groupRoutes {
		for _, vis := range []store.Visibility{store.Public, store.Private} {
			g := f.groups[vis]
			for _, r := range matrixRoles {
				n++
				path := strings.ReplaceAll(rt.path, "{slug}", g.Slug)
				path = strings.ReplaceAll(path, "{member}", strconv.FormatInt(f.ids["member"], 10))
				if strings.Contains(path, "{msg}") {
					path = strings.ReplaceAll(path, "{msg}", strconv.FormatInt(f.message(g, n), 10))
				}
				want := rt.access.expect(r, vis)
				got := f.do(f.clients[r.name], rt.method, path, rt.form)
				if got != want {
					t.Errorf("%s %s as %s (%s group): status %d, want %d", rt.method, rt.path, r.name, vis, got, want)
				}
				if rt.method == http.MethodPost {
					f.reset()
				}
			}
		}
	}
}

// A private group answers outsiders exactly as a group that does not exist, on every route.
func TestAuthorizationPrivateGroupParity(t *testing.T) {
	f := newMatrixFixture(t)
	outsider := f.clients["non-member"]
	for _, rt := range groupRoutes {
		fill := strings.NewReplacer("{msg}", "1", "{member}", strconv.FormatInt(f.ids["member"], 10))
		priv := fill.Replace(strings.ReplaceAll(rt.path, "{slug}", f.groups[store.Private].Slug))
		none := fill.Replace(strings.ReplaceAll(rt.path, "{slug}", "no-such-group"))
		if a, b := f.do(outsider, rt.method, priv, rt.form), f.do(outsider, rt.method, none, rt.form); a != b || a != http.StatusNotFound {
			t.Errorf("%s %s: private group %d, missing group %d; want both 404", rt.method, rt.path, a, b)
		}
	}
}

func TestAuthorizationMatrixSiteRoutes(t *testing.T) {
	app := handlerstest.New(t, func(c *handlers.Config) {
		c.Social = []handlers.SocialProvider{{Name: "github", ClientID: "matrix-client", ClientSecret: "matrix-secret"}}
	})
	ctx := context.Background()
	admin := app.Member("admin")
	mod := app.Member("moderator")
	member := app.Member("plain")
	u, err := app.Store.UserByUsername(ctx, "moderator")
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Store.SetRole(ctx, u.ID, store.RoleModerator); err != nil {
		t.Fatal(err)
	}
	anon := app.Client()
	if _, err := app.Store.CreateResource(ctx, store.ResourceInput{Slug: "matrix-resource", Title: "Matrix", Summary: "A resource for the matrix.",
		Body: "Text.", Category: "self-care"}, 0, store.ResourcePublished); err != nil {
		t.Fatal(err)
	}
	path := func(p string) string {
		return strings.NewReplacer("/static/*", "/static/no-such-asset.css", ":token", "unknown-token", ":id", "999999",
			":mid", "1", ":cid", "1", ":slug", "matrix-resource", ":user", "999999", ":provider", "github").Replace(p)
	}
	for _, rt := range siteRoutes {
		for _, who := range []struct {
			name string
			c    *handlerstest.Client
			want int
		}{{"anonymous", anon, rt.anon}, {"member", member, rt.member}, {"site moderator", mod, rt.siteMod}, {"admin", admin, rt.admin}} {
			var got int
			if strings.HasSuffix(rt.path, "/stream") {
				got = streamStatus(t, who.c, path(rt.path))
			} else if rt.method == http.MethodGet {
				got = who.c.Get(path(rt.path)).Status
			} else {
				form := url.Values{}
				for k, v := range rt.form {
					form[k] = v
				}
				got = who.c.PostForm(path(rt.path), form).Status
			}
			if got != who.want {
				t.Errorf("%s %s as %s: status %d, want %d", rt.method, rt.path, who.name, got, who.want)
			}
		}
	}
}

// streamStatus opens a response that stays open (an event stream) and returns its status
// without waiting for its end.
func streamStatus(t *testing.T, c *handlerstest.Client, path string) int {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := c.NewRequest(http.MethodGet, path, nil).WithContext(ctx)
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	res.Body.Close()
	return res.StatusCode
}
