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
	"fmt"
	"time"

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
	if g.Locked() && !s.moderates() {
		return &Restriction{Kind: RestrictLocked}
	}
	if s.Membership.Muted && !s.moderates() {
		return &Restriction{Kind: RestrictMuted, Until: s.Membership.MutedUntil}
	}
	return nil
}

// moderates reports whether the subject moderates a group it belongs to or sees: its own
// group moderator, or a site moderator or admin.
func (s Subject) moderates() bool {
	return (s.member() && s.Membership.IsModerator) || s.atLeast(store.RoleModerator)
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
	if st.Membership != nil {
		m := *st.Membership
		m.Muted, m.MutedUntil = st.Muted, st.MutedUntil
		s.Membership = &m
	}
	if err := Post(s, g); err != nil {
		var r *Restriction
		if errors.As(err, &r) && r.Kind == RestrictMuted {
			r.Reason = st.MuteReason
		}
		return err
	}
	if s.moderates() {
		return nil
	}
	if g.SlowModeSeconds > 0 && !st.LastPostAt.IsZero() {
		next := st.LastPostAt.Add(time.Duration(g.SlowModeSeconds) * time.Second)
		if st.Now.Before(next) {
			return &Restriction{Kind: RestrictSlowMode, Every: g.SlowModeSeconds, Wait: next.Sub(st.Now)}
		}
	}
	if g.Facilitated && !st.FacilitatorHere {
		return &Restriction{Kind: RestrictFacilitated}
	}
	return nil
}

func live(st store.Standing) (Subject, store.Group, error) {
	switch {
	case st.User == nil:
		return Subject{}, store.Group{}, ErrNoAccount
	case !st.SessionAlive:
		return Subject{}, store.Group{}, ErrNoSession
	case st.Suspended:
		return Subject{}, store.Group{}, ErrNoSession
	case st.Group == nil:
		return Subject{}, store.Group{}, ErrNotFound
	}
	return Subject{User: st.User, Membership: st.Membership}, *st.Group, nil
}

// Restriction kinds: why a member who belongs to a group may not post there right now.
const (
	RestrictLocked      = "locked"
	RestrictMuted       = "muted"
	RestrictSlowMode    = "slow"
	RestrictFacilitated = "facilitated"
)

// ErrRestricted is what every *Restriction is (errors.Is).
var ErrRestricted = errors.New("authz: restricted")

// Restriction is a refusal to post that the member must understand: the room's state or a
// sanction on them. Error is the sentence they are shown in place of (or beside) the send
// box; it names the state, and for a mute why and until when.
type Restriction struct {
	Kind   string
	Until  time.Time     // a mute's end (zero: until lifted)
	Reason string        // a mute's reason, for the muted member alone
	Every  int           // slow mode's seconds
	Wait   time.Duration // slow mode: how long until the member may post again
}

func (r *Restriction) Unwrap() error { return ErrRestricted }

// Compose decides what stands in place of a member's send box on their group's page, from
// a Standing: nil for the send box itself, or the restriction that keeps them from posting
// for more than a moment (muted, with why and until when; the room locked). Slow mode and
// a facilitated room are not here: the room's notice tells them beside the box. The group
// page and the live chat's re-check of open sockets both ask it.
func Compose(st store.Standing) *Restriction {
	if st.User == nil || st.Group == nil || st.Membership == nil || st.Group.Archived() {
		return nil
	}
	if (Subject{User: st.User, Membership: st.Membership}).moderates() {
		return nil
	}
	switch {
	case st.Muted:
		return &Restriction{Kind: RestrictMuted, Until: st.MutedUntil, Reason: st.MuteReason}
	case st.Group.Locked():
		return &Restriction{Kind: RestrictLocked}
	}
	return nil
}

func (r *Restriction) Error() string {
	switch r.Kind {
	case RestrictLocked:
		return "This room is locked: you can read it, but it takes no new messages for now."
	case RestrictMuted:
		msg := "A moderator has muted you in this group until they lift it."
		if !r.Until.IsZero() {
			msg = "A moderator has muted you in this group until " + r.Until.UTC().Format("Mon 2 Jan, 15:04 MST") + "."
		}
		if r.Reason != "" {
			msg += " Reason: " + r.Reason
		}
		return msg + " You can read your notices and appeal at /notices."
	case RestrictSlowMode:
		secs := int((r.Wait + time.Second - 1) / time.Second)
		return fmt.Sprintf("This room is in slow mode: one message every %d s. You can post again in %d s.", r.Every, secs)
	case RestrictFacilitated:
		return "This room opens when a facilitator is here."
	}
	return "You cannot post here right now."
}

// Report decides whether the subject may report a message of the group, or one of its
// members: whoever reads it.
func Report(s Subject, g store.Group) error { return ReadGroup(s, g) }

// ReviewReports decides whether u reviews reports, and which: site moderators and admins
// all of them (private groups included: they read the reported message and its context,
// nothing else of the group), group moderators those of the groups they moderate
// (moderated, their ids).
func ReviewReports(u *store.User, moderated []int64) (store.ReportScope, error) {
	switch {
	case u == nil:
		return store.ReportScope{}, ErrNoAccount
	case u.Role.AtLeast(store.RoleModerator):
		return store.ReportScope{All: true}, nil
	case len(moderated) > 0:
		return store.ReportScope{Groups: moderated}, nil
	}
	return store.ReportScope{}, ErrForbidden
}

// InScope decides whether a scope from ReviewReports covers a group (0: a report that
// belongs to no group, which only site moderators review).
func InScope(sc store.ReportScope, groupID int64) error {
	if sc.All {
		return nil
	}
	for _, id := range sc.Groups {
		if id == groupID && groupID != 0 {
			return nil
		}
	}
	return ErrForbidden
}

// ReadAudit decides whose audit entries u reads: admins all, group moderators their
// groups'. Site moderators read the entries of every group, like the queue.
func ReadAudit(u *store.User, moderated []int64) (store.ReportScope, error) {
	return ReviewReports(u, moderated)
}

// ActOn is the moderator actions on a group's messages and members (Hide, Warn, Mute,
// Remove, Ban, Lock, SlowMode, Facilitate). reported says the action answers an open
// report on it that the subject reviews: then a site moderator acts in a private group they
// cannot see (the queue showed them the report). target is the member acted on (nil for a
// message or the room): another group moderator is acted on only by site moderators.
func ActOn(s Subject, g store.Group, reported bool, target *store.Membership) error {
	err := Moderate(s, g)
	if err != nil && reported && s.atLeast(store.RoleModerator) {
		err = nil
	}
	if err != nil {
		return err
	}
	if target != nil && target.IsModerator && !s.atLeast(store.RoleModerator) {
		return ErrForbidden
	}
	return nil
}

// Hide decides who hides a message or restores it: the group's moderators.
func Hide(s Subject, g store.Group, reported bool) error { return ActOn(s, g, reported, nil) }

// Warn, Mute, Remove and Ban decide who takes those actions on target in the group.
func Warn(s Subject, g store.Group, reported bool, target *store.Membership) error {
	return ActOn(s, g, reported, target)
}

// Mute: see Warn.
func Mute(s Subject, g store.Group, reported bool, target *store.Membership) error {
	return ActOn(s, g, reported, target)
}

// Remove: see Warn.
func Remove(s Subject, g store.Group, reported bool, target *store.Membership) error {
	return ActOn(s, g, reported, target)
}

// Ban: see Warn.
func Ban(s Subject, g store.Group, reported bool, target *store.Membership) error {
	return ActOn(s, g, reported, target)
}

// Lock, SlowMode and Facilitate decide who changes the room's state: its moderators.
func Lock(s Subject, g store.Group) error       { return Moderate(s, g) }
func SlowMode(s Subject, g store.Group) error   { return Moderate(s, g) }
func Facilitate(s Subject, g store.Group) error { return Moderate(s, g) }

// Suspend decides who suspends an account site-wide: admins, and never another admin or
// themselves.
func Suspend(u *store.User, target store.User) error {
	if err := Administer(u); err != nil {
		return err
	}
	if target.Role == store.RoleAdmin {
		return ErrForbidden
	}
	return nil
}

// DecideAppeal decides whether u decides an appeal of a sanction actedBy imposed, in
// scope sc (the appeal's group must be in it; suspensions are for admins). The moderator
// who acted does not decide the appeal of their own action, with one exception: a
// community where no other site moderator or admin exists (others is 0) would otherwise
// leave the appeal undecided forever, so there an admin decides their own.
func DecideAppeal(u *store.User, sc store.ReportScope, sn store.Sanction, others int) error {
	if u == nil {
		return ErrNoAccount
	}
	if sn.Kind == store.SanctionSuspend {
		if err := Administer(u); err != nil {
			return err
		}
	} else if err := InScope(sc, sn.GroupID); err != nil {
		return err
	}
	if sn.ModeratorID == u.ID && !(u.Role == store.RoleAdmin && others == 0) {
		return ErrOwnAction
	}
	return nil
}

// ErrOwnAction refuses a moderator deciding the appeal of their own action.
var ErrOwnAction = errors.New("authz: another moderator decides the appeal of your own action")

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
