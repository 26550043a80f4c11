package pbconv

import (
	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// MemberToPB converts a membership to its API message.
func MemberToPB(m scholia.Member) *pb.ProjectMember {
	return &pb.ProjectMember{ProjectId: m.Project, User: m.User, Role: pb.MemberRole(m.Role), UpdateTime: TS(m.UpdateTime)}
}

// WorkflowSettingsToPB converts workflow settings to their API message.
func WorkflowSettingsToPB(s scholia.WorkflowSettings) *pb.WorkflowSettings {
	return &pb.WorkflowSettings{ProjectId: s.Project, BlindAnnotation: s.BlindAnnotation, Etag: Etag(s.Rev)}
}

// AssignmentToPB converts an assignment to its API message.
func AssignmentToPB(a scholia.Assignment) *pb.Assignment {
	return &pb.Assignment{ProjectId: a.Project, DocumentId: a.Document, Annotator: a.Annotator, AssignedBy: a.AssignedBy,
		CreateTime: TS(a.CreateTime), Status: pb.LayerStatus(a.Status), AnnotationCount: a.AnnotationCount}
}

// AssignmentsToPB converts assignments to their API messages.
func AssignmentsToPB(as []scholia.Assignment) []*pb.Assignment {
	out := make([]*pb.Assignment, len(as))
	for i, a := range as {
		out[i] = AssignmentToPB(a)
	}
	return out
}

// AnnotationsToPB converts annotations to their API messages.
func AnnotationsToPB(anns []scholia.Annotation) []*pb.Annotation {
	out := make([]*pb.Annotation, len(anns))
	for i, a := range anns {
		out[i] = AnnotationToPB(a)
	}
	return out
}

// CurationRowToPB converts a row of a curation diff to its API message.
// rejected says which annotations a curator rejected.
func CurationRowToPB(r scholia.CurationRow, rejected func(id int64) bool) *pb.CurationRow {
	out := &pb.CurationRow{Status: pb.CurationStatus(r.Status), Kind: pb.AnnotationKind(r.Kind), Spans: SpansToPB(r.Spans), GoldIds: r.GoldIDs}
	for _, c := range r.Candidates {
		pc := &pb.CurationCandidate{Annotation: AnnotationToPB(c.Annotation), Annotators: c.Annotators, AnnotationIds: c.IDs, GoldId: c.GoldID}
		for _, id := range c.IDs {
			if rejected(id) {
				pc.Rejected = true
			}
		}
		out.Candidates = append(out.Candidates, pc)
	}
	return out
}

// ActivityToPB converts an annotator's activity to its API message.
func ActivityToPB(a scholia.AnnotatorActivity) *pb.AnnotatorActivity {
	out := &pb.AnnotatorActivity{Annotator: a.Annotator, AnnotationsCreated: a.AnnotationsCreated,
		DocumentsDone: a.DocumentsDone, DocumentsAssigned: a.DocumentsAssigned}
	for _, h := range a.Hours {
		out.Hours = append(out.Hours, &pb.ActivityHour{StartTime: TS(h.Hour), AnnotationsCreated: h.AnnotationsCreated, DocumentsDone: h.DocumentsDone})
	}
	return out
}

// LabelAcceptanceToPB converts decision counts to their API message.
func LabelAcceptanceToPB(d scholia.LabelDecisions) *pb.LabelAcceptance {
	out := &pb.LabelAcceptance{Kind: pb.AnnotationKind(d.Kind), Label: d.Label, Suggested: d.Current, Accepted: d.Accepted, Rejected: d.Rejected}
	if n := d.Accepted + d.Rejected; n > 0 {
		out.AcceptanceRate = float64(d.Accepted) / float64(n)
	}
	return out
}
