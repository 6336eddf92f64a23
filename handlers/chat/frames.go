package chat

import (
	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// Frame is one piece of HTML for a room. Data is rendered once and shared, read-only, by
// every receiver.
//
// A frame of new messages covers the sequence range First..Seq of one group, the
// messages' fragments concatenated in order; Seq is 0 for every other frame (presence,
// typing, a changed message). A frame of one message may leave First at 0. A frame of
// several must say where each message starts in Offsets, so a connection that already
// has the first few (from a catch-up) receives exactly the rest.
//
// A fill frame has First..Seq and no Data: those messages were committed but could not be
// handed to the fan-out (its queue was full); each connection loads them from the store.
type Frame struct {
	Seq   int64 // last message sequence covered; 0 when the frame holds no new message
	First int64 // first sequence covered; 0 means Seq alone
	Data  []byte
	// Offsets[i] is where message First+i starts in Data (Offsets[0] is 0); needed only
	// when the frame covers more than one message.
	Offsets []int

	// Variants of a frame that holds no new message (Seq 0), for viewers who see more of
	// it than the room: Mod goes to the group's moderators' sockets (a hidden message's
	// text, the reason and Restore), Own to the sockets of the member Author (their hidden
	// message with the reason). Each is rendered once per event; nil means Data.
	Mod    []byte
	Author int64
	Own    []byte
}

// Viewer is who a per-socket rendering is for where what they see differs from the room:
// moderators of the group, or a message's author.
type Viewer struct {
	UserID    int64
	Moderator bool
}

// AppendMessage adds the next message of the group to a frame of new messages. Messages
// must come in sequence order with no gaps, which is what one committed batch gives.
func (f *Frame) AppendMessage(seq int64, fragment []byte) {
	if f.Seq == 0 {
		f.First = seq
	}
	f.Offsets = append(f.Offsets, len(f.Data))
	f.Data = append(f.Data, fragment...)
	f.Seq = seq
}

// Fill reports whether f is a fill frame: messages to load from the store.
func (f *Frame) Fill() bool { return f.Seq != 0 && len(f.Data) == 0 }

// first returns the first sequence the frame covers (0 for frames without messages).
func (f *Frame) first() int64 {
	if f.First == 0 {
		return f.Seq
	}
	return f.First
}

// since returns the part of f that a connection holding every message up to last still
// needs: all of Data, the messages after last, or nothing. gap reports that sequences
// between last and the frame's first are missing: the connection should load them from
// the store first (they may also be gone for good, rows deleted with their author), and
// data is then the whole frame.
func (f *Frame) since(last int64) (data []byte, gap bool) {
	if f.Seq == 0 {
		return f.Data, false
	}
	first := f.first()
	switch {
	case f.Seq <= last:
		return nil, false // already sent by a catch-up or an earlier frame
	case f.Fill():
		return nil, true // load them from the store
	case first > last+1:
		return f.Data, true
	case first == last+1:
		return f.Data, false
	}
	i := int(last + 1 - first)
	if i >= len(f.Offsets) {
		// A multi-message frame without offsets cannot be cut. Publishing one is a bug;
		// writing it whole would duplicate messages and dropping it would lose some, so
		// the connection ends and the client resyncs.
		return nil, true
	}
	return f.Data[f.Offsets[i]:], false
}

// Frames renders what the hub sends. The handlers package implements it with the views
// templates, so a live message is the same HTML as the message in history.
type Frames interface {
	// NewMessage is a message to append to the list.
	NewMessage(m store.Message) ([]byte, error)
	// ChangedMessage replaces a message in place (edited or removed).
	ChangedMessage(m store.Message) ([]byte, error)
	// NewMessageFor is NewMessage as v sees it: a hidden message's moderator or author
	// variant when v is one of them, the room's otherwise. Catch-up renders with it.
	NewMessageFor(m store.Message, v Viewer) ([]byte, error)
	// MessageVariants renders a changed message's variants for the group's moderators and
	// for its author (nil, nil when everyone sees the room's rendering).
	MessageVariants(m store.Message) (mod, own []byte, err error)
	// Compose renders what stands in place of a member's send box (r nil: the send box
	// itself), sent to one socket when its member's standing changes (muted, room locked).
	Compose(groupID int64, r *authz.Restriction) ([]byte, error)
	// Role tells a page whether its member moderates the group now; a page whose member
	// stopped moderating drops the moderator-only parts it holds.
	Role(moderator bool) ([]byte, error)
	// Reactions replaces one message's reaction counts, and nothing else of it: a toggle
	// then costs every receiver a few hundred bytes, not the whole message.
	Reactions(m store.Message) ([]byte, error)
	// Presence lists who has the group open now, with the group's member count, so the
	// page's count stays live and agrees with who is here.
	Presence(groupID int64, names []string) ([]byte, error)
	// Typing lists who is typing now, with their user ids so that each page can leave its
	// own member out (the frame is shared by the room).
	Typing(typists []Typist) ([]byte, error)
	// Sent acknowledges the committed message the client sent with clientID.
	Sent(clientID string) ([]byte, error)
	// Problem shows a refusal beside the compose box. clientID names the refused message
	// ("" when the frame was no message), whose text the page puts back in the box.
	Problem(clientID, msg string) ([]byte, error)
	// RoomState is the notice naming the room's state (locked, slow mode, facilitated and
	// whether a facilitator is here); the same for everyone in the room.
	RoomState(groupID int64, facilitatorHere bool) ([]byte, error)
}

// Typist is a member typing in a room.
type Typist struct {
	UserID int64
	Name   string
}

// Publisher takes a frame for a group to every place members of the group are connected.
// The single-node default hands it straight to the local hub; a cross-node broker would
// send it to its peers as well (First, Seq, Data and Offsets; a fill frame has no Data)
// and call Hub.Deliver when frames arrive from them. Frames of one group must be published
// in sequence order; the hub publishes different groups from several goroutines at once,
// so Publish must be safe for concurrent use. Publish must not block for long: it runs in
// a fan-out goroutine that other groups share (Deliver itself only queues).
type Publisher interface {
	Publish(groupID int64, f *Frame)
}

type localPublisher struct{ h *Hub }

func (p localPublisher) Publish(groupID int64, f *Frame) { p.h.Deliver(groupID, f) }
