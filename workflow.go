package scholia

import (
	"context"
	"time"
)

// MemberRole is what a member does in a project. The values match the API's
// MemberRole numbers.
type MemberRole int8

// The member roles.
const (
	MemberRoleUnspecified MemberRole = 0
	// MemberAnnotator annotates their own layers.
	MemberAnnotator MemberRole = 1
	// MemberModel is a model whose layer holds pre-annotations, which the
	// project's annotators may read at any time as suggestions.
	MemberModel MemberRole = 2
)

// String returns the member role's lower-case name.
func (r MemberRole) String() string {
	switch r {
	case MemberAnnotator:
		return "annotator"
	case MemberModel:
		return "model"
	}
	return "unspecified"
}

// Valid reports whether r is one of the member roles.
func (r MemberRole) Valid() bool { return r == MemberAnnotator || r == MemberModel }

// ParseMemberRole turns a member role's name into a MemberRole.
func ParseMemberRole(s string) (MemberRole, bool) {
	switch s {
	case "annotator":
		return MemberAnnotator, true
	case "model":
		return MemberModel, true
	}
	return MemberRoleUnspecified, false
}

// Member is a user who belongs to a project. Annotators see only the
// projects they are members of; admins, curators and readers see all.
type Member struct {
	Project    string
	User       string
	Role       MemberRole
	Rev        int64 // the revision that made or last changed the membership
	UpdateTime time.Time
}

// WorkflowSettings are a project's workflow switches.
type WorkflowSettings struct {
	Project string
	// BlindAnnotation (the default) lets an annotator read another
	// annotator's layer of a document only once their own layer of it is
	// done.
	BlindAnnotation bool
	Rev             int64 // the revision of the last change; 0 if never changed
	UpdateTime      time.Time
}

// Assignment gives a document of a project to an annotator.
type Assignment struct {
	Project    string
	Document   string
	Annotator  string
	AssignedBy string
	Rev        int64 // the revision that made the assignment
	CreateTime time.Time
	// Status and AnnotationCount describe the annotator's layer of the
	// document; they are filled in on reads.
	Status          LayerStatus
	AnnotationCount int64
}

// AssignmentFilter selects assignments of one project.
type AssignmentFilter struct {
	Project   string
	Document  string // "" for all
	Annotator string // "" for all
	// OpenOnly keeps the assignments whose layer is not done, in the order
	// they were made (the annotator's queue); otherwise the order is
	// (document, annotator).
	OpenOnly bool
}

// AnnotationVersion is one stored version of an annotation: Annotation.Rev
// is the revision that wrote it, UpdateUser and UpdateTime who and when.
// A version closed by a deletion (not by an update) has DeleteRev set, with
// who deleted it and when.
type AnnotationVersion struct {
	Annotation Annotation
	DeleteRev  int64
	DeleteTime time.Time
	DeleteUser string
}

// ActivityHour is what happened in one layer owner's layers in one hour.
type ActivityHour struct {
	Hour               time.Time // the start of the hour, UTC
	AnnotationsCreated int64
	DocumentsDone      int64 // layers marked done in that hour
}

// AnnotatorActivity is one layer owner's activity in a project.
type AnnotatorActivity struct {
	Annotator          string
	AnnotationsCreated int64 // annotations ever created in the layers, deleted ones too
	DocumentsDone      int64 // layers whose current status is done
	DocumentsAssigned  int64
	Hours              []ActivityHour // oldest first
}

// CopyItem asks for one annotation to be copied into another layer.
type CopyItem struct {
	Source    int64 // the annotation to copy: a mention, event or claim
	SourceRev int64 // its etag as read; 0 accepts any version
	// DerivedFrom is the provenance to record: the annotations the copy
	// stands for. Source is always added.
	DerivedFrom []int64
}

// Decision is what a layer's owner decided about another layer's
// annotation: copied (Derived lists the current annotations of the layer
// derived from it) or rejected.
type Decision struct {
	Source   int64
	Derived  []int64
	Rejected bool
}

// LabelDecisions counts the decisions about one label's annotations of a
// layer (a model's suggestions).
type LabelDecisions struct {
	Kind     Kind
	Label    string
	Current  int64 // current annotations with this label
	Accepted int64 // (annotation, other layer) pairs with a current derived annotation
	Rejected int64 // (annotation, other layer) rejections
}

// Workflow is the part of a Store that runs a project with several
// annotators: membership, settings, assignments, provenance of copied
// annotations, decisions, and history.
type Workflow interface {
	// AddMember makes a user a member of a project, or changes their member
	// role. The user must exist and not be named gold.
	AddMember(ctx context.Context, w WriteMeta, m Member) (Member, error)
	// RemoveMember ends a membership; CodeNotFound if there is none. The
	// user's assignments in the project end with it.
	RemoveMember(ctx context.Context, w WriteMeta, project, user string) error
	// GetMember returns a membership, or CodeNotFound.
	GetMember(ctx context.Context, project, user string) (Member, error)
	// ListMembers returns a project's members by user name.
	ListMembers(ctx context.Context, project string) ([]Member, error)
	// ListMemberProjects returns up to limit projects with ids after
	// `after` that user is a member of, without schemas.
	ListMemberProjects(ctx context.Context, user, after string, limit int) ([]Project, error)

	// GetWorkflowSettings returns a project's settings (the defaults when
	// never changed).
	GetWorkflowSettings(ctx context.Context, project string) (WorkflowSettings, error)
	// SetWorkflowSettings stores a project's settings. A non-zero etag that
	// is not the settings' revision is CodeAborted.
	SetWorkflowSettings(ctx context.Context, w WriteMeta, s WorkflowSettings, etag int64) (WorkflowSettings, error)

	// Assign makes assignments (document and annotator of each, in one
	// project) and makes their annotators members. Existing assignments
	// are left as they are and not returned.
	Assign(ctx context.Context, w WriteMeta, project string, as []Assignment) ([]Assignment, error)
	// Spread assigns each document (nil: every current document) to
	// annotators (nil: the project's annotator members) until it has k,
	// taking the annotators with the fewest assignments in the project
	// first, ties by name. It returns the assignments made.
	Spread(ctx context.Context, w WriteMeta, project string, k int, annotators, documents []string) ([]Assignment, error)
	// Unassign removes an assignment, or is CodeNotFound.
	Unassign(ctx context.Context, w WriteMeta, project, document, annotator string) error
	// ListAssignments returns the assignments matching f, of current
	// documents, with their layers' status.
	ListAssignments(ctx context.Context, f AssignmentFilter) ([]Assignment, error)

	// AnnotationVersions returns every kept version of an annotation,
	// oldest first; CodeNotFound if it never existed.
	AnnotationVersions(ctx context.Context, id int64) ([]AnnotationVersion, error)
	// Activity returns the activity of every layer owner of a project, by
	// name.
	Activity(ctx context.Context, project string) ([]AnnotatorActivity, error)

	// CopyAnnotations copies annotations of other layers into the target
	// layer of project, all in one revision, recording each copy's
	// provenance (Annotation.DerivedFrom) and clearing the target's
	// rejections of them. A reference of a copied annotation (an argument,
	// a claimant) is resolved to the copy of the referred annotation made
	// by the same call, else to the target's current annotation derived from
	// it, else to the target's annotation that agrees with it (AgreementKeys),
	// else the referred annotation is copied too. An item whose annotation
	// agrees with one the target already has is linked to it (its
	// provenance grows) instead of copied. It returns the annotations made
	// or linked, referred ones before those referring to them. A source
	// already copied into the target is CodeFailedPrecondition
	// (ALREADY_COPIED); a stale SourceRev is CodeAborted.
	CopyAnnotations(ctx context.Context, w WriteMeta, project, target string, items []CopyItem) ([]Annotation, error)
	// Reject records that the owner of layer rejects annotations of other
	// layers. An annotation already copied into layer is
	// CodeFailedPrecondition.
	Reject(ctx context.Context, w WriteMeta, project, layer string, ids []int64) error
	// Decisions returns the layer's decisions about the given annotations;
	// annotations without a decision are left out.
	Decisions(ctx context.Context, project, layer string, ids []int64) (map[int64]Decision, error)
	// LabelDecisions counts, per kind and label of the current annotations
	// of a layer, how many were accepted and rejected by other layers.
	LabelDecisions(ctx context.Context, project, layer string) ([]LabelDecisions, error)
}
