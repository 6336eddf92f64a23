// Package chat is Hearth's live group chat: the hub that keeps one websocket per open
// group page, writes messages durably through the store's group-commit writer and fans
// the rendered HTML out to everyone in the room.
//
// # Frame protocol
//
// The socket lives at /groups/{slug}/ws and speaks the htmx ws extension's dialect.
//
// Client → server: JSON text frames. The page's own script (static/js/hearth.js) sends
// them over the extension's socket; the compose form has no ws-send:
//
//	{"body": "...", "client_id": "..."}   send a message
//	{"typing": "1"}                        I am typing (nothing of the draft; other fields ignored)
//	{"resume": "N"}                        I have every message up to seq N
//	{"resume": "N", "compose": "KEY"}      … and my page shows KEY in place of the send box
//	                                       (#chat-compose's data-compose): if that is no longer
//	                                       true (muted or unmuted while away), the socket
//	                                       sends the right one at once
//
// HEADERS and unknown fields are ignored; numbers may be JSON strings or numbers.
// client_id is made by the browser for each new message (16 random bytes, base64url) and
// is the sender's idempotency key: a resend with the same client_id returns the original
// message and is never stored or broadcast twice. The server takes 8 to 64 characters of
// [A-Za-z0-9_-] (ValidClientID) and refuses anything else. The page keeps every message it
// has not seen acknowledged (in memory and in sessionStorage, per group and member) on
// screen as "sending…", and after each (re)connect sends {"resume": N} and then each of
// them again, in order, with its own id; the idempotency makes that safe.
//
// Where to start: a client that knows the last sequence it saw puts it in the URL as
// ?after=N and receives every later message at once. A client without ?after (the browser
// page, whose reconnect URL is fixed) sends {"resume": N} first, N being the highest
// data-seq in its DOM; if neither arrives within a couple of seconds it starts at the
// end of the group as it was when the socket connected, so it still receives whatever was
// sent while the server waited for the resume frame.
//
// # Content warnings
//
// A message may carry a short content warning: its body's first line is "CW: words" (any
// case; at most MaxWarningChars, 80, characters after the colon) and the message follows
// on the next lines. Post takes the warning off (SplitWarning) and stores it apart
// (messages.content_warning); the message renders its text inside
// <details class="msg-cw"><summary>CW: words</summary>…</details>, collapsed, the same for
// every viewer. The page opens it for its author and for members who chose "start open" on
// their account page (a class on <body>; static/js/nudge.js). A first line "CW: …" with
// nothing after it is an ordinary message. The compose form's optional warning field is
// turned into that first line by the page, so the protocol has one form only; a resend
// carries the same body and so the same warning.
//
// # Word filter
//
// Before a message is written, Post checks it (warning and text) against the community's
// word filter (admin-edited on /admin/filter; whole words, any case; empty by default).
// "block" refuses it with a *BlockedError naming the entry, sent as a refusal frame like
// any other (the page puts the text back in the box); "flag" writes it as usual and, in
// the same transaction, a report with no reporter (the filter) that puts it in the /mod
// queue; "hold" does the same with messages.held set. Edits are checked for "block" only.
//
// A held message takes its sequence number like any other, but nobody receives it until
// a moderator approves it: the fan-out covers its sequence with no HTML inside a frame
// (Frame.AppendMessage with a nil fragment), and leaves out a frame of held messages
// only; MessagesBefore and MessagesAfter (history, catch-up, mentions) skip held rows.
// So a receiver never waits on a held sequence: at worst the next frame starts past
// last+1, the connection catches up once from the store, which returns the messages after
// the held one, and carries on. Its author sees it on the group page in their own list,
// "held for review" (store.HeldMessages); the moderators in the /mod queue and on
// /mod/messages/{id}. Approve (POST /mod/messages/{id}/approve) clears held and publishes
// the message as a plain frame with Seq 0 (Hub.MessageApproved), with its original
// data-seq, and no receiver counts it against its sequence; the page script puts every
// message that arrives in its place by data-seq (an approved one lands among the
// messages around it, not at the end), and history shows it in sequence order. Reject (…/reject) deletes
// its text like a removal, keeps it out of every listing, and tells the author why. Both
// are audited and resolve the filter's report.
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
//	<p id="chat-presence" data-members="N">…</p>
//	    who is here, with the group's member count (the page head's count follows it)
//	<p id="chat-typing" data-typists="ID ID">…<span class="typist" data-user-id="ID">Name</span>…</p>
//	    who is typing; shared by the room, so each page leaves its own member out
//	<span id="chat-ack" data-ack="CLIENT_ID"></span>
//	    the message sent with CLIENT_ID is committed (also sent again for a resend); the
//	    message itself arrives as a new-message frame, possibly after the ack
//	<p id="chat-error" data-refused="CLIENT_ID">reason</p>
//	    a refusal ("slow down", too long, empty, not a member, signed out, blocked by the
//	    word filter, content warning too long); data-refused
//	    names the refused message (empty when the frame was no message) and the page puts
//	    its text back in the box
//
//	<div id="chat-compose" hx-swap-oob="true">…</div>
//	    one socket only: the send box, or what stands in its place (muted: why, until when
//	    and the appeal link; the room locked), sent when the member's standing changes
//	<span id="chat-role" data-moderator="0|1"></span>
//	    one socket only: whether its member moderates the group now; on "0" the page drops
//	    the moderator-only parts of hidden messages (.msg-mod-only)
//
// # Frames that differ by viewer
//
// Every frame is shared by the room, with one exception: a hidden message. Its room
// rendering is the placeholder "hidden by a moderator"; the group's moderators (group
// moderators, site moderators, admins: authz.Moderate, kept current on each socket by the
// live re-check) see it marked hidden with its text, the reason and Restore, and its author
// sees the placeholder with the reason. A changed-message frame carries these two variants
// (Frame.Mod, Frame.Own with Frame.Author), each rendered once per event and prepared once
// for all the sockets that receive it; Deliver picks per socket. Catch-up renders per
// socket anyway and asks NewMessageFor. History does the same: the shared (cached) page
// records where its hidden messages sit, and a moderator's or an author's page swaps in
// their rendering.
//
// A socket also follows its member's standing (revoke.go, refresh): the re-check that
// decides whether it stays open notes whether the member still moderates the group (a
// demoted moderator stops receiving moderators' renderings and stops opening a facilitated
// room at once) and what stands in place of their send box (authz.Compose); a change is
// sent to that socket alone. A mute's end is noticed by the store's clock on the presence
// flush, so the send box comes back on its own.
//
// The ack used to be a fresh #chat-client-id for the form's next message; it is gone:
// the page makes its own ids, and an ack that names the id it answers is what lets a
// page with several unsent messages clear exactly the one that was taken.
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
// keep up, and 1012 when the server stops — it reconnects and resumes. The page shows
// "Reconnecting…" while its socket is down, retries with a back-off capped at 3 s (also
// after a close the extension would not retry, other than 1008), and on 1008 shows the
// close reason and stops.
package chat
