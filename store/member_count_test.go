package store_test

import (
	"testing"

	"github.com/hearth-community/hearth/store"
)

// TestMemberCountFollowsMemberships checks the trigger-kept count against the memberships
// themselves through joins, a repeated join, leaves, and an account deleted outright (its
// memberships go by cascade).
func TestMemberCountFollowsMemberships(t *testing.T) {
	st := open(t)
	ctx := t.Context()
	owner, _ := st.CreateUser(ctx, store.NewUser{Username: "own", DisplayName: "Own_O"})
	g, err := st.CreateGroup(ctx, store.GroupInput{Slug: "count-circle", Name: "Count circle",
		Description: "d", Visibility: store.Public}, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := func(n int) {
		t.Helper()
		got, m, member, err := st.GroupForMember(ctx, "COUNT-circle", owner.ID)
		if err != nil || !member || m.UserID != owner.ID || !m.IsModerator {
			t.Fatalf("group with membership: %+v %v %v", m, member, err)
		}
		members, err := st.ListMembers(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.MemberCount != n || len(members) != n {
			t.Fatalf("member count %d, members listed %d, want %d", got.MemberCount, len(members), n)
		}
	}
	want(1)
	var ids []int64
	for _, name := range []string{"ann", "bo", "cy"} {
		u, err := st.CreateUser(ctx, store.NewUser{Username: name, DisplayName: name + "_X"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
		if err := st.Join(ctx, g.ID, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Join(ctx, g.ID, ids[0]); err != nil { // already a member: no change
		t.Fatal(err)
	}
	want(4)
	if _, _, member, err := st.GroupForMember(ctx, "count-circle", ids[0]+100); err != nil || member {
		t.Fatalf("a stranger is no member: %v %v", member, err)
	}
	if err := st.Leave(ctx, g.ID, ids[1]); err != nil {
		t.Fatal(err)
	}
	want(3)
	if err := st.DeleteUser(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	want(2)
}
