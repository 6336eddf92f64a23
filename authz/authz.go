// Package authz is Hearth's one authorization policy: pure functions that decide, from who
// is asking (their account), their membership of a group (nil when they have none) and the
// group, what they may see and do. Every HTTP handler, the websocket upgrade, the live
// re-check of open sockets and the chat's committer ask here; none of them decides on its
// own. The matrix test in handlers pins every route to these answers.
//
// The rules, in words:
//   - A public group is listed to, and joinable by, every logged-in member. A private group
//     does not exist for anyone who is not its member: every route answers them exactly as it
//     answers for a group that does not exist (404), site moderators included. Admins are
//     the exception: they see every group (to organise them), but not its chat.
//   - An archived group is read-only: its members still read it, nobody posts or joins, and
//     it does not exist for non-members other than admins.
//   - Reading a group's chat (the page's history, older pages, one message, the socket) and
//     posting to it need membership, for public and private groups alike.
//   - Group moderators moderate their own groups; site moderators and admins moderate every
//     group they can see. Invite links and join requests are managed by the same people.
//   - Editing a group's settings and archiving it is for site moderators and admins;
//     deleting it and appointing its group moderators is for admins.
//   - A group's moderators list its members and remove plain members; removing another
//     group moderator needs a site moderator or admin.
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
	ErrArchived   = errors.New("authz: group archived")
)

// Subject is who is asking about a group: the account (nil when logged out), its
// membership of that group (nil when there is none), and whether the group's moderators
// approved its request to join.
type Subject struct {
	User       *store.User
	Membership *store.Membership
	Approved   bool
}

func (s Subject) member() bool              { return s.User != nil && s.Membership != nil }
func (s Subject) atLeast(r store.Role) bool { return s.User != nil && s.User.Role.AtLeast(r) }

// SeeGroup decides whether the group exists for the subject at all: its name, description,
// guidelines and join card. Anything else about a private group needs membership.
func SeeGroup(s Subject, g store.Group) error {
	switch {
	case s.User == nil:
		return ErrNoAccount
	case s.member() || s.User.Role == store.RoleAdmin:
		return nil
	case s.Approved && !g.Archived():
		return nil
	case g.Visibility == store.Private || g.Archived():
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
	if err := ReadGroup(s, g); err != nil {
		return err
	}
	if g.Archived() {
		return ErrArchived
	}
	return nil
}

// Join decides whether the subject may join a group by accepting its guidelines: any
// public group, and a private one once its moderators approved the subject's request (an
// invite link is its own way in).
func Join(s Subject, g store.Group) error {
	if err := SeeGroup(s, g); err != nil {
		return err
	}
	switch {
	case g.Archived():
		return ErrArchived
	case g.Visibility != store.Public && !s.Approved:
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

// ArchiveGroup decides who archives a group or brings it back: who edits it.
func ArchiveGroup(s Subject, g store.Group) error { return EditGroup(s, g) }

// DeleteGroup decides who deletes a group with its whole chat: admins.
func DeleteGroup(s Subject, g store.Group) error {
	if err := SeeGroup(s, g); err != nil {
		return err
	}
	if !s.atLeast(store.RoleAdmin) {
		return ErrForbidden
	}
	return nil
}

// ListMembers decides who sees a group's member list with its organiser controls: the
// group's moderators, site moderators and admins.
func ListMembers(s Subject, g store.Group) error { return Moderate(s, g) }

// RemoveMember decides whether the subject may remove target from the group: its
// moderators may remove plain members; a group moderator is removed only by a site
// moderator or an admin.
func RemoveMember(s Subject, g store.Group, target store.Membership) error {
	if err := Moderate(s, g); err != nil {
		return err
	}
	if target.IsModerator && !s.atLeast(store.RoleModerator) {
		return ErrForbidden
	}
	return nil
}

// AppointModerators decides who makes members group moderators or takes it back: admins.
func AppointModerators(s Subject, g store.Group) error { return DeleteGroup(s, g) }

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

// The resource library. A published resource is in the library for everyone, logged in or
// not (self-care and crisis pages should never need an account). A draft, pending or
// unpublished one exists only for its author and for site moderators and admins: everyone
// else gets the same answer as for a resource that does not exist, on every route, search
// included. Members submit resources for review; moderators review, publish, unpublish,
// edit any resource and see and restore its revisions; admins also delete. An author edits
// their own resource while it is a draft or waits for review, which sends it (back) to
// review; a published one is changed by moderators. A toolkit is its owner's alone.

// ReadResource decides whether the resource exists for u (nil when logged out).
func ReadResource(u *store.User, r store.Resource) error {
	switch {
	case r.Status == store.ResourcePublished:
		return nil
	case u == nil:
		return ErrNotFound
	case u.ID == r.AuthorID || u.Role.AtLeast(store.RoleModerator):
		return nil
	}
	return ErrNotFound
}

// SubmitResource decides who may submit a resource for review: any member.
func SubmitResource(u *store.User) error {
	if u == nil {
		return ErrNoAccount
	}
	return nil
}

// UseResource decides whether u may mark a resource as helpful or save it to their
// toolkit: a member who can read it, once it is published.
func UseResource(u *store.User, r store.Resource) error {
	if err := ReadResource(u, r); err != nil {
		return err
	}
	if u == nil {
		return ErrNoAccount
	}
	if r.Status != store.ResourcePublished {
		return ErrForbidden
	}
	return nil
}

// EditResource decides whether u may change a resource's content: moderators and admins
// always, its author while it is a draft or pending review.
func EditResource(u *store.User, r store.Resource) error {
	if err := ReadResource(u, r); err != nil {
		return err
	}
	switch {
	case u == nil:
		return ErrNoAccount
	case u.Role.AtLeast(store.RoleModerator):
		return nil
	case u.ID == r.AuthorID && (r.Status == store.ResourceDraft || r.Status == store.ResourcePending):
		return nil
	}
	return ErrForbidden
}

// ReviewResources decides who reviews, publishes and unpublishes resources, writes them
// published directly, and sees and restores their revisions: site moderators and admins.
func ReviewResources(u *store.User) error {
	if u == nil {
		return ErrNoAccount
	}
	if !u.Role.AtLeast(store.RoleModerator) {
		return ErrForbidden
	}
	return nil
}

// ReviewResource is ReviewResources for one resource the subject can read.
func ReviewResource(u *store.User, r store.Resource) error {
	if err := ReadResource(u, r); err != nil {
		return err
	}
	return ReviewResources(u)
}

// DeleteResource decides who deletes a resource for good: admins.
func DeleteResource(u *store.User, r store.Resource) error {
	if err := ReadResource(u, r); err != nil {
		return err
	}
	return Administer(u)
}

// UseToolkitItem decides whether u may see or change a toolkit item: its owner only.
// Anyone else, moderators and admins included, is answered as if it did not exist.
func UseToolkitItem(u *store.User, it store.ToolkitItem) error {
	if u == nil {
		return ErrNoAccount
	}
	if it.UserID != u.ID {
		return ErrNotFound
	}
	return nil
}
