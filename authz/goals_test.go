package authz_test

import (
	"errors"
	"testing"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// The goal rules as a table: who sees, encourages, comments and edits, by visibility,
// buddy, membership and state.
func TestGoalRules(t *testing.T) {
	owner := &store.User{ID: 1, Role: store.RoleMember}
	buddy := &store.User{ID: 2, Role: store.RoleMember}
	peer := &store.User{ID: 3, Role: store.RoleMember}
	admin := &store.User{ID: 4, Role: store.RoleAdmin}
	goal := func(vis store.GoalVisibility, mod func(*store.Goal)) store.Goal {
		g := store.Goal{ID: 9, UserID: 1, BuddyID: 2, BuddyShares: true, Visibility: vis, GroupID: 5, State: store.GoalActive, ViewerInGroup: true, OwnerInGroup: true}
		if mod != nil {
			mod(&g)
		}
		return g
	}
	none := func(*store.Goal) {}
	for _, tc := range []struct {
		name             string
		u                *store.User
		g                store.Goal
		see, edit, comnt error
	}{
		{"owner, private", owner, goal(store.GoalPrivate, none), nil, nil, nil},
		{"buddy, private", buddy, goal(store.GoalPrivate, none), nil, authz.ErrForbidden, nil},
		{"peer, private", peer, goal(store.GoalPrivate, none), authz.ErrNotFound, authz.ErrNotFound, authz.ErrNotFound},
		{"admin, private", admin, goal(store.GoalPrivate, none), authz.ErrNotFound, authz.ErrNotFound, authz.ErrNotFound},
		{"logged out", nil, goal(store.GoalMembers, none), authz.ErrNoAccount, authz.ErrNoAccount, authz.ErrNoAccount},
		{"peer in the group", peer, goal(store.GoalGroup, none), nil, authz.ErrForbidden, nil},
		{"peer outside the group", peer, goal(store.GoalGroup, func(g *store.Goal) { g.ViewerInGroup = false }), authz.ErrNotFound, authz.ErrNotFound, authz.ErrNotFound},
		{"owner left the group", peer, goal(store.GoalGroup, func(g *store.Goal) { g.OwnerInGroup = false }), authz.ErrNotFound, authz.ErrNotFound, authz.ErrNotFound},
		{"all members", peer, goal(store.GoalMembers, none), nil, authz.ErrForbidden, nil},
		{"archived, to a peer", peer, goal(store.GoalMembers, func(g *store.Goal) { g.State = store.GoalArchived }), authz.ErrNotFound, authz.ErrNotFound, authz.ErrNotFound},
		{"archived, to the buddy", buddy, goal(store.GoalMembers, func(g *store.Goal) { g.State = store.GoalArchived }), nil, authz.ErrForbidden, nil},
		{"former buddy (no group shared), private", buddy, goal(store.GoalPrivate, func(g *store.Goal) { g.BuddyShares = false }), authz.ErrNotFound, authz.ErrNotFound, authz.ErrNotFound},
		{"former buddy, archived", buddy, goal(store.GoalMembers, func(g *store.Goal) { g.BuddyShares = false; g.State = store.GoalArchived }), authz.ErrNotFound, authz.ErrNotFound, authz.ErrNotFound},
		{"former buddy, all members: as any member", buddy, goal(store.GoalMembers, func(g *store.Goal) { g.BuddyShares = false }), nil, authz.ErrForbidden, nil},
		{"comments off", peer, goal(store.GoalMembers, func(g *store.Goal) { g.CommentsOff = true }), nil, authz.ErrForbidden, authz.ErrCommentsOff},
	} {
		if err := authz.SeeGoal(tc.u, tc.g); !errors.Is(err, tc.see) && !(err == nil && tc.see == nil) {
			t.Errorf("%s: SeeGoal %v, want %v", tc.name, err, tc.see)
		}
		if err := authz.EncourageGoal(tc.u, tc.g); !errors.Is(err, tc.see) && !(err == nil && tc.see == nil) {
			t.Errorf("%s: EncourageGoal %v, want %v", tc.name, err, tc.see)
		}
		if err := authz.EditGoal(tc.u, tc.g); !errors.Is(err, tc.edit) && !(err == nil && tc.edit == nil) {
			t.Errorf("%s: EditGoal %v, want %v", tc.name, err, tc.edit)
		}
		if err := authz.CommentGoal(tc.u, tc.g); !errors.Is(err, tc.comnt) && !(err == nil && tc.comnt == nil) {
			t.Errorf("%s: CommentGoal %v, want %v", tc.name, err, tc.comnt)
		}
	}
	c := store.GoalComment{UserID: 3}
	g := goal(store.GoalMembers, none)
	if authz.DeleteGoalComment(owner, g, c) != nil || authz.DeleteGoalComment(peer, g, c) != nil || authz.DeleteGoalComment(buddy, g, c) == nil {
		t.Errorf("DeleteGoalComment: the owner and the author delete, nobody else")
	}
}

// Who sees a member page: themself, whoever shares a group with them, everyone once they
// shared a goal with all members; nobody else, admins included.
func TestSeeMember(t *testing.T) {
	me := &store.User{ID: 1, Role: store.RoleMember}
	admin := &store.User{ID: 9, Role: store.RoleAdmin}
	for _, tc := range []struct {
		name string
		u    *store.User
		m    store.MemberProfile
		want error
	}{
		{"logged out", nil, store.MemberProfile{ID: 2, SharesGoalWithAll: true}, authz.ErrNoAccount},
		{"own page", me, store.MemberProfile{ID: 1}, nil},
		{"shares a group", me, store.MemberProfile{ID: 2, SharesGroup: true}, nil},
		{"shared a goal with all", me, store.MemberProfile{ID: 2, SharesGoalWithAll: true}, nil},
		{"a stranger", me, store.MemberProfile{ID: 2}, authz.ErrNotFound},
		{"an admin who shares nothing", admin, store.MemberProfile{ID: 2}, authz.ErrNotFound},
	} {
		if err := authz.SeeMember(tc.u, tc.m); !errors.Is(err, tc.want) && !(err == nil && tc.want == nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}
