package views

import "github.com/hearth-community/hearth/store"

// ReasonLabel is how a report reason reads in the report form and the queue.
func ReasonLabel(r store.ReportReason) string {
	switch r {
	case store.ReasonCare:
		return "I'm worried about this person"
	case store.ReasonHarassment:
		return "Harassment"
	case store.ReasonSpam:
		return "Spam"
	case store.ReasonUnsafe:
		return "Unsafe advice (for example, telling someone to stop a medication)"
	case store.ReasonOther:
		return "Something else"
	}
	return string(r)
}

// KindLabel is how a sanction reads on the member's notices page.
func KindLabel(k store.SanctionKind) string {
	switch k {
	case store.SanctionHide:
		return "A message of yours was hidden by a moderator"
	case store.SanctionWarn:
		return "A warning from a moderator"
	case store.SanctionMute:
		return "You were muted"
	case store.SanctionBan:
		return "You were banned from a group"
	case store.SanctionSuspend:
		return "Your account was suspended"
	}
	return string(k)
}
