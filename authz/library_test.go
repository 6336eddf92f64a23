package authz_test

import (
	"errors"
	"testing"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// The library's decisions for each kind of visitor and each status of a resource written
// by author.
func TestLibraryPolicy(t *testing.T) {
	author := &store.User{ID: 1, Role: store.RoleMember}
	other := &store.User{ID: 2, Role: store.RoleMember}
	mod := &store.User{ID: 3, Role: store.RoleModerator}
	admin := &store.User{ID: 4, Role: store.RoleAdmin}
	type rule func(*store.User, store.Resource) error
	rules := map[string]rule{"read": authz.ReadResource, "use": authz.UseResource, "edit": authz.EditResource,
		"review": authz.ReviewResource, "delete": authz.DeleteResource}
	nf, na, fb := authz.ErrNotFound, authz.ErrNoAccount, authz.ErrForbidden
	cases := []struct {
		who    string
		u      *store.User
		status store.ResourceStatus
		want   map[string]error
	}{
		{"anonymous", nil, store.ResourcePublished, map[string]error{"read": nil, "use": na, "edit": na, "review": na, "delete": na}},
		{"anonymous", nil, store.ResourcePending, map[string]error{"read": nf, "use": nf, "edit": nf, "review": nf, "delete": nf}},
		{"other member", other, store.ResourcePublished, map[string]error{"read": nil, "use": nil, "edit": fb, "review": fb, "delete": fb}},
		{"other member", other, store.ResourceDraft, map[string]error{"read": nf, "use": nf, "edit": nf, "review": nf, "delete": nf}},
		{"other member", other, store.ResourcePending, map[string]error{"read": nf, "use": nf, "edit": nf, "review": nf, "delete": nf}},
		{"other member", other, store.ResourceUnpublished, map[string]error{"read": nf, "use": nf, "edit": nf, "review": nf, "delete": nf}},
		{"author", author, store.ResourceDraft, map[string]error{"read": nil, "use": fb, "edit": nil, "review": fb, "delete": fb}},
		{"author", author, store.ResourcePending, map[string]error{"read": nil, "use": fb, "edit": nil, "review": fb, "delete": fb}},
		{"author", author, store.ResourcePublished, map[string]error{"read": nil, "use": nil, "edit": fb, "review": fb, "delete": fb}},
		{"author", author, store.ResourceUnpublished, map[string]error{"read": nil, "use": fb, "edit": fb, "review": fb, "delete": fb}},
		{"moderator", mod, store.ResourcePending, map[string]error{"read": nil, "use": fb, "edit": nil, "review": nil, "delete": fb}},
		{"moderator", mod, store.ResourcePublished, map[string]error{"read": nil, "use": nil, "edit": nil, "review": nil, "delete": fb}},
		{"admin", admin, store.ResourceUnpublished, map[string]error{"read": nil, "use": fb, "edit": nil, "review": nil, "delete": nil}},
	}
	for _, c := range cases {
		r := store.Resource{ID: 9, AuthorID: author.ID, Status: c.status}
		for name, rl := range rules {
			if got := rl(c.u, r); !errors.Is(got, c.want[name]) || (got == nil) != (c.want[name] == nil) {
				t.Errorf("%s, %s resource, %s: %v, want %v", c.who, c.status, name, got, c.want[name])
			}
		}
	}
	if authz.SubmitResource(nil) == nil || authz.SubmitResource(other) != nil {
		t.Error("submit: members only")
	}
	if authz.ReviewResources(other) == nil || authz.ReviewResources(mod) != nil {
		t.Error("review queue: moderators only")
	}
	it := store.ToolkitItem{ID: 5, UserID: author.ID}
	if authz.UseToolkitItem(author, it) != nil || !errors.Is(authz.UseToolkitItem(admin, it), nf) || !errors.Is(authz.UseToolkitItem(nil, it), na) {
		t.Error("a toolkit item is its owner's alone, admins included")
	}
}
