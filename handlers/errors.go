package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Error is the one error type handlers return for anything a member should see: an HTTP
// status and a safe message. The wrapped cause is logged, never shown.
type Error struct {
	Code    int
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return http.StatusText(e.Code) + ": " + e.Message + ": " + e.Err.Error()
	}
	return http.StatusText(e.Code) + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// httpError builds an Error.
func httpError(code int, message string, cause error) *Error {
	return &Error{Code: code, Message: message, Err: cause}
}

// Common errors.
var (
	errNotFound  = &Error{Code: http.StatusNotFound, Message: "We could not find that page. It may have moved, or you may not have access to it."}
	errForbidden = &Error{Code: http.StatusForbidden, Message: "You do not have permission to do that."}
)

// internal wraps an unexpected failure: the member sees a calm message, the log the cause.
func internal(err error) *Error {
	return &Error{Code: http.StatusInternalServerError, Message: "Something went wrong on our side. Nothing you did caused it; please try again in a moment.", Err: err}
}

var errorTitles = map[int]string{
	http.StatusBadRequest:            "That request did not look right",
	http.StatusUnauthorized:          "Please log in",
	http.StatusForbidden:             "Not allowed",
	http.StatusNotFound:              "Page not found",
	http.StatusMethodNotAllowed:      "Not allowed",
	http.StatusRequestEntityTooLarge: "That was too large",
	http.StatusTooManyRequests:       "Slow down a little",
	http.StatusInternalServerError:   "Something went wrong",
	http.StatusServiceUnavailable:    "Hearth is busy",
}

// statusClientClosed is the status logged for a request whose client went away before the
// answer (nginx's 499). Nobody receives it.
const statusClientClosed = 499

// clientGone reports whether err is the request's own context ending because the client
// disconnected: not a failure of Hearth's, so it is neither an ERROR line nor a 500.
func clientGone(c echo.Context, err error) bool {
	return errors.Is(err, context.Canceled) && errors.Is(c.Request().Context().Err(), context.Canceled)
}

// ErrorHandler is echo's HTTPErrorHandler: the single place errors are logged and shown.
// 5xx are logged at Error with their cause, 4xx at Warn; a client that disconnected is
// logged at Debug and gets no answer. HTMX requests get a fragment swapped
// into the page's #flash region; others get the full error page.
func (h *Handler) ErrorHandler(err error, c echo.Context) {
	if clientGone(c, err) {
		requestLogger(c, h.log).Debug("client went away", "method", c.Request().Method, "path", c.Path(), "err", err)
		if !c.Response().Committed {
			c.Response().WriteHeader(statusClientClosed)
		}
		return
	}
	var he *Error
	var ee *echo.HTTPError
	switch {
	case errors.As(err, &he):
	case errors.As(err, &ee):
		he = &Error{Code: ee.Code, Err: err}
		switch ee.Code {
		case http.StatusNotFound:
			he.Message = errNotFound.Message
		case http.StatusMethodNotAllowed:
			he.Message = "That action is not available here."
		case http.StatusRequestEntityTooLarge:
			he.Message = "What you sent is larger than Hearth accepts. Please shorten it and try again."
		case http.StatusTooManyRequests:
			he.Message = "Too many attempts from your connection. Please wait a minute and try again."
		default:
			if ee.Code < 500 {
				he.Message = "Hearth could not understand that request."
			} else {
				he = internal(err)
			}
		}
	default:
		he = internal(err)
	}

	log := requestLogger(c, h.log)
	attrs := []any{"status", he.Code, "method", c.Request().Method, "path", c.Path()}
	if he.Err != nil {
		attrs = append(attrs, "err", he.Err)
	}
	if he.Code >= 500 {
		log.Error("request failed", attrs...)
	} else {
		log.Warn("request refused", attrs...)
	}

	if c.Response().Committed {
		return
	}
	title := errorTitles[he.Code]
	if title == "" {
		title = http.StatusText(he.Code)
	}
	data := map[string]string{"Title": title, "Message": he.Message}
	c.Response().Header().Add(echo.HeaderVary, HeaderHXRequest)
	var rerr error
	if c.Request().Header.Get(HeaderHXRequest) == "true" && c.Request().Header.Get(HeaderHXBoosted) == "" {
		c.Response().Header().Set(HeaderHXRetarget, "#flash")
		c.Response().Header().Set(HeaderHXReswap, "innerHTML")
		rerr = h.views.WritePartial(c.Response(), he.Code, "error", data, "")
	} else {
		p := h.page(c, title, "")
		p.Data = data
		rerr = h.views.WritePage(c.Response(), he.Code, "error", p)
	}
	if rerr != nil {
		log.Error("render error page", "err", rerr)
		if !c.Response().Committed {
			_ = c.String(he.Code, title+": "+he.Message)
		}
	}
}

// requestLogger returns the request-scoped logger set by the logging middleware.
func requestLogger(c echo.Context, fallback *slog.Logger) *slog.Logger {
	if l, ok := c.Get(ctxLogger).(*slog.Logger); ok {
		return l
	}
	return fallback
}
