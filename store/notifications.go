package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// NoticeKind names what a notification is about.
type NoticeKind string

// Notification kinds. Each belongs to one NoticeSetting a member can switch off.
const (
	NoticeCheer          NoticeKind = "cheer"           // peers reacted to my goal
	NoticeComment        NoticeKind = "comment"         // peers commented on my goal
	NoticeBuddyMilestone NoticeKind = "buddy_milestone" // the member whose buddy I am reached a milestone
	NoticeMention        NoticeKind = "mention"         // I was mentioned in chat (handlers/mention_notify.go)
	NoticeJoinRequest    NoticeKind = "join_request"    // my request to join a group was decided
	// NoticeModeration: a moderator action concerns me (store/sanctions.go notifyModTx,
	// written in the action's transaction), or, for an admin, a care concern waited
	// unclaimed (StaleCareConcerns). Detail is the words the member reads.
	NoticeModeration NoticeKind = "moderation"
)

// NoticeSetting is a switch in the member's notification settings.
type NoticeSetting string

// The settings, in the order the settings page lists them.
const (
	SettingEncouragement NoticeSetting = "encouragement"
	SettingBuddy         NoticeSetting = "buddy"
	SettingMention       NoticeSetting = "mention"
	SettingJoinRequest   NoticeSetting = "join_request"
	SettingModeration    NoticeSetting = "moderation"
)

// NoticeSettings lists every setting.
var NoticeSettings = []NoticeSetting{SettingEncouragement, SettingBuddy, SettingMention, SettingJoinRequest, SettingModeration}

// Setting is the switch that turns kind off.
func (k NoticeKind) Setting() NoticeSetting {
	switch k {
	case NoticeCheer, NoticeComment:
		return SettingEncouragement
	case NoticeBuddyMilestone:
		return SettingBuddy
	case NoticeMention:
		return SettingMention
	case NoticeJoinRequest:
		return SettingJoinRequest
	}
	return SettingModeration
}

// coalesced reports whether news of this kind about the same subject joins an unread
// notification instead of making a new one.
func (k NoticeKind) coalesced() bool {
	return k == NoticeCheer || k == NoticeComment || k == NoticeBuddyMilestone || k == NoticeMention
}

// Notice is a notification to write: for whom, what, about which goal or group, by whom.
type Notice struct {
	UserID    int64
	Kind      NoticeKind
	GoalID    int64
	GroupID   int64
	ActorID   int64
	CommentID int64
	MessageID int64 // the chat message of a mention
	Detail    string
}

// Notify writes one notification in its own transaction. Producers that write something
// else at the same time use notifyTx inside their transaction instead.
func (s *Store) Notify(ctx context.Context, n Notice) error {
	var ok bool
	err := s.InTx(ctx, func(tx *sql.Tx) (err error) {
		ok, err = notifyTx(ctx, tx, n, ms(s.Now()))
		return err
	})
	if err == nil && ok {
		s.announce(Change{Kind: ChangeNotification, UserID: n.UserID})
	}
	return err
}

// notifyTx writes notification n unless its recipient switched its kind off or is the
// actor; news about the subject of an unread notification of the same kind joins it. It
// reports whether anything was written.
func notifyTx(ctx context.Context, tx *sql.Tx, n Notice, now int64) (bool, error) {
	if n.UserID == 0 || n.UserID == n.ActorID {
		return false, nil
	}
	var off bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM notification_settings WHERE user_id = ? AND kind = ?)`,
		n.UserID, n.Kind.Setting()).Scan(&off); err != nil {
		return false, fmt.Errorf("notify: read settings: %w", err)
	}
	if off {
		return false, nil
	}
	var id int64
	if n.Kind.coalesced() {
		err := tx.QueryRowContext(ctx, `SELECT id FROM notifications WHERE user_id = ? AND kind = ? AND goal_id IS NOT DISTINCT FROM ? AND group_id IS NOT DISTINCT FROM ?
			AND read_at IS NULL`, n.UserID, n.Kind, nullID(n.GoalID), nullID(n.GroupID)).Scan(&id)
		if err != nil && err != sql.ErrNoRows {
			return false, fmt.Errorf("notify: find unread: %w", err)
		}
	}
	if id != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET updated_at = ?, detail = ? WHERE id = ?`, now, n.Detail, id); err != nil {
			return false, fmt.Errorf("notify: coalesce: %w", err)
		}
	} else {
		res, err := insertRow(ctx, tx, `INSERT INTO notifications (user_id, kind, goal_id, group_id, detail, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, n.UserID, n.Kind, nullID(n.GoalID), nullID(n.GroupID), n.Detail, now, now)
		if err != nil {
			return false, fmt.Errorf("notify: %w", err)
		}
		id, _ = res.LastInsertId()
	}
	if n.ActorID != 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notification_actors (notification_id, actor_id, comment_id, message_id, created_at)
			SELECT ?1, ?2, CAST(?3 AS INTEGER), CAST(?5 AS INTEGER), ?4 WHERE CAST(?3 AS INTEGER) IS NOT NULL OR CAST(?5 AS INTEGER) IS NOT NULL
			   OR NOT EXISTS (SELECT 1 FROM notification_actors WHERE notification_id = ?1 AND actor_id = ?2)`,
			id, n.ActorID, nullID(n.CommentID), now, nullID(n.MessageID)); err != nil {
			return false, fmt.Errorf("notify: actor: %w", err)
		}
	}
	return true, nil
}

// dropEmptyNotices deletes userID's notifications of the kinds made of actors whose every
// actor is gone (a deleted comment, a deleted account).
func dropEmptyNotices(ctx context.Context, tx *sql.Tx, userID int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM notifications WHERE user_id = ? AND kind IN ('cheer', 'comment', 'buddy_milestone', 'mention')
		AND NOT EXISTS (SELECT 1 FROM notification_actors a WHERE a.notification_id = notifications.id)`, userID)
	if err != nil {
		return fmt.Errorf("drop empty notifications: %w", err)
	}
	return nil
}

// Notification is a notification as its recipient sees it.
type Notification struct {
	ID         int64
	Kind       NoticeKind
	GoalID     int64
	GoalTitle  string
	GroupName  string
	GroupSlug  string
	Detail     string
	Actors     []string // the latest few actors' display names, newest first
	ActorCount int      // how many different members
	Items      int      // how many actions (comments, say) it gathers
	UpdatedAt  time.Time
	Read       bool
}

// visibleNotices is the condition that keeps a notification to what its recipient may see
// now: news of a goal only while they own it or are still its buddy (sharing a group with
// its owner: a dormant buddy's past news of it is hidden too), news made of actors
// only while an actor is left, a mention only while they still belong to the group.
const visibleNotices = ` FROM notifications n LEFT JOIN goals g ON g.id = n.goal_id LEFT JOIN groups gr ON gr.id = n.group_id
	WHERE n.user_id = CAST(?1 AS INTEGER) AND (
		(n.kind IN ('cheer', 'comment') AND g.user_id = n.user_id)
		OR (n.kind = 'buddy_milestone' AND g.buddy_id = n.user_id AND ` + "EXISTS (SELECT 1 FROM memberships sa JOIN memberships sb ON sb.group_id = sa.group_id AND sb.user_id = n.user_id WHERE sa.user_id = g.user_id)" + `)
		OR (n.kind = 'mention' AND EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = n.group_id AND m.user_id = n.user_id))
		OR n.kind NOT IN ('cheer', 'comment', 'buddy_milestone', 'mention'))
	AND (n.kind NOT IN ('cheer', 'comment', 'buddy_milestone', 'mention')
		OR EXISTS (SELECT 1 FROM notification_actors a WHERE a.notification_id = n.id))`

// Notifications lists a member's notifications, newest first, a page at a time.
func (s *Store) Notifications(ctx context.Context, userID int64, limit, offset int) ([]Notification, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT n.id, n.kind, COALESCE(n.goal_id, 0), COALESCE(g.title, ''), COALESCE(gr.name, ''),
		COALESCE(gr.slug, ''), n.detail, n.updated_at, n.read_at IS NOT NULL,
		(SELECT COUNT(DISTINCT a.actor_id) FROM notification_actors a WHERE a.notification_id = n.id),
		(SELECT COUNT(*) FROM notification_actors a WHERE a.notification_id = n.id),
		COALESCE((SELECT string_agg(name, '`+"\x1f"+`') FROM (SELECT u.display_name AS name FROM notification_actors a
			JOIN users u ON u.id = a.actor_id WHERE a.notification_id = n.id GROUP BY a.actor_id, u.display_name ORDER BY MAX(a.created_at) DESC LIMIT 3) AS actors), '')`+
		visibleNotices+` ORDER BY n.updated_at DESC, n.id DESC LIMIT CAST(?2 AS INTEGER) OFFSET CAST(?3 AS INTEGER)`, userID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var n Notification
		var at int64
		var names string
		if err := rows.Scan(&n.ID, &n.Kind, &n.GoalID, &n.GoalTitle, &n.GroupName, &n.GroupSlug, &n.Detail, &at, &n.Read,
			&n.ActorCount, &n.Items, &names); err != nil {
			return nil, fmt.Errorf("list notifications: %w", err)
		}
		n.UpdatedAt = fromMS(at)
		if names != "" {
			n.Actors = strings.Split(names, "\x1f")
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// NotificationFor loads one of a member's notifications, if they may still see it.
func (s *Store) NotificationFor(ctx context.Context, userID, id int64) (Notification, error) {
	var n Notification
	err := s.r.QueryRowContext(ctx, `SELECT n.id, n.kind, COALESCE(n.goal_id, 0), COALESCE(gr.slug, ''), n.detail`+visibleNotices+
		` AND n.id = CAST(?2 AS INTEGER)`, userID, id).Scan(&n.ID, &n.Kind, &n.GoalID, &n.GroupSlug, &n.Detail)
	if err != nil {
		return Notification{}, notFound(err, "load notification")
	}
	return n, nil
}

// MarkNotificationRead marks one notification read; another member's is ErrNotFound.
func (s *Store) MarkNotificationRead(ctx context.Context, userID, id int64) error {
	res, err := s.exec(ctx, `UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE id = ? AND user_id = ?`, ms(s.Now()), id, userID)
	if err != nil {
		return fmt.Errorf("mark notification read: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	s.announce(Change{Kind: ChangeNotification, UserID: userID})
	return nil
}

// MarkAllNotificationsRead marks every notification of a member read.
func (s *Store) MarkAllNotificationsRead(ctx context.Context, userID int64) error {
	if _, err := s.exec(ctx, `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL`, ms(s.Now()), userID); err != nil {
		return fmt.Errorf("mark notifications read: %w", err)
	}
	s.announce(Change{Kind: ChangeNotification, UserID: userID})
	return nil
}

// NotificationSettingsOf reports, for every setting, whether it is on for the member.
func (s *Store) NotificationSettingsOf(ctx context.Context, userID int64) (map[NoticeSetting]bool, error) {
	out := map[NoticeSetting]bool{}
	for _, k := range NoticeSettings {
		out[k] = true
	}
	rows, err := s.r.QueryContext(ctx, `SELECT kind FROM notification_settings WHERE user_id = ?`, userID)
	if err != nil {
		return nil, fmt.Errorf("load notification settings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k NoticeSetting
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("load notification settings: %w", err)
		}
		out[k] = false
	}
	return out, rows.Err()
}

// SetNotificationSettings saves which settings are on; the rest are off.
func (s *Store) SetNotificationSettings(ctx context.Context, userID int64, on map[NoticeSetting]bool) error {
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM notification_settings WHERE user_id = ?`, userID); err != nil {
			return fmt.Errorf("save notification settings: %w", err)
		}
		for _, k := range NoticeSettings {
			if !on[k] {
				if _, err := tx.ExecContext(ctx, `INSERT INTO notification_settings (user_id, kind) VALUES (?, ?)`, userID, k); err != nil {
					return fmt.Errorf("save notification settings: %w", err)
				}
			}
		}
		return nil
	})
	if err == nil {
		s.announce(Change{Kind: ChangeNotification, UserID: userID})
	}
	return err
}

// Every page shows the member's unread count beside the bell. unreadCache answers it from
// memory: an entry is filled by one query and dropped by the change feed whenever that
// member's notifications change (ChangeNotification, or a change that can hide some:
// ChangeUser, ChangeMembership, ChangeGoal with a buddy). A fill that races a write is
// stored under the older generation and never used, as in the session cache.
type unreadCache struct {
	mu      sync.Mutex
	gen     uint64
	entries *lru.Cache[int64, unreadEntry]
	loads   atomic.Uint64
}

type unreadEntry struct{ count int }

func newUnreadCache() *unreadCache {
	c, err := lru.New[int64, unreadEntry](10_000)
	if err != nil {
		panic(err)
	}
	return &unreadCache{entries: c}
}

func (c *unreadCache) follow(changes []Change) {
	for _, ch := range changes {
		switch ch.Kind {
		case ChangeNotification:
			c.mu.Lock()
			c.gen++
			if ch.UserID == 0 {
				c.entries.Purge()
			} else {
				c.entries.Remove(ch.UserID)
			}
			c.mu.Unlock()
		case ChangeUser, ChangeMembership, ChangeGroup:
			// A deleted account takes its actions out of others' notifications; a member who
			// left a group no longer sees its mentions.
			c.mu.Lock()
			c.gen++
			c.entries.Purge()
			c.mu.Unlock()
		}
	}
}

// UnreadCount is how many unread notifications the member may see. It is answered from
// memory except for the first ask after their notifications changed.
func (s *Store) UnreadCount(ctx context.Context, userID int64) (int, error) {
	c := s.unread
	c.mu.Lock()
	e, ok := c.entries.Get(userID)
	gen := c.gen // a fill is kept only if nothing changed while it ran
	c.mu.Unlock()
	if ok {
		return e.count, nil
	}
	c.loads.Add(1)
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*)`+visibleNotices+` AND n.read_at IS NULL`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count unread notifications: %w", err)
	}
	c.mu.Lock()
	if c.gen == gen {
		c.entries.Add(userID, unreadEntry{count: n})
	}
	c.mu.Unlock()
	return n, nil
}

// UnreadCountLoads is how many times UnreadCount went to the database: a measure of the
// cache, for tests and benchmarks.
func (s *Store) UnreadCountLoads() uint64 { return s.unread.loads.Load() }

// MembersNamed returns the ids of groupID's members whose display names, lowercased, are
// among names: who a chat message mentions and may be told of it.
func (s *Store) MembersNamed(ctx context.Context, groupID int64, names []string) ([]int64, error) {
	if len(names) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(names)
	if err != nil {
		return nil, fmt.Errorf("find mentioned members: %w", err)
	}
	named := `SELECT j.value FROM json_each(CAST(?2 AS TEXT)) j`
	if s.pg {
		named = `SELECT json_array_elements_text(CAST(?2 AS JSON))`
	}
	rows, err := s.r.QueryContext(ctx, `SELECT u.id FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.group_id = CAST(?1 AS INTEGER) AND lower(u.display_name) IN (`+named+`)`, groupID, string(b))
	if err != nil {
		return nil, fmt.Errorf("find mentioned members: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find mentioned members: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// SeqBefore is the sequence of a group's last message written before t (0 if none).
func (s *Store) SeqBefore(ctx context.Context, groupID int64, t time.Time) (int64, error) {
	var seq int64
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM messages WHERE group_id = ? AND created_at < ?`,
		groupID, ms(t)).Scan(&seq); err != nil {
		return 0, fmt.Errorf("find the last message before a time: %w", err)
	}
	return seq, nil
}

// ForgetMessageNotices takes a removed chat message out of the notifications that mention
// it; a notification left with nothing goes. It reports nothing if the message is not
// removed.
func (s *Store) ForgetMessageNotices(ctx context.Context, messageID int64) error {
	// Most changed messages (edits, reactions) mention nobody: a read, not a write, says so.
	var any bool
	if err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM notification_actors WHERE message_id = CAST(? AS INTEGER))`,
		messageID).Scan(&any); err != nil {
		return fmt.Errorf("forget a message's notifications: %w", err)
	}
	if !any {
		return nil
	}
	var users []int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		users = users[:0] // afresh if InTx runs this again
		var deleted sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT deleted_at FROM messages WHERE id = ?`, messageID).Scan(&deleted)
		if err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("forget a message's notifications: %w", err)
		}
		if err == nil && !deleted.Valid {
			return nil // still there
		}
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT n.user_id FROM notification_actors a JOIN notifications n ON n.id = a.notification_id
			WHERE a.message_id = ?`, messageID)
		if err != nil {
			return fmt.Errorf("forget a message's notifications: %w", err)
		}
		for rows.Next() {
			var u int64
			if err := rows.Scan(&u); err != nil {
				rows.Close()
				return fmt.Errorf("forget a message's notifications: %w", err)
			}
			users = append(users, u)
		}
		rows.Close()
		if len(users) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM notification_actors WHERE message_id = ?`, messageID); err != nil {
			return fmt.Errorf("forget a message's notifications: %w", err)
		}
		for _, u := range users {
			if err := dropEmptyNotices(ctx, tx, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, u := range users {
		s.announce(Change{Kind: ChangeNotification, UserID: u})
	}
	return nil
}
