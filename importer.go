package scholia

import "context"

// Importer is the part of a Store that loads documents in bulk: the store
// side of the ImportDocuments API and of `scholia import`.
type Importer interface {
	// ImportDocuments stores units of an import into project, in order,
	// each all or nothing under a revision of its own: a document with its
	// annotations and layer statuses, or (a unit whose Document.ID is
	// empty) a link, whose clusters and relations join annotations of
	// documents imported before it. Each unit is validated exactly as
	// CreateDocument and CreateAnnotations validate.
	//
	// Annotation ids in the units are local (see AnnotatedDocument): unique
	// within the import and not 0 when referred to. A reference names an
	// annotation of the same unit, in any order (an annotation is stored
	// after those it refers to), of an earlier unit of the same call, or
	// one that opts.Linked knows. The store assigns new ids; the results
	// say which.
	//
	// A unit that fails validation (or whose document exists) gets its
	// error in its result and nothing of it is written; unless
	// opts.KeepGoing, the units after it are not attempted. The error is for
	// failures of the whole call (the project does not exist, the store
	// failed), which write nothing of the call.
	ImportDocuments(ctx context.Context, w WriteMeta, project string, units []AnnotatedDocument, opts ImportOptions) ([]ImportResult, error)
}

// ImportOptions say how ImportDocuments behaves.
type ImportOptions struct {
	// DryRun validates every unit as a real import would, with the same
	// results, and writes nothing.
	DryRun bool
	// KeepGoing goes on after a failed unit instead of stopping.
	KeepGoing bool
	// Linked returns the annotation that an earlier call of the same import
	// stored (or, in a dry run, validated) under a local id: its stored id
	// and what validating a reference to it needs. Nil when there is none.
	Linked func(local int64) (RefInfo, bool)
}

// ImportStatus says what happened to one unit of an import. The values
// match the API's ImportStatus numbers.
type ImportStatus int8

// The import statuses.
const (
	ImportCreated      ImportStatus = 1 // stored
	ImportFailed       ImportStatus = 2 // refused; Err says why, nothing was written
	ImportValidated    ImportStatus = 3 // dry run: valid
	ImportNotAttempted ImportStatus = 4 // an earlier unit failed and the import stopped
)

// ImportResult is what happened to one unit of an import.
type ImportResult struct {
	Status ImportStatus
	// Document is the document as stored, without its text (zero for a
	// link or a unit not stored).
	Document Document
	// IDs holds the stored id of each of the unit's annotations, in the
	// order of its Annotations: the map from local ids to stored ones. In
	// a dry run the ids are those a real import would have given, as far
	// as the store can tell; nil unless created or validated.
	IDs []int64
	// Rev is the revision that stored the unit; 0 unless created.
	Rev int64
	// Err says why the unit failed: a *Error whose violations name fields
	// relative to the unit, such as "annotations[3].mention.label".
	Err error
}
