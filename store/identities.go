package store

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Identity is a member's account at a login provider (GitHub, an OpenID Connect issuer…):
// which provider and the provider's stable subject id. Nothing else about it is kept.
type Identity struct {
	ID        int64
	UserID    int64
	Provider  string
	Subject   string
	CreatedAt time.Time
}

// Errors of the social login writers.
var (
	// ErrIdentityTaken: the provider account is linked to another member.
	ErrIdentityTaken = errors.New("identity linked to another account")
	// ErrProviderLinked: the member already has an account of this provider linked.
	ErrProviderLinked = errors.New("provider already linked")
	// ErrLastLoginMethod: unlinking would leave the member with no way to log in (no
	// password and no other provider).
	ErrLastLoginMethod = errors.New("the last way to log in cannot be removed")
)

// UserByIdentity loads the member a provider account is linked to (ErrNotFound: none).
func (s *Store) UserByIdentity(ctx context.Context, provider, subject string) (User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT u.id, u.username, u.display_name, u.email, u.password_hash, u.role, u.created_at
		FROM user_identities i JOIN users u ON u.id = i.user_id
		WHERE i.provider = ? AND i.subject = ?`, provider, subject))
	if err != nil {
		return User{}, notFound(err, "load user by identity")
	}
	return u, nil
}

// Identities lists a member's linked provider accounts, oldest first.
func (s *Store) Identities(ctx context.Context, userID int64) ([]Identity, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, user_id, provider, subject, created_at
		FROM user_identities WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list identities: %w", err)
	}
	defer rows.Close()
	var out []Identity
	for rows.Next() {
		var i Identity
		var created int64
		if err := rows.Scan(&i.ID, &i.UserID, &i.Provider, &i.Subject, &created); err != nil {
			return nil, fmt.Errorf("list identities: %w", err)
		}
		i.CreatedAt = fromMS(created)
		out = append(out, i)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list identities: %w", err)
	}
	return out, nil
}

// insertIdentity links provider/subject to userID inside tx: ErrIdentityTaken when the
// provider account belongs to another member, ErrProviderLinked when the member has one of
// this provider already. Linking the same account to the same member again is a no-op.
func (s *Store) insertIdentity(ctx context.Context, tx *sql.Tx, userID int64, provider, subject string) (Identity, error) {
	id := Identity{UserID: userID, Provider: provider, Subject: subject, CreatedAt: s.Now()}
	var owner, existing int64
	err := tx.QueryRowContext(ctx, `SELECT id, user_id FROM user_identities WHERE provider = ? AND subject = ?`,
		provider, subject).Scan(&existing, &owner)
	switch {
	case err == nil && owner == userID:
		id.ID = existing
		return id, nil
	case err == nil:
		return Identity{}, ErrIdentityTaken
	case !errors.Is(err, sql.ErrNoRows):
		return Identity{}, fmt.Errorf("look up identity: %w", err)
	}
	res, err := insertRow(ctx, tx, `INSERT INTO user_identities (user_id, provider, subject, created_at) VALUES (?, ?, ?, ?)`,
		userID, provider, subject, ms(id.CreatedAt))
	switch {
	case isUniqueViolation(err, "user_identities.user_id"):
		return Identity{}, ErrProviderLinked
	case err != nil:
		return Identity{}, fmt.Errorf("link identity: %w", err)
	}
	id.ID, err = res.LastInsertId()
	return id, err
}

// LinkIdentity adds a provider account to a member who is logged in (never by matching an
// e-mail address). See insertIdentity for the refusals.
func (s *Store) LinkIdentity(ctx context.Context, userID int64, provider, subject string) (Identity, error) {
	var id Identity
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = s.insertIdentity(ctx, tx, userID, provider, subject)
		return err
	})
	if err != nil {
		return Identity{}, err
	}
	s.announce(Change{Kind: ChangeUser, UserID: userID})
	return id, nil
}

// UnlinkIdentity removes one of the member's provider accounts. The member must keep a way
// to log in: without a password, their last provider account cannot go
// (ErrLastLoginMethod). The count and the delete share one transaction, so two unlinks at
// once cannot both pass the check. ErrNotFound: no such identity of this member.
func (s *Store) UnlinkIdentity(ctx context.Context, userID, identityID int64) error {
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		if err := s.serialize(ctx, tx, lockLogins, userID); err != nil {
			return err
		}
		var hash string
		var others int
		err := tx.QueryRowContext(ctx, `SELECT u.password_hash,
				(SELECT count(*) FROM user_identities o WHERE o.user_id = u.id AND o.id != i.id)
			FROM user_identities i JOIN users u ON u.id = i.user_id
			WHERE i.id = ? AND i.user_id = ?`, identityID, userID).Scan(&hash, &others)
		if err != nil {
			return notFound(err, "load identity to unlink")
		}
		if hash == "" && others == 0 {
			return ErrLastLoginMethod
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_identities WHERE id = ? AND user_id = ?`, identityID, userID); err != nil {
			return fmt.Errorf("unlink identity: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.announce(Change{Kind: ChangeUser, UserID: userID})
	return nil
}

// OAuthFlow is a login with a provider under way (see migration 14). BrowserHash is the
// SHA-256 of the flow cookie of the browser that started it; UserID the member logged in
// at the start (0: nobody).
type OAuthFlow struct {
	BrowserHash []byte
	Provider    string
	Purpose     string // "login" or "link"
	UserID      int64
	Next        string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// CreateOAuthFlow records a flow under the hash of its state, valid for ttl, and clears
// flows that have expired. Flows are private to one browser's login attempt and nothing
// caches them, so nothing is announced on the change feed.
func (s *Store) CreateOAuthFlow(ctx context.Context, stateHash []byte, f OAuthFlow, ttl time.Duration) error {
	now := s.Now()
	return s.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM oauth_flows WHERE expires_at <= ?`, ms(now)); err != nil {
			return fmt.Errorf("clear expired oauth flows: %w", err)
		}
		var uid any
		if f.UserID != 0 {
			uid = f.UserID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO oauth_flows
			(state_hash, browser_hash, provider, purpose, user_id, next, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			stateHash, f.BrowserHash, f.Provider, f.Purpose, uid, f.Next, ms(now), ms(now.Add(ttl))); err != nil {
			return fmt.Errorf("create oauth flow: %w", err)
		}
		return nil
	})
}

// TakeOAuthFlow removes the flow with this state hash and returns it, whoever asks: a
// state is good for one attempt only, so a replay finds nothing (ErrNotFound). An expired
// flow is returned as ErrNotFound too.
func (s *Store) TakeOAuthFlow(ctx context.Context, stateHash []byte) (OAuthFlow, error) {
	var f OAuthFlow
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var uid sql.NullInt64
		var created, expires int64
		err := tx.QueryRowContext(ctx, `DELETE FROM oauth_flows WHERE state_hash = ?
			RETURNING browser_hash, provider, purpose, user_id, next, created_at, expires_at`, stateHash).
			Scan(&f.BrowserHash, &f.Provider, &f.Purpose, &uid, &f.Next, &created, &expires)
		if err != nil {
			return notFound(err, "take oauth flow")
		}
		f.UserID, f.CreatedAt, f.ExpiresAt = uid.Int64, fromMS(created), fromMS(expires)
		return nil
	})
	if err != nil {
		return OAuthFlow{}, err
	}
	if !s.Now().Before(f.ExpiresAt) {
		return OAuthFlow{}, ErrNotFound
	}
	return f, nil
}

// DeleteExpiredLoginFlows removes expired OAuth flows and pending sign-ups and returns how
// many went. Not announced: nothing caches them.
func (s *Store) DeleteExpiredLoginFlows(ctx context.Context) (int64, error) {
	now := ms(s.Now())
	var n int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{`DELETE FROM oauth_flows WHERE expires_at <= ?`, `DELETE FROM pending_identities WHERE expires_at <= ?`} {
			res, err := tx.ExecContext(ctx, q, now)
			if err != nil {
				return fmt.Errorf("delete expired login flows: %w", err)
			}
			k, _ := res.RowsAffected()
			n += k
		}
		return nil
	})
	return n, err
}

// PendingIdentity is a provider account that came back to a browser without a Hearth
// account, while its owner chooses a display name.
type PendingIdentity struct {
	Provider  string
	Subject   string
	Next      string
	ExpiresAt time.Time
}

// SetPendingIdentity holds p for the browser with browserHash for ttl, replacing what that
// browser held, and clears expired ones. Not announced: nothing caches it.
func (s *Store) SetPendingIdentity(ctx context.Context, browserHash []byte, p PendingIdentity, ttl time.Duration) error {
	now := s.Now()
	return s.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM pending_identities WHERE expires_at <= ? OR browser_hash = ?`,
			ms(now), browserHash); err != nil {
			return fmt.Errorf("clear pending identities: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO pending_identities (browser_hash, provider, subject, next, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, browserHash, p.Provider, p.Subject, p.Next, ms(now), ms(now.Add(ttl))); err != nil {
			return fmt.Errorf("hold pending identity: %w", err)
		}
		return nil
	})
}

// PendingIdentityFor returns what the browser with browserHash holds (ErrNotFound: nothing,
// or expired).
func (s *Store) PendingIdentityFor(ctx context.Context, browserHash []byte) (PendingIdentity, error) {
	var p PendingIdentity
	var expires int64
	err := s.r.QueryRowContext(ctx, `SELECT provider, subject, next, expires_at FROM pending_identities
		WHERE browser_hash = ? AND expires_at > ?`, browserHash, ms(s.Now())).Scan(&p.Provider, &p.Subject, &p.Next, &expires)
	if err != nil {
		return PendingIdentity{}, notFound(err, "load pending identity")
	}
	p.ExpiresAt = fromMS(expires)
	return p, nil
}

// CreateSocialUser creates the account of the pending identity held for browserHash, with
// the display name its owner chose, links the identity and drops the pending row, all in one
// transaction. ErrNotFound: nothing pending (expired, or used by a double submit);
// ErrIdentityTaken: the provider account was linked to someone meanwhile; otherwise the
// errors of CreateUser. The account has no password (nu.PasswordHash is ignored).
func (s *Store) CreateSocialUser(ctx context.Context, browserHash []byte, nu NewUser) (User, PendingIdentity, error) {
	var u User
	var p PendingIdentity
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var stored []byte
		var expires int64
		err := tx.QueryRowContext(ctx, `SELECT browser_hash, provider, subject, next, expires_at FROM pending_identities
			WHERE browser_hash = ?`, browserHash).Scan(&stored, &p.Provider, &p.Subject, &p.Next, &expires)
		if err != nil {
			return notFound(err, "load pending identity")
		}
		if subtle.ConstantTimeCompare(stored, browserHash) != 1 || !s.Now().Before(fromMS(expires)) {
			return ErrNotFound
		}
		nu.PasswordHash = ""
		if u, err = s.createUserTx(ctx, tx, nu); err != nil {
			return err
		}
		if _, err := s.insertIdentity(ctx, tx, u.ID, p.Provider, p.Subject); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM pending_identities WHERE browser_hash = ?`, browserHash); err != nil {
			return fmt.Errorf("drop pending identity: %w", err)
		}
		return nil
	})
	if err != nil {
		return User{}, PendingIdentity{}, err
	}
	s.announce(Change{Kind: ChangeUser, UserID: u.ID})
	return u, p, nil
}

// Site setting keys (table site_settings).
const settingLocalRegistration = "local_registration"

// LocalRegistrationClosed reports whether an admin turned off registering with a username
// and password (the default is open).
func (s *Store) LocalRegistrationClosed(ctx context.Context) (bool, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM site_settings WHERE key = ?`, settingLocalRegistration).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("load registration setting: %w", err)
	}
	return v == "closed", nil
}

// SetLocalRegistrationClosed opens or closes registering with a username and password.
func (s *Store) SetLocalRegistrationClosed(ctx context.Context, closed bool) error {
	v := "open"
	if closed {
		v = "closed"
	}
	if _, err := s.exec(ctx, `INSERT INTO site_settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, settingLocalRegistration, v); err != nil {
		return fmt.Errorf("save registration setting: %w", err)
	}
	s.announce(Change{Kind: ChangeSettings})
	return nil
}
