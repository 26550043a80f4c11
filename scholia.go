// Package scholia holds the domain of the scholia annotation service: projects,
// documents, annotations (mentions, events, claims, relations, clusters),
// their validation against a schema and a text, and the Store interface that
// every storage backend implements.
//
// The package imports nothing of the project, so the storage, server, client,
// evaluation and format packages can all depend on it without cycles.
package scholia

import (
	"time"
)

// GoldAnnotator is the name of the curated layer. No user may take this name;
// curators and admins write it.
const GoldAnnotator = "gold"

// Kind says which body an annotation has. The values match the API's
// AnnotationKind numbers.
type Kind int8

// The annotation kinds.
const (
	KindUnspecified Kind = 0
	KindMention     Kind = 1
	KindEvent       Kind = 2
	KindClaim       Kind = 3
	KindRelation    Kind = 4
	KindCluster     Kind = 5
)

var kindNames = [...]string{"unspecified", "mention", "event", "claim", "relation", "cluster"}

// String returns the kind's lower-case name, as the CLI shows it.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Valid reports whether k is one of the five kinds.
func (k Kind) Valid() bool { return k >= KindMention && k <= KindCluster }

// ParseKind turns a kind's name into a Kind.
func ParseKind(s string) (Kind, bool) {
	for i, n := range kindNames {
		if i > 0 && n == s {
			return Kind(i), true
		}
	}
	return KindUnspecified, false
}

// Role is what a user may do. The values match the API's Role numbers.
type Role int8

// The roles.
const (
	RoleUnspecified Role = 0
	RoleAdmin       Role = 1
	RoleCurator     Role = 2
	RoleAnnotator   Role = 3
	RoleReader      Role = 4
)

var roleNames = [...]string{"unspecified", "admin", "curator", "annotator", "reader"}

// String returns the role's lower-case name.
func (r Role) String() string {
	if r >= 0 && int(r) < len(roleNames) {
		return roleNames[r]
	}
	return "unknown"
}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { return r >= RoleAdmin && r <= RoleReader }

// ParseRole turns a role's name into a Role.
func ParseRole(s string) (Role, bool) {
	for i, n := range roleNames {
		if i > 0 && n == s {
			return Role(i), true
		}
	}
	return RoleUnspecified, false
}

// User is a person or program that calls the API.
type User struct {
	Name       string
	Role       Role
	Disabled   bool
	CreateTime time.Time
}

// Token is a user's bearer credential. Only a hash of the secret is stored.
type Token struct {
	ID          int64
	User        string
	Description string
	CreateTime  time.Time
	RevokeTime  time.Time // zero while valid
}

// Project is a corpus annotated against one schema.
type Project struct {
	ID            string
	Title         string
	Description   string
	Schema        *Schema
	SchemaVersion int32
	Rev           int64 // revision of the last change: the etag
	CreateTime    time.Time
	UpdateTime    time.Time
}

// Document is one article. Text is immutable once stored.
type Document struct {
	Project     string
	ID          string
	Title       string
	Source      string
	URL         string
	PublishTime time.Time // zero if unknown
	Language    string
	Text        string // empty unless asked for
	Length      int64  // code points
	SHA256      string // hex of the text's UTF-8 bytes
	Rev         int64  // revision of the last change: the etag
	CreateTime  time.Time
	UpdateTime  time.Time
}

// LayerStatus is how far an annotator is with a document.
type LayerStatus int8

// The layer statuses. The values match the API's LayerStatus numbers.
const (
	LayerStatusUnspecified LayerStatus = 0
	LayerInProgress        LayerStatus = 1
	LayerDone              LayerStatus = 2
)

// String returns the status's name as the CLI shows it.
func (s LayerStatus) String() string {
	switch s {
	case LayerInProgress:
		return "in-progress"
	case LayerDone:
		return "done"
	}
	return "unspecified"
}

// Layer is all annotations of one document by one annotator.
type Layer struct {
	Project         string
	Document        string
	Annotator       string
	Status          LayerStatus
	AnnotationCount int64
	Rev             int64 // revision of the last status change; 0 if never set
	UpdateTime      time.Time
}

// WriteMeta says who makes a write and under which client request id, so the
// revision that records it can answer "who, when, which request".
type WriteMeta struct {
	User string
	// RequestID makes a create idempotent: a second create by the same user
	// with the same RequestID returns the first result.
	RequestID string
	// Fingerprint identifies the request's content; a reused RequestID with a
	// different fingerprint is refused rather than silently answered with the
	// result of another request.
	Fingerprint string
}
