package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ResourceStatus is where a library resource stands in review.
type ResourceStatus string

// Statuses: a draft is being written or was sent back to its author; pending waits for a
// moderator; published is in the library for everyone; unpublished was taken down or
// rejected. Only published resources exist for members other than the author and
// moderators.
const (
	ResourceDraft       ResourceStatus = "draft"
	ResourcePending     ResourceStatus = "pending"
	ResourcePublished   ResourceStatus = "published"
	ResourceUnpublished ResourceStatus = "unpublished"
)

// Category is a shelf of the library.
type Category struct {
	Slug string // stored and used in links
	Name string // shown
}

// Categories are the library's shelves, in display order.
var Categories = []Category{
	{"self-care", "Self-care"},
	{"coping-skills", "Coping skills"},
	{"building-resilience", "Building resilience"},
	{"realistic-goals", "Setting realistic goals"},
	{"connection-support", "Connection and support"},
	{"care-team", "Working with your care team"},
	{"addiction-recovery", "Recovery from addiction"},
	{"crisis-help", "Crisis and urgent help"},
}

// CategoryName returns the shown name of a category slug, or "" for an unknown one.
func CategoryName(slug string) string {
	for _, c := range Categories {
		if c.Slug == slug {
			return c.Name
		}
	}
	return ""
}

// Resource is one entry of the library.
type Resource struct {
	ID       int64
	Slug     string
	Title    string
	Summary  string
	Body     string // markdown, rendered only through views.RenderMarkdown
	Category string
	Tags     []string
	Link     string // optional external link
	Warning  string // optional content warning, shown before the body
	Source   string // where it comes from, or the evidence it rests on
	AuthorID int64  // 0 for the starter library or when the author's account is gone
	// AuthorName is the author's display name ("" when AuthorID is 0).
	AuthorName  string
	Status      ResourceStatus
	ReviewNote  string // the latest note a moderator left for the author
	HelpedCount int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CategoryName is the resource's category as shown.
func (r Resource) CategoryName() string { return CategoryName(r.Category) }

// Published reports whether the resource is in the library for everyone.
func (r Resource) Published() bool { return r.Status == ResourcePublished }

// ResourceInput holds a resource's editable fields.
type ResourceInput struct {
	Slug     string
	Title    string
	Summary  string
	Body     string
	Category string
	Tags     []string
	Link     string
	Warning  string
	Source   string
}

// Input returns the resource's editable fields, for a form or a restore.
func (r Resource) Input() ResourceInput {
	return ResourceInput{Slug: r.Slug, Title: r.Title, Summary: r.Summary, Body: r.Body, Category: r.Category,
		Tags: r.Tags, Link: r.Link, Warning: r.Warning, Source: r.Source}
}

const resourceColumns = `r.id, r.slug, r.title, r.summary, r.body, r.category, r.tags, r.link, r.warning,
	r.source, COALESCE(r.author_id, 0), COALESCE(u.display_name, ''), r.status, r.review_note, r.helped_count,
	r.created_at, r.updated_at`

const resourceFrom = ` FROM resources r LEFT JOIN users u ON u.id = r.author_id`

func scanResource(row interface{ Scan(...any) error }, extra ...any) (Resource, error) {
	var r Resource
	var tags string
	var created, updated int64
	dest := append([]any{&r.ID, &r.Slug, &r.Title, &r.Summary, &r.Body, &r.Category, &tags, &r.Link, &r.Warning,
		&r.Source, &r.AuthorID, &r.AuthorName, &r.Status, &r.ReviewNote, &r.HelpedCount, &created, &updated}, extra...)
	err := row.Scan(dest...)
	r.Tags = splitTags(tags)
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	return r, err
}

func splitTags(s string) []string { return strings.Fields(s) }

// joinTags is how tags are stored: lowercase, one space apart, each once. A tag of
// several words ("small steps") is kept whole, its words joined by dashes.
func joinTags(tags []string) string {
	seen := map[string]bool{}
	var out []string
	for _, t := range tags {
		t = strings.ToLower(strings.Join(strings.Fields(t), "-"))
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return strings.Join(out, " ")
}

// CreateResource adds a resource with the given status and keeps it as its first revision.
// authorID 0 means the starter library. A slug in use is ErrSlugTaken.
func (s *Store) CreateResource(ctx context.Context, in ResourceInput, authorID int64, status ResourceStatus) (Resource, error) {
	var id int64
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = createResourceTx(ctx, tx, in, authorID, status, ms(s.Now()))
		return err
	})
	if err != nil {
		return Resource{}, err
	}
	s.announce(Change{Kind: ChangeResource, ResourceID: id})
	return s.ResourceByID(ctx, id)
}

func createResourceTx(ctx context.Context, tx *sql.Tx, in ResourceInput, authorID int64, status ResourceStatus, now int64) (int64, error) {
	res, err := insertRow(ctx, tx, `
		INSERT INTO resources (slug, title, summary, body, category, tags, link, warning, source, author_id, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.Slug, in.Title, in.Summary, in.Body, in.Category, joinTags(in.Tags), in.Link, in.Warning, in.Source,
		nullID(authorID), status, now, now)
	if isUniqueViolation(err, "resources.slug") {
		return 0, ErrSlugTaken
	}
	if err != nil {
		return 0, fmt.Errorf("insert resource: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("insert resource: %w", err)
	}
	if err := setTagsTx(ctx, tx, id, in.Tags); err != nil {
		return 0, err
	}
	return id, addRevisionTx(ctx, tx, id, authorID, "created", now)
}

func setTagsTx(ctx context.Context, tx *sql.Tx, id int64, tags []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM resource_tags WHERE resource_id = ?`, id); err != nil {
		return fmt.Errorf("clear resource tags: %w", err)
	}
	for _, t := range splitTags(joinTags(tags)) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO resource_tags (tag, resource_id) VALUES (?, ?)`, t, id); err != nil {
			return fmt.Errorf("tag resource: %w", err)
		}
	}
	return nil
}

// addRevisionTx keeps the resource as it is now, inside the transaction that changed it.
func addRevisionTx(ctx context.Context, tx *sql.Tx, id, editorID int64, note string, now int64) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO resource_revisions (resource_id, editor_id, created_at, note, slug, title, summary, body, category, tags, link, warning, source, status)
		SELECT id, ?, ?, ?, slug, title, summary, body, category, tags, link, warning, source, status FROM resources WHERE id = ?`,
		nullID(editorID), now, note, id)
	if err != nil {
		return fmt.Errorf("keep resource revision: %w", err)
	}
	return nil
}

// UpdateResource saves new content for a resource, sets its status, and keeps the result as
// a revision by editorID with note ("edited", "resubmitted", …).
func (s *Store) UpdateResource(ctx context.Context, id int64, in ResourceInput, status ResourceStatus, editorID int64, note string) (Resource, error) {
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.Now())
		res, err := tx.ExecContext(ctx, `
			UPDATE resources SET slug = ?, title = ?, summary = ?, body = ?, category = ?, tags = ?, link = ?,
			       warning = ?, source = ?, status = ?, updated_at = ?
			WHERE id = ?`, in.Slug, in.Title, in.Summary, in.Body, in.Category, joinTags(in.Tags), in.Link,
			in.Warning, in.Source, status, now, id)
		if isUniqueViolation(err, "resources.slug") {
			return ErrSlugTaken
		}
		if err != nil {
			return fmt.Errorf("update resource: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if err := setTagsTx(ctx, tx, id, in.Tags); err != nil {
			return err
		}
		return addRevisionTx(ctx, tx, id, editorID, note, now)
	})
	if err != nil {
		return Resource{}, err
	}
	s.announce(Change{Kind: ChangeResource, ResourceID: id})
	return s.ResourceByID(ctx, id)
}

// Review decisions a moderator takes on a resource.
const (
	DecisionApprove   = "approve"   // published
	DecisionSendBack  = "send-back" // back to its author as a draft, with a note
	DecisionReject    = "reject"    // unpublished, with a note
	DecisionUnpublish = "unpublish" // taken out of the library
)

// decisionStatus is the status each decision leads to.
var decisionStatus = map[string]ResourceStatus{
	DecisionApprove: ResourcePublished, DecisionSendBack: ResourceDraft,
	DecisionReject: ResourceUnpublished, DecisionUnpublish: ResourceUnpublished,
}

// ErrUnknownDecision is a review decision that is not one of the Decision constants.
var ErrUnknownDecision = errors.New("unknown review decision")

// ReviewResource records a moderator's decision with its note for the author and moves the
// resource to the status the decision leads to. Approving clears the note shown to the
// author; the others replace it.
func (s *Store) ReviewResource(ctx context.Context, id, moderatorID int64, decision, note string) error {
	status, ok := decisionStatus[decision]
	if !ok {
		return ErrUnknownDecision
	}
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		now := ms(s.Now())
		res, err := tx.ExecContext(ctx, `UPDATE resources SET status = ?, review_note = ?, updated_at = ? WHERE id = ?`,
			status, note, now, id)
		if err != nil {
			return fmt.Errorf("review resource: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO resource_reviews (resource_id, moderator_id, decision, note, created_at)
			VALUES (?, ?, ?, ?, ?)`, id, nullID(moderatorID), decision, note, now); err != nil {
			return fmt.Errorf("review resource: keep decision: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.announce(Change{Kind: ChangeResource, ResourceID: id})
	return nil
}

// DeleteResource removes a resource with its revisions, helped marks, toolkit entries and
// reviews. A starter resource stays recorded as loaded, so it never comes back.
func (s *Store) DeleteResource(ctx context.Context, id int64) error {
	res, err := s.exec(ctx, `DELETE FROM resources WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete resource: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	s.announce(Change{Kind: ChangeResource, ResourceID: id})
	return nil
}

// ResourceBySlug loads a resource in any status; who may see it is the caller's decision.
func (s *Store) ResourceBySlug(ctx context.Context, slug string) (Resource, error) {
	r, err := scanResource(s.r.QueryRowContext(ctx, `SELECT `+resourceColumns+resourceFrom+` WHERE r.slug = CAST(? AS CITEXT)`, slug))
	if err != nil {
		return Resource{}, notFound(err, "load resource by slug")
	}
	return r, nil
}

// ResourceByID loads a resource in any status.
func (s *Store) ResourceByID(ctx context.Context, id int64) (Resource, error) {
	r, err := scanResource(s.r.QueryRowContext(ctx, `SELECT `+resourceColumns+resourceFrom+` WHERE r.id = CAST(? AS INTEGER)`, id))
	if err != nil {
		return Resource{}, notFound(err, "load resource")
	}
	return r, nil
}

func (s *Store) listResources(ctx context.Context, doing, where string, args ...any) ([]Resource, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+resourceColumns+resourceFrom+` `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	defer rows.Close()
	var out []Resource
	for rows.Next() {
		r, err := scanResource(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", doing, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ReviewQueue returns the resources waiting for review, oldest first.
func (s *Store) ReviewQueue(ctx context.Context) ([]Resource, error) {
	return s.listResources(ctx, "list review queue", `WHERE r.status = 'pending' ORDER BY r.updated_at, r.id`)
}

// ResourcesByAuthor returns every resource userID wrote, in any status, newest first.
func (s *Store) ResourcesByAuthor(ctx context.Context, userID int64) ([]Resource, error) {
	return s.listResources(ctx, "list own resources", `WHERE r.author_id = CAST(? AS INTEGER) ORDER BY r.updated_at DESC, r.id DESC`, userID)
}

// Revision is a resource as one save left it.
type Revision struct {
	ID         int64
	ResourceID int64
	EditorID   int64
	EditorName string
	CreatedAt  time.Time
	Note       string
	Input      ResourceInput
	Status     ResourceStatus
	// Changed names the fields that differ from the revision before it (empty for the
	// first); ResourceRevisions fills it in.
	Changed []string
}

// ResourceRevisions returns a resource's revisions, newest first, each with what it changed.
func (s *Store) ResourceRevisions(ctx context.Context, resourceID int64) ([]Revision, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT v.id, v.resource_id, COALESCE(v.editor_id, 0), COALESCE(u.display_name, ''), v.created_at, v.note,
		       v.slug, v.title, v.summary, v.body, v.category, v.tags, v.link, v.warning, v.source, v.status
		FROM resource_revisions v LEFT JOIN users u ON u.id = v.editor_id
		WHERE v.resource_id = CAST(? AS INTEGER) ORDER BY v.id`, resourceID)
	if err != nil {
		return nil, fmt.Errorf("list revisions: %w", err)
	}
	defer rows.Close()
	var out []Revision
	for rows.Next() {
		var v Revision
		var created int64
		var tags string
		if err := rows.Scan(&v.ID, &v.ResourceID, &v.EditorID, &v.EditorName, &created, &v.Note,
			&v.Input.Slug, &v.Input.Title, &v.Input.Summary, &v.Input.Body, &v.Input.Category, &tags,
			&v.Input.Link, &v.Input.Warning, &v.Input.Source, &v.Status); err != nil {
			return nil, fmt.Errorf("list revisions: %w", err)
		}
		v.CreatedAt, v.Input.Tags = fromMS(created), splitTags(tags)
		if n := len(out); n > 0 {
			v.Changed = changedFields(out[n-1].Input, v.Input)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list revisions: %w", err)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// changedFields names the fields that differ between two versions of a resource.
func changedFields(a, b ResourceInput) []string {
	var out []string
	for _, f := range []struct {
		name string
		x, y string
	}{{"address", a.Slug, b.Slug}, {"title", a.Title, b.Title}, {"summary", a.Summary, b.Summary},
		{"text", a.Body, b.Body}, {"category", a.Category, b.Category}, {"tags", joinTags(a.Tags), joinTags(b.Tags)},
		{"link", a.Link, b.Link}, {"content warning", a.Warning, b.Warning}, {"source", a.Source, b.Source}} {
		if f.x != f.y {
			out = append(out, f.name)
		}
	}
	return out
}

// RestoreRevision makes an earlier revision's content current again, as a new revision by
// editorID; the resource keeps its status.
func (s *Store) RestoreRevision(ctx context.Context, resourceID, revisionID, editorID int64) (Resource, error) {
	revs, err := s.ResourceRevisions(ctx, resourceID)
	if err != nil {
		return Resource{}, err
	}
	cur, err := s.ResourceByID(ctx, resourceID)
	if err != nil {
		return Resource{}, err
	}
	for _, v := range revs {
		if v.ID == revisionID {
			return s.UpdateResource(ctx, resourceID, v.Input, cur.Status, editorID, fmt.Sprintf("restored revision %d", v.ID))
		}
	}
	return Resource{}, ErrNotFound
}

// Review is a moderator's recorded decision on a resource.
type Review struct {
	ModeratorName string
	Decision      string
	Note          string
	CreatedAt     time.Time
}

// ResourceReviews returns the decisions taken on a resource, newest first.
func (s *Store) ResourceReviews(ctx context.Context, resourceID int64) ([]Review, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT COALESCE(u.display_name, ''), v.decision, v.note, v.created_at
		FROM resource_reviews v LEFT JOIN users u ON u.id = v.moderator_id
		WHERE v.resource_id = CAST(? AS INTEGER) ORDER BY v.id DESC`, resourceID)
	if err != nil {
		return nil, fmt.Errorf("list reviews: %w", err)
	}
	defer rows.Close()
	var out []Review
	for rows.Next() {
		var v Review
		var created int64
		if err := rows.Scan(&v.ModeratorName, &v.Decision, &v.Note, &created); err != nil {
			return nil, fmt.Errorf("list reviews: %w", err)
		}
		v.CreatedAt = fromMS(created)
		out = append(out, v)
	}
	return out, rows.Err()
}

// MarkHelped records that a resource helped userID. Marking it again changes nothing; it
// reports whether this call added the mark.
func (s *Store) MarkHelped(ctx context.Context, resourceID, userID int64) (bool, error) {
	var added bool
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO resource_helped (resource_id, user_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`, resourceID, userID, ms(s.Now()))
		if err != nil {
			return fmt.Errorf("mark helped: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		added = true
		if _, err := tx.ExecContext(ctx, `UPDATE resources SET helped_count = helped_count + 1 WHERE id = ?`, resourceID); err != nil {
			return fmt.Errorf("mark helped: count: %w", err)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if added {
		s.announce(Change{Kind: ChangeResource, ResourceID: resourceID, UserID: userID})
	}
	return added, nil
}

// UnmarkHelped takes back userID's "this helped me" (the button is a toggle). Taking back
// a mark that is not there changes nothing; it reports whether this call removed one.
func (s *Store) UnmarkHelped(ctx context.Context, resourceID, userID int64) (bool, error) {
	var removed bool
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM resource_helped WHERE resource_id = ? AND user_id = ?`, resourceID, userID)
		if err != nil {
			return fmt.Errorf("unmark helped: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		removed = true
		if _, err := tx.ExecContext(ctx, `UPDATE resources SET helped_count = CASE WHEN helped_count > 0 THEN helped_count - 1 ELSE 0 END WHERE id = ?`, resourceID); err != nil {
			return fmt.Errorf("unmark helped: count: %w", err)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if removed {
		s.announce(Change{Kind: ChangeResource, ResourceID: resourceID, UserID: userID})
	}
	return removed, nil
}

// HasHelped reports whether userID marked the resource as helpful.
func (s *Store) HasHelped(ctx context.Context, resourceID, userID int64) (bool, error) {
	var yes bool
	err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM resource_helped WHERE resource_id = CAST(? AS INTEGER)
		AND user_id = CAST(? AS INTEGER))`, resourceID, userID).Scan(&yes)
	if err != nil {
		return false, fmt.Errorf("check helped: %w", err)
	}
	return yes, nil
}
