package scholia

import (
	"context"
	"time"
)

// CorpusFilter selects what a corpus read returns: the documents of a
// project (all, some ids, or a publication-time range) and, of each, the
// annotations of some layers, kinds and labels.
type CorpusFilter struct {
	Project    string
	Annotators []string  // nil for all layers
	Documents  []string  // nil for all documents
	From, To   time.Time // publication time range [From, To); zero for open ends
	Kinds      []Kind    // nil for all kinds
	Labels     []string  // nil for all labels
	DoneOnly   bool      // only layers whose status is done at the revision read
	WithText   bool      // include the documents' texts
	// ChangedSince keeps only documents that changed after this revision:
	// the document itself, an annotation of a selected layer, or a
	// selected layer's status. 0 keeps all.
	ChangedSince int64
}

// CorpusDocument is one document with the selected annotations: its
// mentions, events, claims and relations, the clusters that hold any of them
// (whole, with members in other documents too) and its layers' statuses.
type CorpusDocument struct {
	Document    Document
	Annotations []Annotation
	Clusters    []Annotation
	Layers      []Layer
}

// ChangeType says what a revision did to a resource.
type ChangeType int8

// The change types. The values match the API's ChangeType numbers.
const (
	ChangeCreated ChangeType = 1
	ChangeUpdated ChangeType = 2
	ChangeDeleted ChangeType = 3
)

// Change is one resource changed by one revision. Exactly one of
// Annotation, Document and Layer is set: the new version, or for a deletion
// the last version.
type Change struct {
	Rev        int64
	Time       time.Time
	User       string
	Type       ChangeType
	Annotation *Annotation
	Document   *Document
	Layer      *Layer
}

// CorpusReader is the part of a Store that streams the corpus and the change
// feed. Reads take a revision and read the versions current at it, so a long
// stream is a series of short reads that all see one snapshot, and no read
// transaction is held open between them.
type CorpusReader interface {
	// ReadCorpus returns up to limit documents with ids after `after`, in
	// id order, matching f as of revision asOf, each with its annotations.
	ReadCorpus(ctx context.Context, f CorpusFilter, after string, limit int, asOf int64) ([]CorpusDocument, error)
	// Changes returns the changes of a project by revisions after since, in
	// revision order, for at most maxRevs revisions (all changes of a
	// revision come together). annotators narrows annotation and layer
	// changes (nil for all); document changes always come.
	Changes(ctx context.Context, project string, annotators []string, since int64, maxRevs int) ([]Change, error)
	// WaitRevision blocks until a revision newer than rev is committed, or
	// ctx ends, and returns the newest revision.
	WaitRevision(ctx context.Context, rev int64) (int64, error)
	// OldestRevision returns the oldest revision that can still be read as a
	// snapshot; older versions have been removed by retention.
	OldestRevision(ctx context.Context) (int64, error)
}
