package authz

import (
	"errors"

	"github.com/hearth-community/hearth/store"
)

// The goal rules, in words:
//   - A goal is its owner's. Its owner sees and changes it; nobody else changes it.
//   - Its buddy sees it whatever its visibility (they were chosen to support it), while the
//     buddy and the owner share a group (store.Goal.BuddyShares). A buddy who no longer
//     does is kept on the goal but dormant: from that moment they see it only as any other
//     member would, and hear nothing of it, until the two share a group again or the owner
//     chooses another buddy. Kept rather than cleared, so leaving a group for a while does
//     not undo the owner's choice; the owner is told on the goal's page.
//   - Others see it by its visibility: "all members" to every logged-in member; "one of my
//     groups" to the members of that group, while the owner still belongs to it (leaving a
//     group takes one's goals off its board); "private" to nobody else, site moderators and
//     admins included. An archived goal is for its owner and buddy only.
//   - A goal one may not see does not exist for them: the same 404 as a missing goal.
//   - Whoever sees a goal encourages it (reactions) and comments on it unless its owner
//     turned comments off; the owner deletes any comment on their goal, an author their own.

// Goal refusals.
var (
	ErrCommentsOff = errors.New("authz: comments are off for this goal")
)

// SeeGoal decides whether u may see goal g (loaded with store.GoalFor for u).
func SeeGoal(u *store.User, g store.Goal) error {
	switch {
	case u == nil:
		return ErrNoAccount
	case u.ID == g.UserID || IsGoalBuddy(u, g):
		return nil
	case g.State == store.GoalArchived:
		return ErrNotFound
	case g.Visibility == store.GoalMembers:
		return nil
	case g.Visibility == store.GoalGroup && g.GroupID != 0 && g.ViewerInGroup && g.OwnerInGroup:
		return nil
	}
	return ErrNotFound
}

// IsGoalBuddy reports whether u is goal g's buddy now: chosen by its owner and sharing a
// group with them.
func IsGoalBuddy(u *store.User, g store.Goal) bool {
	return u != nil && g.BuddyID != 0 && u.ID == g.BuddyID && g.BuddyShares
}

// EditGoal decides whether u may change goal g: its owner alone.
func EditGoal(u *store.User, g store.Goal) error {
	if err := SeeGoal(u, g); err != nil {
		return err
	}
	if u.ID != g.UserID {
		return ErrForbidden
	}
	return nil
}

// EncourageGoal decides whether u may react to goal g: whoever sees it.
func EncourageGoal(u *store.User, g store.Goal) error { return SeeGoal(u, g) }

// CommentGoal decides whether u may comment on goal g: whoever sees it, while its owner
// keeps comments on.
func CommentGoal(u *store.User, g store.Goal) error {
	if err := SeeGoal(u, g); err != nil {
		return err
	}
	if g.CommentsOff {
		return ErrCommentsOff
	}
	return nil
}

// DeleteGoalComment decides whether u may delete comment c on goal g: the goal's owner, or
// the comment's author.
func DeleteGoalComment(u *store.User, g store.Goal, c store.GoalComment) error {
	if err := SeeGoal(u, g); err != nil {
		return err
	}
	if u.ID != g.UserID && u.ID != c.UserID {
		return ErrForbidden
	}
	return nil
}

// ReportComment decides whether u may report comment c on goal g: whoever sees the goal,
// about a comment that is not their own.
func ReportComment(u *store.User, g store.Goal, c store.GoalComment) error {
	if err := SeeGoal(u, g); err != nil {
		return err
	}
	if c.UserID == u.ID {
		return ErrForbidden
	}
	return nil
}

// ModerateComments decides who reviews reported goal comments and hides them: site
// moderators and admins. A goal belongs to no group's moderators (most are shared with all
// members or kept private), so a comment's reports carry no group and reach the site's
// moderators only. They see a reported comment's text in the queue; the goal's title only
// where SeeGoal lets them see the goal: a private goal stays private, moderators included.
func ModerateComments(u *store.User) error {
	if u == nil {
		return ErrNoAccount
	}
	if !u.Role.AtLeast(store.RoleModerator) {
		return ErrForbidden
	}
	return nil
}

// SeeMember decides whether u may see member m's page (/members/{id}), loaded with
// store.MemberProfileFor for u. The rule: a member page is for those who have met the
// member, that is who share a group with them, and, when the member shared a goal with all
// members, for every member (who can reach that goal and its owner's name anyway). One's own
// page is always there. Nobody else, site moderators and admins included (they have their
// own tools), learns even that the member exists: the same 404 as no such member. What the
// page then shows is limited further: groups in common with u, and the goals SeeGoal lets
// u see.
func SeeMember(u *store.User, m store.MemberProfile) error {
	switch {
	case u == nil:
		return ErrNoAccount
	case u.ID == m.ID, m.SharesGroup, m.SharesGoalWithAll:
		return nil
	}
	return ErrNotFound
}
