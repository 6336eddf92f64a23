package handlers

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
)

// A member's own data: the download of everything Hearth holds about them, and the
// erasure of their account (store/export.go, store/erase.go, the privacy page).

// freshLogin is how recent a login must be to confirm an account deletion without a
// password (an account that logs in only through another service), and to change the
// ways of logging in (auth_social*.go).
const freshLogin = 5 * time.Minute

// recentLogin reports whether the request's session began less than freshLogin ago.
func (h *Handler) recentLogin(c echo.Context) bool {
	s := currentSession(c)
	return s != nil && h.store.Now().Sub(s.CreatedAt) < freshLogin
}

// errStaleLogin refuses a change to how a member logs in on a session that is not recent:
// a session left open, or stolen, must not be enough to take the account over for good.
var errStaleLogin = &Error{Code: http.StatusForbidden, Message: "To change how you log in, please log in again first " +
	"(with your password or a provider you use), then come back here within five minutes. This keeps your account yours " +
	"if someone else has your device."}

// AccountExport sends the member's data as one JSON file, written as it is read. It is a
// POST with the CSRF token, so no other site can make a browser fetch it.
//
// An export holds a read connection and a database snapshot while it is written, so a
// member has one under way at a time and the site exportSlots in all, and a download that
// stops reading for exportStall is cut: a client cannot hold the read pool, or the WAL
// checkpoints, by never reading.
func (h *Handler) AccountExport(c echo.Context) error {
	u := currentUser(c)
	release, ok := h.exports.acquire(u.ID)
	if !ok {
		return &Error{Code: http.StatusTooManyRequests, Message: "A download of your data is already being prepared, or many are at once. Please try again in a minute."}
	}
	defer release()
	w := c.Response()
	name := fmt.Sprintf("hearth-export-%s.json", h.store.Now().Format("2006-01-02"))
	w.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSONCharsetUTF8)
	w.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := h.store.ExportUser(c.Request().Context(), u.ID, stallWriter{rc: http.NewResponseController(w), w: w}); err != nil {
		if !w.Committed {
			return internal(err)
		}
		// The status is sent: the file is cut short, and the browser shows a failed download.
		requestLogger(c, h.log).Error("export cut short", "err", err)
		panic(http.ErrAbortHandler)
	}
	requestLogger(c, h.log).Info("data exported", "bytes", w.Size)
	return nil
}

// exportSlots bounds the exports under way on the site; exportStall is how long one write of
// an export may wait for the client to read.
const (
	exportSlots = 2
	exportStall = 30 * time.Second
)

// exportGate admits one export per member and exportSlots in all.
type exportGate struct {
	mu    sync.Mutex
	users map[int64]bool
	slots chan struct{}
}

func newExportGate() *exportGate {
	return &exportGate{users: map[int64]bool{}, slots: make(chan struct{}, exportSlots)}
}

// acquire admits userID's export, or reports false without waiting.
func (g *exportGate) acquire(userID int64) (release func(), ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.users[userID] {
		return nil, false
	}
	select {
	case g.slots <- struct{}{}:
	default:
		return nil, false
	}
	g.users[userID] = true
	return func() {
		g.mu.Lock()
		delete(g.users, userID)
		g.mu.Unlock()
		<-g.slots
	}, true
}

// stallWriter gives each write to the client exportStall to go through.
type stallWriter struct {
	rc *http.ResponseController
	w  io.Writer
}

func (s stallWriter) Write(p []byte) (int, error) {
	// Not every writer takes a deadline (a test's recorder); the write then waits as before.
	_ = s.rc.SetWriteDeadline(time.Now().Add(exportStall))
	return s.w.Write(p)
}

// accountDeletePage is what the confirmation page shows.
type accountDeletePage struct {
	// HasPassword: the member confirms with their password; otherwise with a fresh login.
	HasPassword bool
	// Fresh: the member logged in less than freshLogin ago.
	Fresh bool
	// Providers are the member's linked login services: logging in again with one of them
	// (back to this page) is the fresh login that confirms.
	Providers []providerButton
	Error     string
}

func (h *Handler) accountDeletePage(c echo.Context) *accountDeletePage {
	u := currentUser(c)
	d := &accountDeletePage{HasPassword: u.PasswordHash != "", Fresh: h.recentLogin(c)}
	if !d.HasPassword && !d.Fresh {
		b, err := h.linkedProviderButtons(c.Request().Context(), u)
		if err != nil {
			h.log.WarnContext(c.Request().Context(), "account delete: list login providers", "err", err)
		}
		d.Providers = b
	}
	return d
}

func (h *Handler) renderAccountDelete(c echo.Context, status int, d *accountDeletePage) error {
	p := h.page(c, "Delete your account", "account")
	p.Data = d
	return h.respond(c, status, "account_delete", "", p)
}

// AccountDeleteForm asks the member to confirm the deletion of their account.
func (h *Handler) AccountDeleteForm(c echo.Context) error {
	return h.renderAccountDelete(c, http.StatusOK, h.accountDeletePage(c))
}

// AccountDelete erases the member's account after they confirm it (store.EraseUser): their
// messages turn into "message removed" on every open page, and their sockets and
// notification streams close through the change feed.
func (h *Handler) AccountDelete(c echo.Context) error {
	u := currentUser(c)
	d := h.accountDeletePage(c)
	switch {
	case c.FormValue("confirm") != "yes":
		d.Error = "Please tick the box to confirm that you want your account deleted."
	case d.HasPassword && !h.passwords.verify(c.FormValue("password"), u.PasswordHash):
		d.Error = "That is not your password."
	case !d.HasPassword && !d.Fresh:
		d.Error = "To confirm, log in again with your provider (the button below); you then have five minutes to delete."
	}
	if d.Error != "" {
		return h.renderAccountDelete(c, http.StatusUnprocessableEntity, d)
	}
	ctx := c.Request().Context()
	er, err := h.store.EraseUser(ctx, u.ID)
	if errors.Is(err, store.ErrLastAdmin) {
		d.Error = "You are the only admin, so your account cannot be deleted yet: make another member an admin first (Admin, Members and roles)."
		return h.renderAccountDelete(c, http.StatusConflict, d)
	}
	if err != nil && er.UserID == 0 {
		return internal(err)
	}
	if err != nil { // erased and committed; only the WAL checkpoint failed
		requestLogger(c, h.log).Warn("account erased, checkpoint failed", "err", err)
	}
	// Open pages show the erased messages as removed, by the path every removal takes.
	for _, ids := range er.Messages {
		for _, id := range ids {
			if m, err := h.store.MessageByID(ctx, id); err == nil {
				h.chat.MessageChanged(m)
			}
		}
	}
	if s := currentSession(c); s != nil {
		h.sessionEnded(u.ID, s.ID)
	}
	requestLogger(c, h.log).Info("account erased", "messages", er.MessageCount, "groups", len(er.Groups))
	h.clearSessionCookie(c)
	h.rotateCSRF(c)
	return redirect(c, "/account/deleted")
}

// AccountDeleted says goodbye after an account was deleted.
func (h *Handler) AccountDeleted(c echo.Context) error {
	return h.respond(c, http.StatusOK, "account_deleted", "", h.page(c, "Your account is deleted", ""))
}
