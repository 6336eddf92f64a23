package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/store"
)

// AccountContentWarnings saves whether content-warned messages start open for the member.
func (h *Handler) AccountContentWarnings(c echo.Context) error {
	var open bool
	switch c.FormValue("cw") {
	case "open":
		open = true
	case "collapsed":
	default:
		return &Error{Code: http.StatusUnprocessableEntity, Message: "Choose whether content-warned messages start collapsed or open."}
	}
	if err := h.store.SetMemberPrefs(c.Request().Context(), currentUser(c).ID, store.MemberPrefs{CWOpen: open}); err != nil {
		return internal(err)
	}
	return redirect(c, "/account?saved=cw#content-warnings")
}
