package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Role is a member's site-wide role.
type Role string

// Roles, from least to most trusted.
const (
	RoleMember    Role = "member"
	RoleModerator Role = "moderator"
	RoleAdmin     Role = "admin"
)

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleMember, RoleModerator, RoleAdmin:
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q (want admin, moderator or member)", s)
}

// AtLeast reports whether r carries at least the rights of min.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() }

func (r Role) rank() int {
	switch r {
	case RoleAdmin:
		return 3
	case RoleModerator:
		return 2
	case RoleMember:
		return 1
	}
	return 0
}

// User is an account. Username and Email are private: views show DisplayName to others.
type User struct {
	ID           int64
	Username     string
	DisplayName  string
	Email        string
	PasswordHash string
	Role         Role
	CreatedAt    time.Time
}

// Errors CreateUser returns for names already in use.
var (
	ErrUsernameTaken    = errors.New("username taken")
	ErrDisplayNameTaken = errors.New("display name taken")
)

// NewUser holds what CreateUser needs.
type NewUser struct {
	Username     string
	DisplayName  string
	Email        string
	PasswordHash string
}

// CreateUser inserts an account. The first account ever created becomes admin; the check
// and the insert share one immediate transaction, so two simultaneous first sign-ups cannot
// both become admin.
func (s *Store) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	u := User{
		Username:     nu.Username,
		DisplayName:  nu.DisplayName,
		Email:        nu.Email,
		PasswordHash: nu.PasswordHash,
		Role:         RoleMember,
		CreatedAt:    s.Now(),
	}
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
			return fmt.Errorf("count users: %w", err)
		}
		if n == 0 {
			u.Role = RoleAdmin
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO users (username, display_name, email, password_hash, role, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`,
			u.Username, u.DisplayName, u.Email, u.PasswordHash, u.Role, ms(u.CreatedAt))
		switch {
		case isUniqueViolation(err, "users.username"):
			return ErrUsernameTaken
		case isUniqueViolation(err, "users.display_name"):
			return ErrDisplayNameTaken
		case err != nil:
			return fmt.Errorf("insert user: %w", err)
		}
		u.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

const userColumns = `id, username, display_name, email, password_hash, role, created_at`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var created int64
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Email, &u.PasswordHash, &u.Role, &created)
	u.CreatedAt = fromMS(created)
	return u, err
}

// UserByID loads one account.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return User{}, notFound(err, "load user by id")
	}
	return u, nil
}

// UserByUsername loads one account by its login name (case-insensitive).
func (s *Store) UserByUsername(ctx context.Context, username string) (User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = ?`, username))
	if err != nil {
		return User{}, notFound(err, "load user by username")
	}
	return u, nil
}

// UserByDisplayName loads one account by its public pseudonym (case-insensitive).
func (s *Store) UserByDisplayName(ctx context.Context, name string) (User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE display_name = ?`, name))
	if err != nil {
		return User{}, notFound(err, "load user by display name")
	}
	return u, nil
}

// ListUsers returns accounts ordered by display name, at most limit of them after offset.
func (s *Store) ListUsers(ctx context.Context, limit, offset int) ([]User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users
		ORDER BY display_name LIMIT CAST(? AS INTEGER) OFFSET CAST(? AS INTEGER)`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var users []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// CountUsers returns how many accounts exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// ErrLastAdmin is returned when a change would leave Hearth without any admin.
var ErrLastAdmin = errors.New("the last admin cannot lose the admin role")

// SetRole changes an account's role. Demoting the only admin is refused with ErrLastAdmin.
func (s *Store) SetRole(ctx context.Context, userID int64, role Role) error {
	defer s.announce(Change{Kind: ChangeUser, UserID: userID})
	return s.InTx(ctx, func(tx *sql.Tx) error {
		var cur Role
		if err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE id = ?`, userID).Scan(&cur); err != nil {
			return notFound(err, "load role")
		}
		if cur == RoleAdmin && role != RoleAdmin {
			var admins int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin'`).Scan(&admins); err != nil {
				return fmt.Errorf("count admins: %w", err)
			}
			if admins <= 1 {
				return ErrLastAdmin
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ?`, role, userID); err != nil {
			return fmt.Errorf("set role: %w", err)
		}
		return nil
	})
}

// SetDisplayName changes a member's public pseudonym. Everything already rendered with the
// old name follows through the change feed. A name in use is ErrDisplayNameTaken.
func (s *Store) SetDisplayName(ctx context.Context, userID int64, name string) error {
	res, err := s.exec(ctx, `UPDATE users SET display_name = ? WHERE id = ?`, name, userID)
	switch {
	case isUniqueViolation(err, "users.display_name"):
		return ErrDisplayNameTaken
	case err != nil:
		return fmt.Errorf("set display name: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	s.announce(Change{Kind: ChangeUser, UserID: userID})
	return nil
}

// DeleteUser removes an account and, by cascade, its sessions, memberships, messages and
// reactions. The last admin cannot be deleted (ErrLastAdmin). Caches and open sockets
// follow through the change feed.
func (s *Store) DeleteUser(ctx context.Context, userID int64) error {
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var role Role
		if err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE id = ?`, userID).Scan(&role); err != nil {
			return notFound(err, "load user to delete")
		}
		if role == RoleAdmin {
			var admins int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin'`).Scan(&admins); err != nil {
				return fmt.Errorf("count admins: %w", err)
			}
			if admins <= 1 {
				return ErrLastAdmin
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, userID); err != nil {
			return fmt.Errorf("delete user: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.announce(Change{Kind: ChangeUser, UserID: userID})
	return nil
}
