package chat

import (
	"context"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/hearth-community/hearth/store"
)

// TestStoreChangedNeverWaits: the store's writer hands changes over without waiting; past
// the queue's bound the hub notes that every socket needs a re-check, and changes that
// cannot revoke anything are not queued at all.
func TestStoreChangedNeverWaits(t *testing.T) {
	h := &Hub{revoke: make(chan store.Change, revokeQueueLen)}
	h.storeChanged([]store.Change{{Kind: store.ChangeNewMessages, GroupID: 1}, {Kind: store.ChangeMessage, GroupID: 1, MessageID: 2}})
	if len(h.revoke) != 0 {
		t.Fatalf("%d message changes queued for re-checking", len(h.revoke))
	}
	many := make([]store.Change, revokeQueueLen+10)
	for i := range many {
		many[i] = store.Change{Kind: store.ChangeSession, SessionID: int64(i + 1)}
	}
	h.storeChanged(many) // must return although nobody reads the queue
	if len(h.revoke) != revokeQueueLen || !h.revokeAll.Load() {
		t.Fatalf("queue %d, recheck all %v; want full and set", len(h.revoke), h.revokeAll.Load())
	}
}

func TestAffectedSockets(t *testing.T) {
	sock := func(session, user, group int64) *conn {
		return &conn{cl: Client{SessionID: session, UserID: user, GroupID: group}}
	}
	a, b := sock(1, 10, 100), sock(2, 20, 200)
	for _, tc := range []struct {
		name   string
		change store.Change
		a, b   bool
	}{
		{"session", store.Change{Kind: store.ChangeSession, SessionID: 1, UserID: 10}, true, false},
		{"sessions of a user", store.Change{Kind: store.ChangeSession, UserID: 20}, false, true},
		{"any session", store.Change{Kind: store.ChangeSession}, true, true},
		{"user", store.Change{Kind: store.ChangeUser, UserID: 10}, true, false},
		{"membership", store.Change{Kind: store.ChangeMembership, GroupID: 200, UserID: 20}, false, true},
		{"membership of someone else", store.Change{Kind: store.ChangeMembership, GroupID: 200, UserID: 10}, false, false},
		{"memberships of a group", store.Change{Kind: store.ChangeMembership, GroupID: 100}, true, false},
		{"group", store.Change{Kind: store.ChangeGroup, GroupID: 200}, false, true},
		{"any group", store.Change{Kind: store.ChangeGroup}, true, true},
	} {
		var af affected
		af.add(tc.change)
		if af.match(a) != tc.a || af.match(b) != tc.b {
			t.Errorf("%s: match = %v, %v; want %v, %v", tc.name, af.match(a), af.match(b), tc.a, tc.b)
		}
	}
}

// TestSocketAttachedAfterARevocationIsRechecked: a member removed between the upgrade's
// access check and the socket joining its room is not missed: the re-check of their change
// may run before the socket is there, so the socket is re-checked when it arrives.
func TestSocketAttachedAfterARevocationIsRechecked(t *testing.T) {
	fx := newHubFixture(t) // its sockets say Checked 0: checked before any change below
	if err := fx.st.Leave(context.Background(), fx.group, fx.user.ID); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Second); len(fx.h.revoke) > 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the change was never taken up")
		}
	}
	ws, _, err := websocket.DefaultDialer.Dial(fx.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := ws.ReadMessage()
		if err == nil {
			continue
		}
		if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
			t.Fatalf("socket of a removed member: %v, want close 1008", err)
		}
		return
	}
}
