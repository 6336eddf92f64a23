// Package authz is Hearth's one authorization policy: pure functions that decide, from who
// is asking (their account), their membership of a group (nil when they have none) and the
// group, what they may see and do. Every HTTP handler, the websocket upgrade, the live
// re-check of open sockets and the chat's committer ask here; none of them decides on its
// own. The matrix test in handlers pins every route to these answers.
//
// The rules, in words:
//   - A public group is listed to, and joinable by, every logged-in member. A private group
//     does not exist for anyone who is not its member: every route answers them exactly as it
//     answers for a group that does not exist (404), site moderators and admins included.
//   - Reading a group's chat (the page's history, older pages, one message, the socket) and
//     posting to it need membership, for public and private groups alike.
//   - Group moderators moderate their own groups; site moderators and admins moderate every
//     group they can see. Invite links and join requests are managed by the same people.
//   - Editing a group's settings is for site moderators and admins.
//   - A message is edited or deleted by its author alone.
package authz

import (
	"errors"

	"github.com/hearth-community/hearth/store"
)

// Refusals returned by the decisions that say why. Callers map them to the member-facing
// message; ErrNotFound must be answered exactly like a group that does not exist.
var (
	ErrNotFound   = errors.New("authz: no such group")
	ErrNotMember  = errors.New("authz: join this group first")
	ErrForbidden  = errors.New("authz: not allowed")
	ErrNotAuthor  = errors.New("authz: not the author")
	ErrNoAccount  = errors.New("authz: log in first")
	ErrNoSession  = errors.New("authz: session ended")
	ErrMemberGone = errors.New("authz: membership ended")
)

// Subject is who is asking about a group: the account (nil when logged out) and its
// membership of that group (nil when there is none).
type Subject struct {
	User       *store.User
	Membership *store.Membership
}

func (s Subject) member() bool              { return s.User != nil && s.Membership != nil }
func (s Subject) atLeast(r store.Role) bool { return s.User != nil && s.User.Role.AtLeast(r) }

// SeeGroup decides whether the group exists for the subject at all: its name, description,
// guidelines and join card. Anything else about a private group needs membership.
func SeeGroup(s Subject, g store.Group) error {
	switch {
	case s.User == nil:
		return ErrNoAccount
	case g.Visibility == store.Private && !s.member():
		return ErrNotFound
	}
	return nil
}

// ReadGroup decides whether the subject may read the group's chat and other member-only
// content: its history, single messages, the live socket, and (later) its goal board.
func ReadGroup(s Subject, g store.Group) error {
	if err := SeeGroup(s, g); err != nil {
		return err
	}
	if !s.member() {
		return ErrNotMember
	}
	return nil
}

// Post decides whether the subject may post to the group's chat, react, or edit there. The
// chat's committer asks it again inside the transaction that writes the message, so a
// member removed a moment ago cannot post.
func Post(s Subject, g store.Group) error {
	return ReadGroup(s, g)
}

// Join decides whether the subject may join a public group directly (private groups are
// joined by invite or approved request).
func Join(s Subject, g store.Group) error {
	if err := SeeGroup(s, g); err != nil {
		return err
	}
	if g.Visibility != store.Public {
		return ErrForbidden
	}
	return nil
}

// Moderate decides whether the subject moderates the group: its own group moderators, and
// site moderators and admins who can see it.
func Moderate(s Subject, g store.Group) error {
	if err := SeeGroup(s, g); err != nil {
		return err
	}
	if (s.member() && s.Membership.IsModerator) || s.atLeast(store.RoleModerator) {
		return nil
	}
	return ErrForbidden
}

// ManageInvites decides who manages a group's invite links and join requests: its
// moderators.
func ManageInvites(s Subject, g store.Group) error { return Moderate(s, g) }

// EditGroup decides who changes a group's settings: site moderators and admins.
func EditGroup(s Subject, g store.Group) error {
	if err := SeeGroup(s, g); err != nil {
		return err
	}
	if !s.atLeast(store.RoleModerator) {
		return ErrForbidden
	}
	return nil
}

// CreateGroup decides who may create groups: site moderators and admins.
func CreateGroup(u *store.User) error {
	if u == nil {
		return ErrNoAccount
	}
	if !u.Role.AtLeast(store.RoleModerator) {
		return ErrForbidden
	}
	return nil
}

// ChangeMessage decides whether the subject may edit or delete a message of the group:
// its author, while they may still post there.
func ChangeMessage(s Subject, g store.Group, m store.Message) error {
	if err := Post(s, g); err != nil {
		return err
	}
	if m.AuthorID != s.User.ID {
		return ErrNotAuthor
	}
	return nil
}

// Administer decides who reaches the site's admin pages.
func Administer(u *store.User) error {
	if u == nil {
		return ErrNoAccount
	}
	if u.Role != store.RoleAdmin {
		return ErrForbidden
	}
	return nil
}

// LiveRead decides from a Standing the store read just now whether an open chat socket may
// stay open: its session must still be alive, then ReadGroup. The live re-check of open
// sockets asks it.
func LiveRead(st store.Standing) error {
	s, g, err := live(st)
	if err != nil {
		return err
	}
	return ReadGroup(s, g)
}

// LivePost decides from a Standing read inside the transaction that writes a message
// whether its sender may post it: their session must still be alive, then Post. The chat's
// committer asks it for every message.
func LivePost(st store.Standing) error {
	s, g, err := live(st)
	if err != nil {
		return err
	}
	return Post(s, g)
}

func live(st store.Standing) (Subject, store.Group, error) {
	switch {
	case st.User == nil:
		return Subject{}, store.Group{}, ErrNoAccount
	case !st.SessionAlive:
		return Subject{}, store.Group{}, ErrNoSession
	case st.Group == nil:
		return Subject{}, store.Group{}, ErrNotFound
	}
	return Subject{User: st.User, Membership: st.Membership}, *st.Group, nil
}
