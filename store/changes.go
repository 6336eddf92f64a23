package store

import "sync"

// ChangeKind names what a committed write changed, for the caches and live connections that
// must follow it.
type ChangeKind int

// The kinds of change the Store announces. Each names the ids it fills in.
const (
	// ChangeSession: a session ended or was renewed (SessionID, UserID).
	ChangeSession ChangeKind = iota + 1
	// ChangeUser: an account's role, display name or standing changed, or it was deleted
	// (UserID). Everything rendered with the member's name or resting on their rights is stale.
	ChangeUser
	// ChangeMembership: a member joined, left, was removed or changed role in a group
	// (GroupID, UserID).
	ChangeMembership
	// ChangeGroup: a group's settings or address changed, or it was deleted (GroupID).
	ChangeGroup
	// ChangeMessage: a message's text, state or reactions changed (GroupID, MessageID).
	ChangeMessage
	// ChangeNewMessages: the chat's committer wrote new messages to a group (GroupID). The
	// messages themselves reach the live chat through the committer's OnCommit.
	ChangeNewMessages
	// ChangeSafety: the crisis lines, crisis phrases or word filter changed (no ids).
	ChangeSafety
	// ChangeGoal: a goal, its milestones, updates, reactions or comments changed, or it was
	// deleted (GoalID, UserID of its owner, and GroupID of a group whose board shows or
	// showed it; a change of the shared group is announced once for each group).
	ChangeGoal
	// ChangeNotification: a member's notifications changed: new, coalesced, read, removed,
	// or their settings (UserID; 0 means every member's).
	ChangeNotification
	// ChangeResource: a library resource was written, changed status, was marked as
	// helpful, or was deleted (ResourceID; 0 when several changed, as when the starter
	// library loads).
	ChangeResource
	// ChangeToolkit: a member's private toolkit changed (UserID, ResourceID).
	ChangeToolkit
	// ChangeReport: a report or appeal was filed, claimed, resolved or decided (GroupID,
	// 0 for one that belongs to no group). The moderators' queue and, later, the admins'
	// notifications follow it.
	ChangeReport
	// ChangeSanction: a moderator warned, muted, banned, suspended or hid something of a
	// member, or lifted it (UserID, GroupID when it is a group's). Notifications to the
	// member follow it; what a sanction ends (a membership, sessions) is announced with
	// its own kind too.
	ChangeSanction
	// ChangeSettings: a site-wide setting changed, such as whether registering with a
	// username and password is open (no ids).
	ChangeSettings
)

// Change is one committed change. Only the ids its Kind names are set; an id left zero
// where the Kind names it means "not known": a listener must then treat every such id as
// changed (DeleteExpiredSessions, for one, does not say which sessions went).
type Change struct {
	Kind       ChangeKind
	GroupID    int64
	UserID     int64
	SessionID  int64
	MessageID  int64
	GoalID     int64
	ResourceID int64
}

// changeFeed is the Store's one invalidation path: every writer announces what it changed
// after its transaction commits (never before, so a listener that reloads sees the new
// state), and every cache and live check listens here instead of being told by handlers.
// A cluster broker can carry the same Change values between nodes later.
type changeFeed struct {
	mu        sync.RWMutex
	listeners []func([]Change)
	local     []func([]Change) // OnLocalChange: this node's own commits only
}

// OnChange registers fn to be called after every commit that changed something, with what
// it changed. fn runs on the writer's goroutine: it must be quick and must not write to the
// Store. Listeners are called in the order they registered.
func (s *Store) OnChange(fn func([]Change)) {
	s.changes.mu.Lock()
	s.changes.listeners = append(s.changes.listeners, fn)
	s.changes.mu.Unlock()
}

// OnLocalChange registers fn like OnChange, but fn hears only the changes this Store
// committed itself, never those passed to AnnounceRemote: the cluster broker sends them to
// the other nodes, and must not send back what it received from them. It runs after every
// OnChange listener.
func (s *Store) OnLocalChange(fn func([]Change)) {
	s.changes.mu.Lock()
	s.changes.local = append(s.changes.local, fn)
	s.changes.mu.Unlock()
}

// AnnounceRemote tells the OnChange listeners (not the OnLocalChange ones) about changes
// another node committed to the shared database, so this node's caches and live sockets
// follow them as they follow its own writes. It runs on the caller's goroutine.
func (s *Store) AnnounceRemote(changes []Change) {
	if len(changes) == 0 {
		return
	}
	s.changes.mu.RLock()
	ls := s.changes.listeners
	s.changes.mu.RUnlock()
	for _, fn := range ls {
		fn(changes)
	}
}

// announce tells every listener about changes that have committed.
func (s *Store) announce(changes ...Change) {
	if len(changes) == 0 {
		return
	}
	s.changes.mu.RLock()
	ls, local := s.changes.listeners, s.changes.local
	s.changes.mu.RUnlock()
	for _, fn := range ls {
		fn(changes)
	}
	for _, fn := range local {
		fn(changes)
	}
}

// EverythingChanged is one Change of every kind with no ids: "anything may have changed".
// A cluster node announces it (AnnounceRemote) after it was cut off from the broker, when
// the other nodes' changes of that time were lost to it, so every cache starts afresh and
// every live socket is re-checked. Add each new kind here.
func EverythingChanged() []Change {
	kinds := []ChangeKind{ChangeSession, ChangeUser, ChangeMembership, ChangeGroup, ChangeMessage, ChangeNewMessages,
		ChangeSafety, ChangeGoal, ChangeNotification, ChangeResource, ChangeToolkit, ChangeReport, ChangeSanction, ChangeSettings}
	cs := make([]Change, len(kinds))
	for i, k := range kinds {
		cs[i] = Change{Kind: k}
	}
	return cs
}
