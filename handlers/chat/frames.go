package chat

import "github.com/hearth-community/hearth/store"

// Frame is one piece of HTML for a room. Data is rendered once and shared, read-only, by
// every receiver. Seq is the message sequence for new-message frames and 0 otherwise.
type Frame struct {
	Seq  int64
	Data []byte
}

// Frames renders what the hub sends. The handlers package implements it with the views
// templates, so a live message is the same HTML as the message in history.
type Frames interface {
	// NewMessage is a message to append to the list.
	NewMessage(m store.Message) ([]byte, error)
	// ChangedMessage replaces a message in place (edited, removed, new reactions).
	ChangedMessage(m store.Message) ([]byte, error)
	// Presence lists who has the group open now.
	Presence(names []string) ([]byte, error)
	// Typing lists who is typing now.
	Typing(names []string) ([]byte, error)
	// Sent acknowledges a committed message and carries a fresh client id.
	Sent(nextClientID string) ([]byte, error)
	// Problem shows a refusal beside the compose box; the typed text stays.
	Problem(msg string) ([]byte, error)
}

// Publisher takes a frame for a group to every place members of the group are connected.
// The single-node default hands it straight to the local hub; a cross-node broker would
// send it to its peers as well and call Hub.Deliver when frames arrive from them. Frames
// of one group must be published in sequence order.
type Publisher interface {
	Publish(groupID int64, f *Frame)
}

type localPublisher struct{ h *Hub }

func (p localPublisher) Publish(groupID int64, f *Frame) { p.h.Deliver(groupID, f) }
