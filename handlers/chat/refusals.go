package chat

import (
	"errors"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// Refusals of a message by the policy, shown to the sender as is.
var (
	ErrSignedOut = errors.New("You have been signed out. Please log in again to keep chatting.")
	ErrNotMember = errors.New("You are no longer a member of this group.")
	ErrArchived  = errors.New("This group is archived: it can be read, but it takes no new messages.")
)

// isRefusal reports whether err is a refusal the sender sees as is, beside the compose box.
func isRefusal(err error) bool {
	var blocked *BlockedError
	if errors.As(err, &blocked) {
		return true
	}
	for _, r := range []error{ErrEmpty, ErrTooLong, ErrSlowDown, ErrSignedOut, ErrNotMember, ErrArchived, ErrWarningTooLong, authz.ErrRestricted} {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

// refusedBy maps the committer's refusal of a message (authz's decision, wrapped in
// store.ErrRefused) to what the sender is told; nil when err is no refusal.
func refusedBy(err error) error {
	switch {
	case !errors.Is(err, store.ErrRefused):
		return nil
	case errors.Is(err, authz.ErrNoSession), errors.Is(err, authz.ErrNoAccount):
		return ErrSignedOut
	case errors.Is(err, authz.ErrArchived):
		return ErrArchived
	}
	var r *authz.Restriction
	if errors.As(err, &r) {
		return r // its Error is the sentence the member reads
	}
	return ErrNotMember
}

// IsRefusal reports whether err, returned by Post, is a refusal whose text the member
// reads as is (rate limit, word filter, membership, room state) rather than a failure.
func IsRefusal(err error) bool { return isRefusal(err) }
