package chat

import "sync"

// Close reasons of a socket refused by a cap. The htmx ws extension does not reconnect
// after 1008, so a page over the cap stays closed instead of retrying in a loop; the
// reason is what the member can read in the browser's console and in the page's state.
const (
	reasonTooManyMember  = "too many open chat windows for your account; close some and reload"
	reasonTooManySession = "too many open chat windows in this browser; close some and reload"
	reasonTooManyIP      = "too many open chat connections from your network; close some and reload"
)

// TooManySocketsError is returned by Attach for a socket beyond a cap. Cap names which one
// ("member", "session" or "ip").
type TooManySocketsError struct {
	Cap    string
	reason string
}

func (e *TooManySocketsError) Error() string { return "chat: too many open sockets per " + e.Cap }

// socketCaps counts the open sockets of each member, session and client IP. A socket is
// counted from Attach until its goroutines have finished (detach), and the check and the
// count happen under one lock, so many sockets opened at once cannot slip past a cap.
type socketCaps struct {
	mu      sync.Mutex
	member  map[int64]int
	session map[int64]int
	ip      map[string]int
}

func newSocketCaps() *socketCaps {
	return &socketCaps{member: map[int64]int{}, session: map[int64]int{}, ip: map[string]int{}}
}

// reserve counts cl's new socket, or refuses it when it would pass a cap.
func (s *socketCaps) reserve(opt Options, cl Client) *TooManySocketsError {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case opt.MaxPerSession >= 0 && s.session[cl.SessionID] >= opt.MaxPerSession:
		return &TooManySocketsError{Cap: "session", reason: reasonTooManySession}
	case opt.MaxPerMember >= 0 && s.member[cl.UserID] >= opt.MaxPerMember:
		return &TooManySocketsError{Cap: "member", reason: reasonTooManyMember}
	case opt.MaxPerIP >= 0 && cl.IP != "" && s.ip[cl.IP] >= opt.MaxPerIP:
		return &TooManySocketsError{Cap: "ip", reason: reasonTooManyIP}
	}
	s.session[cl.SessionID]++
	s.member[cl.UserID]++
	if cl.IP != "" {
		s.ip[cl.IP]++
	}
	return nil
}

// release forgets a finished socket.
func (s *socketCaps) release(cl Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dec := func(m map[int64]int, k int64) {
		if m[k]--; m[k] <= 0 {
			delete(m, k)
		}
	}
	dec(s.session, cl.SessionID)
	dec(s.member, cl.UserID)
	if cl.IP != "" {
		if s.ip[cl.IP]--; s.ip[cl.IP] <= 0 {
			delete(s.ip, cl.IP)
		}
	}
}
