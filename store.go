package scholia

import (
	"context"
	"fmt"
)

// Store is where scholia keeps everything. Every write is one transaction
// that takes the next revision of the store's global counter and records who
// made it, when, and under which request id; annotations and documents are
// versioned by revision, so reads "as of revision R" are consistent without
// holding a transaction open (see DESIGN.md, "Revisions").
//
// Implementations validate annotations inside their write transaction (with
// Annotation.Validate), so a reference cannot be deleted between the check
// and the write. They return *Error values for every expected failure; the
// server maps their codes to gRPC status codes. The package storetest holds
// the conformance suite every implementation must pass.
type Store interface {
	// Close releases the store's connections.
	Close() error

	// Revision returns the newest committed revision.
	Revision(ctx context.Context) (int64, error)
	// Secret returns a random key made when the store was created, for
	// signing page tokens so that clients cannot forge them.
	Secret(ctx context.Context) ([]byte, error)

	// CreateUser adds a user. A taken name is CodeAlreadyExists.
	CreateUser(ctx context.Context, u User) (User, error)
	// GetUser returns a user by name.
	GetUser(ctx context.Context, name string) (User, error)
	// ListUsers returns up to limit users with names after `after`, by name.
	ListUsers(ctx context.Context, after string, limit int) ([]User, error)
	// UpdateUser changes a user's role and disabled flag (nil keeps them).
	UpdateUser(ctx context.Context, name string, role *Role, disabled *bool) (User, error)
	// CountUsers returns how many users exist, to detect a new database.
	CountUsers(ctx context.Context) (int, error)

	// CreateToken stores the hash of a new token of a user.
	CreateToken(ctx context.Context, user string, hash []byte, description string) (Token, error)
	// ListTokens returns a user's tokens, oldest first.
	ListTokens(ctx context.Context, user string) ([]Token, error)
	// RevokeToken marks a token revoked; revoking twice keeps the first time.
	RevokeToken(ctx context.Context, id int64) (Token, error)
	// Authenticate returns the enabled user owning the unrevoked token with
	// this hash; anything else is CodeUnauthenticated.
	Authenticate(ctx context.Context, hash []byte) (User, Token, error)

	// CreateProject adds a project with its schema (already validated).
	CreateProject(ctx context.Context, w WriteMeta, p Project) (Project, error)
	// GetProject returns a project with its schema.
	GetProject(ctx context.Context, id string) (Project, error)
	// ListProjects returns up to limit projects with ids after `after`,
	// without schemas.
	ListProjects(ctx context.Context, after string, limit int) ([]Project, error)
	// UpdateProject applies change to the current project inside the write
	// transaction. A non-zero etag that is not the current revision is
	// CodeAborted. A changed schema must still accept every current
	// annotation of the project, else the update is CodeFailedPrecondition.
	UpdateProject(ctx context.Context, w WriteMeta, id string, etag int64, change func(*Project) error) (Project, error)
	// DeleteProject removes a project that has no current documents.
	DeleteProject(ctx context.Context, w WriteMeta, id string, etag int64) error

	// CreateDocument stores a document. Its text must be valid UTF-8; the
	// store computes Length and SHA256.
	CreateDocument(ctx context.Context, w WriteMeta, d Document) (Document, error)
	// GetDocument returns a document, with its text if withText.
	GetDocument(ctx context.Context, project, id string, withText bool) (Document, error)
	// ListDocuments returns up to limit documents with ids after `after`, as
	// of revision asOf (0: now), without text.
	ListDocuments(ctx context.Context, project, after string, limit int, asOf int64) ([]Document, error)
	// UpdateDocument applies change to the metadata of the current document;
	// changes to its text are refused.
	UpdateDocument(ctx context.Context, w WriteMeta, project, id string, etag int64, change func(*Document) error) (Document, error)
	// DeleteDocument removes a document that has no current annotations.
	DeleteDocument(ctx context.Context, w WriteMeta, project, id string, etag int64) error

	// CreateAnnotations validates and stores annotations atomically, all in
	// one revision. A negative reference -k refers to the k-th annotation of
	// the same call. With a RequestID seen before from the same user, it
	// returns the first call's annotations as they were created.
	CreateAnnotations(ctx context.Context, w WriteMeta, anns []Annotation) ([]Annotation, error)
	// GetAnnotation returns the current version of an annotation.
	GetAnnotation(ctx context.Context, id int64) (Annotation, error)
	// ListAnnotations returns up to limit annotations matching f with ids
	// after `after`, as of revision asOf (0: now), and the revision read.
	ListAnnotations(ctx context.Context, f AnnotationFilter, after int64, limit int, asOf int64) ([]Annotation, int64, error)
	// UpdateAnnotation applies change to the current version inside the
	// write transaction, validates the result and stores it as a new
	// version. Kind, project, document and annotator cannot change.
	UpdateAnnotation(ctx context.Context, w WriteMeta, id, etag int64, change func(*Annotation) error) (Annotation, error)
	// DeleteAnnotation closes the current version. An annotation that
	// current annotations refer to is CodeFailedPrecondition.
	DeleteAnnotation(ctx context.Context, w WriteMeta, id, etag int64) (int64, error)

	// GetLayer returns a layer's status and annotation count; a layer never
	// touched is in progress with no annotations.
	GetLayer(ctx context.Context, project, document, annotator string) (Layer, error)
	// ListLayers returns layers that have annotations or a status, ordered by
	// (document, annotator), after the given key.
	ListLayers(ctx context.Context, f LayerFilter, after LayerKey, limit int) ([]Layer, error)
	// SetLayerStatus sets a layer's status.
	SetLayerStatus(ctx context.Context, w WriteMeta, project, document, annotator string, status LayerStatus, etag int64) (Layer, error)

	// CorpusReader streams snapshots and the change feed.
	CorpusReader
	Importer // bulk loads of documents with their annotations (importer.go)
	Workflow // memberships, assignments, provenance and history (workflow.go)
	// Backupper copies the store while it serves.
	Backupper
}

// AnnotationFilter selects annotations of one project.
type AnnotationFilter struct {
	Project    string
	Document   string   // "" for all
	Annotators []string // nil for all
	Kinds      []Kind   // nil for all
}

// LayerFilter selects layers of one project.
type LayerFilter struct {
	Project    string
	Document   string   // "" for all
	Annotators []string // nil for all
}

// LayerKey orders layers for keyset pagination.
type LayerKey struct {
	Document  string
	Annotator string
}

// ValidateID checks a project id, document id or user name: 1 to 128 bytes
// of letters, digits and '-', '_', '.', ':' (':' only in document ids),
// not starting with a punctuation mark, so ids are safe in paths, URLs and
// file names.
func ValidateID(what, id string, allowColon bool) error {
	if id == "" {
		return fmt.Errorf("%s is required", what)
	}
	if len(id) > 128 {
		return fmt.Errorf("%s is longer than 128 bytes", what)
	}
	for i, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			(i > 0 && (r == '-' || r == '_' || r == '.' || (allowColon && r == ':')))
		if !ok {
			return fmt.Errorf("%s %q: use letters, digits and - _ .%s, starting with a letter or digit", what, id, map[bool]string{true: " :", false: ""}[allowColon])
		}
	}
	return nil
}
