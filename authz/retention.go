package authz

import "github.com/hearth-community/hearth/store"

// ManageRetention decides who sets how long a group's messages are kept: admins, on a
// group they can see. Erasing a community's history is a decision for the whole site.
func ManageRetention(s Subject, g store.Group) error {
	if err := SeeGroup(s, g); err != nil {
		return err
	}
	if !s.atLeast(store.RoleAdmin) {
		return ErrForbidden
	}
	return nil
}
