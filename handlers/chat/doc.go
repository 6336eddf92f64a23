// Package chat is Hearth's live group chat: the hub that keeps one websocket per open
// group page, writes messages durably through the store's group-commit writer and fans
// the rendered HTML out to everyone in the room.
//
// # Frame protocol
//
// The socket lives at /groups/{slug}/ws and speaks the htmx ws extension's dialect.
//
// Client → server: JSON text frames, as the extension sends them from a form with ws-send:
//
//	{"body": "...", "client_id": "...", "HEADERS": {...}}   send a message
//	{"typing": "1", ...}                                    I am typing (other fields ignored)
//	{"resume": "N"}                                          I have every message up to seq N
//
// HEADERS and unknown fields are ignored; numbers may be JSON strings or numbers.
// client_id is the sender's idempotency key: a resend with the same client_id returns the
// original message and is never stored or broadcast twice.
//
// Where to start: a client that knows the last sequence it saw puts it in the URL as
// ?after=N and receives every later message at once. A client without ?after (the browser
// page, whose reconnect URL is fixed) sends {"resume": N} first, N being the highest
// data-seq in its DOM; if neither arrives within a couple of seconds it starts at the
// end of the group as it was when the socket connected, so it still receives whatever was
// sent while the server waited for the resume frame.
//
// Server → client: text frames holding one or more top-level HTML elements, each carrying
// hx-swap-oob, so several queued updates travel in one frame:
//
//	<div hx-swap-oob="beforeend:#messages"><article id="msg-ID" class="msg" data-seq="SEQ">…</article></div>
//	    a new message (catch-up and live alike), rendered by the same template as history
//	<article id="msg-ID" class="msg" data-seq="SEQ" hx-swap-oob="outerHTML">…</article>
//	    an edited or removed message
//	<div id="reactions-ID" hx-swap-oob="innerHTML">…</div>
//	    a message's new reaction counts: its buttons alone, swapped into form#reactions-ID
//	#chat-presence, #chat-typing, #chat-error, #chat-client-id
//	    who is here, who is typing, the last refusal ("slow down", too long, empty) and,
//	    after a message is committed, a fresh client_id for the next one (the ack)
//
// Messages reach a client in sequence order with no duplicates. Each committed batch is one
// frame per group, covering a range of sequences; each connection tracks the highest
// sequence it has written, skips a frame at or below it, writes only the part of a frame
// above it (a frame overlapping a catch-up is cut at a message boundary), and loads any
// messages missing before a frame from the store before writing it. A fill frame (a range
// of sequences with no markup, published when the fan-out queue was full; see fanout.go)
// is only that: the connection loads the range from the store.
//
// # Delivery
//
// A message is committed, handed to the fan-out stage and acknowledged; the committer
// waits for no socket, and the sender's acknowledgement may reach it before its own
// message does. Each socket is written by its own writer goroutine only, from a queue: a
// client that stops reading blocks nobody else, and is dropped (1013) once QueueLen frames
// or MaxQueuedBytes bytes are waiting for it.
//
// # Open sockets per member, session and IP
//
// A member may hold MaxPerMember sockets (20), a login session MaxPerSession (10) and a
// client IP MaxPerIP (100). A socket beyond a cap is upgraded and closed at once with 1008
// and a reason that says which cap ("too many open chat windows for your account", "… in
// this browser", "too many open chat connections from your network"). Refusing after the
// upgrade rather than with 429 before it is deliberate: a browser shows the page nothing
// of a failed upgrade and the htmx ws extension retries it forever with back-off, while a
// 1008 close carries a reason and stops the retries.
//
// Close codes: 1008 when the member may no longer read the group (left, removed, logged
// out, session revoked; the hub re-checks a socket as soon as the store announces a change
// that concerns it, see revoke.go) or has too many sockets open — the extension does not reconnect; 1013 when the client could not
// keep up, and 1012 when the server stops — it reconnects and resumes.
package chat
