package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mtibben/confusables"
	"golang.org/x/text/unicode/norm"
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
	// Prefs are the member's display preferences; filled by SessionByToken, so the page
	// that shows them needs no read of its own.
	Prefs MemberPrefs
	// UnseenSanctions: a moderator's notice waits for the member (their next page shows a
	// banner). Filled by SessionByToken, like Prefs.
	UnseenSanctions bool
}

// Errors CreateUser and SetDisplayName return for names already in use.
var (
	ErrUsernameTaken    = errors.New("username taken")
	ErrDisplayNameTaken = errors.New("display name taken")
	// ErrDisplayNameSimilar is a display name that looks like another member's without
	// being the same name ("Mаple" with a Cyrillic а beside "Maple"). It is an
	// ErrDisplayNameTaken too, for callers that do not tell the two apart.
	ErrDisplayNameSimilar = fmt.Errorf("%w: too similar to another member's", ErrDisplayNameTaken)
)

// NameSkeleton is the key under which two display names count as look-alikes: the Unicode
// TR39 confusable skeleton (github.com/mtibben/confusables) of the lower-cased NFKC form.
// Two refinements:
//   - lower-casing and the skeleton are applied in turn until neither changes anything,
//     because the skeleton maps some characters to capitals ("0" to "O"): once is not
//     enough for "B0b" to meet "Bob";
//   - "i" is folded into "l": lower-casing comes first so that the key ignores case
//     ("ROBIN" is "Robin"), which leaves a capital I as an "i", and "MapIe" (capital I)
//     is the classic impersonation of "Maple". The price is that names differing only by
//     i and l ("Ali", "All") count as look-alikes.
//
// So "Mаple" (Cyrillic а), "MAPLE", "MapIe", "Map1e" and "Ｍａｐｌｅ" all have the key of
// "maple".
func NameSkeleton(name string) string {
	k := strings.ToLower(norm.NFKC.String(name))
	for range 8 { // two or three rounds settle every name; the bound only guards the loop
		next := strings.ToLower(confusables.Skeleton(k))
		if next == k {
			break
		}
		k = next
	}
	return strings.ReplaceAll(k, "i", "l")
}

// displayNameClash reports whether another account (not except) has a display name with
// the skeleton skel: ErrDisplayNameTaken for the same name in another case,
// ErrDisplayNameSimilar for a look-alike, nil for none. It runs inside the write
// transaction that then stores the name: writes are serialised (one writer connection,
// immediate transactions), so no look-alike can slip in between the check and the write.
func displayNameClash(ctx context.Context, tx *sql.Tx, name, skel string, except int64) error {
	if skel == "" {
		return nil
	}
	var other string
	err := tx.QueryRowContext(ctx, `SELECT display_name FROM users WHERE display_name_skeleton = ? AND id != ? LIMIT 1`,
		skel, except).Scan(&other)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("look for look-alike display names: %w", err)
	case strings.EqualFold(other, name):
		return ErrDisplayNameTaken
	}
	return ErrDisplayNameSimilar
}

// fillDisplayNameSkeletons stores the skeleton of every display name whose stored one is
// missing (accounts from before migration 6) or differs (a newer confusables table). It
// runs at the end of Migrate, in one transaction; it reads every account, which takes
// milliseconds for the size of community Hearth serves. Look-alikes already in the
// database are kept: only new ones are refused.
func (s *Store) fillDisplayNameSkeletons(ctx context.Context) error {
	return s.InTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, display_name, display_name_skeleton FROM users`)
		if err != nil {
			return fmt.Errorf("fill display name skeletons: %w", err)
		}
		type fix struct {
			id   int64
			skel string
		}
		var fixes []fix
		for rows.Next() {
			var id int64
			var name, stored string
			if err := rows.Scan(&id, &name, &stored); err != nil {
				rows.Close()
				return fmt.Errorf("fill display name skeletons: %w", err)
			}
			if skel := NameSkeleton(name); skel != stored {
				fixes = append(fixes, fix{id, skel})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("fill display name skeletons: %w", err)
		}
		for _, f := range fixes {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET display_name_skeleton = ? WHERE id = ?`, f.skel, f.id); err != nil {
				return fmt.Errorf("fill display name skeletons: %w", err)
			}
		}
		return nil
	})
}

// NewUser holds what CreateUser needs.
type NewUser struct {
	Username     string
	DisplayName  string
	Email        string
	PasswordHash string
}

// CreateUser inserts an account. The first account ever created becomes admin; the check
// and the insert share one immediate transaction, so two simultaneous first sign-ups cannot
// both become admin. A display name taken in another case is ErrDisplayNameTaken, one that
// looks like another member's (NameSkeleton) ErrDisplayNameSimilar.
func (s *Store) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	var u User
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = s.createUserTx(ctx, tx, nu)
		return err
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// createUserTx is CreateUser inside the caller's transaction (CreateSocialUser inserts the
// login identity in the same one).
func (s *Store) createUserTx(ctx context.Context, tx *sql.Tx, nu NewUser) (User, error) {
	u := User{
		Username:     nu.Username,
		DisplayName:  nu.DisplayName,
		Email:        nu.Email,
		PasswordHash: nu.PasswordHash,
		Role:         RoleMember,
		CreatedAt:    s.Now(),
	}
	if err := s.serialize(ctx, tx, lockAdmins, 0); err != nil {
		return User{}, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return User{}, fmt.Errorf("count users: %w", err)
	}
	if n == 0 {
		u.Role = RoleAdmin
	}
	skel := NameSkeleton(u.DisplayName)
	if err := displayNameClash(ctx, tx, u.DisplayName, skel, 0); err != nil {
		return User{}, err
	}
	res, err := insertRow(ctx, tx, `
		INSERT INTO users (username, display_name, display_name_skeleton, email, password_hash, role, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.Username, u.DisplayName, skel, u.Email, u.PasswordHash, u.Role, ms(u.CreatedAt))
	switch {
	case isUniqueViolation(err, "users.username"):
		return User{}, ErrUsernameTaken
	case isUniqueViolation(err, "users.display_name"):
		return User{}, ErrDisplayNameTaken
	case err != nil:
		return User{}, fmt.Errorf("insert user: %w", err)
	}
	if u.ID, err = res.LastInsertId(); err != nil {
		return User{}, fmt.Errorf("insert user: %w", err)
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

// ListUsers returns accounts (not the former member account, erase.go) ordered by display name, at most limit of them after offset.
func (s *Store) ListUsers(ctx context.Context, limit, offset int) ([]User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE username != ''
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

// CountUsers returns how many accounts exist (the former member account of erased
// accounts is not one).
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE username != ''`).Scan(&n); err != nil {
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
			if err := s.serialize(ctx, tx, lockAdmins, 0); err != nil {
				return err
			}
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
// old name follows through the change feed. A name in use is ErrDisplayNameTaken, one that
// looks like another member's ErrDisplayNameSimilar; a member may still change the case or
// look of their own name.
func (s *Store) SetDisplayName(ctx context.Context, userID int64, name string) error {
	skel := NameSkeleton(name)
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		if err := displayNameClash(ctx, tx, name, skel, userID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET display_name = ?, display_name_skeleton = ? WHERE id = ?`,
			name, skel, userID)
		switch {
		case isUniqueViolation(err, "users.display_name"):
			return ErrDisplayNameTaken
		case err != nil:
			return fmt.Errorf("set display name: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return err
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
			if err := s.serialize(ctx, tx, lockAdmins, 0); err != nil {
				return err
			}
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
