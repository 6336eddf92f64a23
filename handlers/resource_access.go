package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-community/hearth/authz"
	"github.com/hearth-community/hearth/store"
)

// resourceRule is one decision of the authorization policy about a library resource.
type resourceRule func(*store.User, store.Resource) error

// loadResource resolves :slug and asks the policy whether the current visitor may do what
// rule decides. A draft, pending or unpublished resource that is not theirs to see is the
// same errNotFound as one that does not exist, on every route.
func (h *Handler) loadResource(c echo.Context, rule resourceRule) (store.Resource, error) {
	r, err := h.store.ResourceBySlug(c.Request().Context(), c.Param("slug"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Resource{}, errNotFound
	case err != nil:
		return store.Resource{}, internal(err)
	}
	if err := rule(currentUser(c), r); err != nil {
		return store.Resource{}, resourceAuthzError(err)
	}
	return r, nil
}

// resourceAuthzError is authzError with the library's words.
func resourceAuthzError(err error) error {
	if errors.Is(err, authz.ErrForbidden) {
		return &Error{Code: http.StatusForbidden, Message: "You cannot do that with this resource."}
	}
	return authzError(err)
}

// loadToolkitItem resolves :id to an item of the current member's toolkit. Someone else's
// item, whoever asks, is errNotFound: a toolkit is private to its owner.
func (h *Handler) loadToolkitItem(c echo.Context) (store.ToolkitItem, error) {
	id, ok := paramID(c, "id")
	if !ok {
		return store.ToolkitItem{}, errNotFound
	}
	it, err := h.store.ToolkitItemByID(c.Request().Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return it, errNotFound
	case err != nil:
		return it, internal(err)
	}
	if err := authz.UseToolkitItem(currentUser(c), it); err != nil {
		return store.ToolkitItem{}, authzError(err)
	}
	return it, nil
}
