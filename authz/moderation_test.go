package authz_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// The moderation decisions: who acts where, reports from private groups, restrictions on
// posting, and who decides an appeal.
func TestModerationPolicy(t *testing.T) {
	pub := store.Group{ID: 1, Visibility: store.Public}
	priv := store.Group{ID: 2, Visibility: store.Private}
	member := &store.User{ID: 10, Role: store.RoleMember}
	siteMod := &store.User{ID: 11, Role: store.RoleModerator}
	admin := &store.User{ID: 12, Role: store.RoleAdmin}
	plain := &store.Membership{}
	gmod := &store.Membership{IsModerator: true}

	for _, tc := range []struct {
		who      string
		s        authz.Subject
		g        store.Group
		reported bool
		target   *store.Membership
		want     error
	}{
		{"plain member", authz.Subject{User: member, Membership: plain}, pub, false, nil, authz.ErrForbidden},
		{"plain member, reported", authz.Subject{User: member, Membership: plain}, pub, true, nil, authz.ErrForbidden},
		{"group moderator", authz.Subject{User: member, Membership: gmod}, pub, false, plain, nil},
		{"group moderator on another group moderator", authz.Subject{User: member, Membership: gmod}, pub, false, gmod, authz.ErrForbidden},
		{"moderator of another group", authz.Subject{User: member}, priv, false, nil, authz.ErrNotFound},
		{"site moderator, public", authz.Subject{User: siteMod}, pub, false, gmod, nil},
		{"site moderator, private, unreported", authz.Subject{User: siteMod}, priv, false, nil, authz.ErrNotFound},
		{"site moderator, private, from a report", authz.Subject{User: siteMod}, priv, true, plain, nil},
		{"admin, private", authz.Subject{User: admin}, priv, false, nil, nil},
	} {
		if err := authz.ActOn(tc.s, tc.g, tc.reported, tc.target); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: ActOn = %v, want %v", tc.who, err, tc.want)
		}
	}

	if sc, err := authz.ReviewReports(member, nil); err == nil {
		t.Errorf("a plain member reviews reports: %+v", sc)
	}
	if sc, err := authz.ReviewReports(member, []int64{1}); err != nil || sc.All || authz.InScope(sc, 1) != nil || authz.InScope(sc, 2) == nil || authz.InScope(sc, 0) == nil {
		t.Errorf("group moderator's scope: %+v %v", sc, err)
	}
	if sc, err := authz.ReviewReports(siteMod, nil); err != nil || !sc.All {
		t.Errorf("site moderator's scope: %+v %v", sc, err)
	}
	if authz.Suspend(siteMod, *member) == nil || authz.Suspend(admin, *admin) == nil || authz.Suspend(admin, *member) != nil {
		t.Error("suspension is not for admins on non-admins alone")
	}

	// The moderator who acted does not decide the appeal, unless they are the only one.
	mute := store.Sanction{Kind: store.SanctionMute, GroupID: 1, ModeratorID: admin.ID}
	if err := authz.DecideAppeal(admin, store.ReportScope{All: true}, mute, 1); !errors.Is(err, authz.ErrOwnAction) {
		t.Errorf("own action with another moderator around: %v", err)
	}
	if err := authz.DecideAppeal(admin, store.ReportScope{All: true}, mute, 0); err != nil {
		t.Errorf("the only admin decides their own: %v", err)
	}
	if err := authz.DecideAppeal(siteMod, store.ReportScope{All: true}, mute, 1); err != nil {
		t.Errorf("another moderator decides: %v", err)
	}
	if err := authz.DecideAppeal(member, store.ReportScope{Groups: []int64{2}}, mute, 1); err == nil {
		t.Error("a moderator of another group decides")
	}
	if err := authz.DecideAppeal(siteMod, store.ReportScope{All: true}, store.Sanction{Kind: store.SanctionSuspend, ModeratorID: admin.ID}, 1); err == nil {
		t.Error("a site moderator decides a suspension's appeal")
	}
}

func TestLivePostRestrictions(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	member := &store.User{ID: 10, Role: store.RoleMember}
	base := func(g store.Group, m *store.Membership) store.Standing {
		return store.Standing{SessionAlive: true, User: member, Group: &g, Membership: m, Now: now}
	}
	plain, gmod := &store.Membership{}, &store.Membership{IsModerator: true}
	pub := store.Group{ID: 1, Visibility: store.Public}

	restricted := func(st store.Standing) string {
		err := authz.LivePost(st)
		var r *authz.Restriction
		if !errors.As(err, &r) {
			if err != nil {
				return "other: " + err.Error()
			}
			return ""
		}
		return r.Error()
	}
	locked := pub
	locked.LockedAt = now
	if msg := restricted(base(locked, plain)); !strings.Contains(msg, "locked") {
		t.Errorf("locked: %q", msg)
	}
	if msg := restricted(base(locked, gmod)); msg != "" {
		t.Errorf("a group moderator in a locked room: %q", msg)
	}
	muted := base(pub, plain)
	muted.Muted, muted.MutedUntil, muted.MuteReason = true, now.Add(time.Hour), "cool off"
	if msg := restricted(muted); !strings.Contains(msg, "muted") || !strings.Contains(msg, "13:00") || !strings.Contains(msg, "cool off") {
		t.Errorf("muted: %q", msg)
	}
	slow := pub
	slow.SlowModeSeconds = 30
	st := base(slow, plain)
	st.LastPostAt = now.Add(-10 * time.Second)
	if msg := restricted(st); msg != "This room is in slow mode: one message every 30 s. You can post again in 20 s." {
		t.Errorf("slow mode: %q", msg)
	}
	st.LastPostAt = now.Add(-31 * time.Second)
	if msg := restricted(st); msg != "" {
		t.Errorf("slow mode after the interval: %q", msg)
	}
	fac := pub
	fac.Facilitated = true
	st = base(fac, plain)
	if msg := restricted(st); msg != "This room opens when a facilitator is here." {
		t.Errorf("facilitated, nobody here: %q", msg)
	}
	st.FacilitatorHere = true
	if msg := restricted(st); msg != "" {
		t.Errorf("facilitated, a facilitator here: %q", msg)
	}
	st = base(pub, plain)
	st.Suspended = true
	if err := authz.LivePost(st); !errors.Is(err, authz.ErrNoSession) {
		t.Errorf("suspended: %v", err)
	}
}
