package authz_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// The policy's decisions for each kind of subject, on a public and a private group. The
// handlers' matrix test checks that every route asks the right one.
func TestPolicy(t *testing.T) {
	pub := store.Group{ID: 1, Visibility: store.Public}
	priv := store.Group{ID: 2, Visibility: store.Private}
	archived := store.Group{ID: 3, Visibility: store.Public, ArchivedAt: time.Unix(1, 0)}
	member := &store.User{ID: 10, Role: store.RoleMember}
	siteMod := &store.User{ID: 11, Role: store.RoleModerator}
	admin := &store.User{ID: 12, Role: store.RoleAdmin}
	plain := &store.Membership{}
	gmod := &store.Membership{IsModerator: true}

	type decision func(authz.Subject, store.Group) error
	rules := map[string]decision{"see": authz.SeeGroup, "read": authz.ReadGroup, "post": authz.Post, "join": authz.Join,
		"moderate": authz.Moderate, "invites": authz.ManageInvites, "edit": authz.EditGroup}
	cases := []struct {
		who  string
		s    authz.Subject
		g    store.Group
		want map[string]error
	}{
		{"anonymous", authz.Subject{}, pub, map[string]error{"see": authz.ErrNoAccount, "read": authz.ErrNoAccount, "post": authz.ErrNoAccount,
			"join": authz.ErrNoAccount, "moderate": authz.ErrNoAccount, "invites": authz.ErrNoAccount, "edit": authz.ErrNoAccount}},
		{"non-member, public", authz.Subject{User: member}, pub, map[string]error{"see": nil, "read": authz.ErrNotMember,
			"post": authz.ErrNotMember, "join": nil, "moderate": authz.ErrForbidden, "invites": authz.ErrForbidden, "edit": authz.ErrForbidden}},
		{"non-member, private", authz.Subject{User: member}, priv, map[string]error{"see": authz.ErrNotFound, "read": authz.ErrNotFound,
			"post": authz.ErrNotFound, "join": authz.ErrNotFound, "moderate": authz.ErrNotFound, "invites": authz.ErrNotFound, "edit": authz.ErrNotFound}},
		{"member, private", authz.Subject{User: member, Membership: plain}, priv, map[string]error{"see": nil, "read": nil,
			"post": nil, "join": authz.ErrForbidden, "moderate": authz.ErrForbidden, "invites": authz.ErrForbidden, "edit": authz.ErrForbidden}},
		{"group moderator, private", authz.Subject{User: member, Membership: gmod}, priv, map[string]error{"see": nil, "read": nil,
			"post": nil, "join": authz.ErrForbidden, "moderate": nil, "invites": nil, "edit": authz.ErrForbidden}},
		{"site moderator, public", authz.Subject{User: siteMod}, pub, map[string]error{"see": nil, "read": authz.ErrNotMember,
			"post": authz.ErrNotMember, "join": nil, "moderate": nil, "invites": nil, "edit": nil}},
		{"site moderator, private", authz.Subject{User: siteMod}, priv, map[string]error{"see": authz.ErrNotFound, "read": authz.ErrNotFound,
			"post": authz.ErrNotFound, "join": authz.ErrNotFound, "moderate": authz.ErrNotFound, "invites": authz.ErrNotFound, "edit": authz.ErrNotFound}},
		{"admin, private, not a member", authz.Subject{User: admin}, priv, map[string]error{"see": nil, "read": authz.ErrNotMember,
			"post": authz.ErrNotMember, "join": authz.ErrForbidden, "moderate": nil, "invites": nil, "edit": nil}},
		{"member, archived", authz.Subject{User: member, Membership: plain}, archived, map[string]error{"see": nil, "read": nil,
			"post": authz.ErrArchived, "join": authz.ErrArchived, "moderate": authz.ErrForbidden, "invites": authz.ErrForbidden, "edit": authz.ErrForbidden}},
		{"non-member, archived", authz.Subject{User: member}, archived, map[string]error{"see": authz.ErrNotFound, "read": authz.ErrNotFound,
			"post": authz.ErrNotFound, "join": authz.ErrNotFound, "moderate": authz.ErrNotFound, "invites": authz.ErrNotFound, "edit": authz.ErrNotFound}},
		{"admin member, private", authz.Subject{User: admin, Membership: plain}, priv, map[string]error{"see": nil, "read": nil,
			"post": nil, "join": authz.ErrForbidden, "moderate": nil, "invites": nil, "edit": nil}},
	}
	for _, c := range cases {
		for name, rule := range rules {
			if got := rule(c.s, c.g); !errors.Is(got, c.want[name]) || (got == nil) != (c.want[name] == nil) {
				t.Errorf("%s: %s = %v, want %v", c.who, name, got, c.want[name])
			}
		}
	}
}

func TestMessageChangeIsTheAuthorsAlone(t *testing.T) {
	g := store.Group{Visibility: store.Public}
	author := &store.User{ID: 1}
	other := &store.User{ID: 2, Role: store.RoleAdmin}
	m := store.Message{AuthorID: 1}
	if err := authz.ChangeMessage(authz.Subject{User: author, Membership: &store.Membership{}}, g, m); err != nil {
		t.Fatalf("author: %v", err)
	}
	if err := authz.ChangeMessage(authz.Subject{User: other, Membership: &store.Membership{}}, g, m); !errors.Is(err, authz.ErrNotAuthor) {
		t.Fatalf("another member, even an admin: %v", err)
	}
	if err := authz.ChangeMessage(authz.Subject{User: author}, g, m); !errors.Is(err, authz.ErrNotMember) {
		t.Fatalf("the author after leaving: %v", err)
	}
}

func TestSiteDecisions(t *testing.T) {
	for _, c := range []struct {
		u             *store.User
		create, admin error
	}{
		{nil, authz.ErrNoAccount, authz.ErrNoAccount},
		{&store.User{Role: store.RoleMember}, authz.ErrForbidden, authz.ErrForbidden},
		{&store.User{Role: store.RoleModerator}, nil, authz.ErrForbidden},
		{&store.User{Role: store.RoleAdmin}, nil, nil},
	} {
		if got := authz.CreateGroup(c.u); !errors.Is(got, c.create) || (got == nil) != (c.create == nil) {
			t.Errorf("CreateGroup(%v) = %v, want %v", c.u, got, c.create)
		}
		if got := authz.Administer(c.u); !errors.Is(got, c.admin) || (got == nil) != (c.admin == nil) {
			t.Errorf("Administer(%v) = %v, want %v", c.u, got, c.admin)
		}
	}
}

func TestMemberRemovalAndAppointment(t *testing.T) {
	g := store.Group{Visibility: store.Public}
	gmod := authz.Subject{User: &store.User{ID: 1, Role: store.RoleMember}, Membership: &store.Membership{IsModerator: true}}
	siteMod := authz.Subject{User: &store.User{ID: 2, Role: store.RoleModerator}}
	admin := authz.Subject{User: &store.User{ID: 3, Role: store.RoleAdmin}}
	plain, otherMod := store.Membership{UserID: 9}, store.Membership{UserID: 8, IsModerator: true}
	if err := authz.RemoveMember(gmod, g, plain); err != nil {
		t.Fatalf("group moderator removes a member: %v", err)
	}
	if err := authz.RemoveMember(gmod, g, otherMod); !errors.Is(err, authz.ErrForbidden) {
		t.Fatalf("group moderator removes a moderator: %v", err)
	}
	if err := authz.RemoveMember(siteMod, g, otherMod); err != nil {
		t.Fatalf("site moderator removes a moderator: %v", err)
	}
	for _, c := range []struct {
		s    authz.Subject
		want error
	}{{gmod, authz.ErrForbidden}, {siteMod, authz.ErrForbidden}, {admin, nil}} {
		if got := authz.AppointModerators(c.s, g); !errors.Is(got, c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("AppointModerators(%v) = %v, want %v", c.s.User.Role, got, c.want)
		}
		if got := authz.DeleteGroup(c.s, g); !errors.Is(got, c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("DeleteGroup(%v) = %v, want %v", c.s.User.Role, got, c.want)
		}
	}
}
