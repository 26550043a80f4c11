package server

import (
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// This file maps between API messages and domain types. The mapping is
// mechanical on purpose: validation lives in the domain and the store.

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func fromTS(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

func etag(rev int64) string {
	if rev == 0 {
		return ""
	}
	return strconv.FormatInt(rev, 10)
}

// parseEtag reads an etag sent back by a client; empty means unconditional.
func parseEtag(field, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, scholia.Invalid("bad etag", scholia.FieldViolation{Field: field, Description: "not an etag this server gave out; send the etag field as read"})
	}
	return n, nil
}

func kindsToPB(ks []scholia.Kind) []pb.AnnotationKind {
	out := make([]pb.AnnotationKind, len(ks))
	for i, k := range ks {
		out[i] = pb.AnnotationKind(k)
	}
	return out
}

func kindsFromPB(ks []pb.AnnotationKind) []scholia.Kind {
	out := make([]scholia.Kind, len(ks))
	for i, k := range ks {
		out[i] = scholia.Kind(k)
	}
	return out
}

func schemaToPB(s *scholia.Schema) *pb.Schema {
	if s == nil {
		return nil
	}
	out := &pb.Schema{
		Name:                  s.Name,
		ClaimStances:          s.ClaimStances,
		ClaimTypes:            s.ClaimTypes,
		CheckWorthinessValues: s.CheckWorthinessValues,
	}
	for _, e := range s.EntityTypes {
		out.EntityTypes = append(out.EntityTypes, &pb.EntityType{Name: e.Name, Description: e.Description})
	}
	for _, e := range s.EventTypes {
		et := &pb.EventType{Name: e.Name, Description: e.Description}
		for _, r := range e.Roles {
			et.Roles = append(et.Roles, &pb.RoleDefinition{Name: r.Name, FillerTypes: r.FillerTypes})
		}
		out.EventTypes = append(out.EventTypes, et)
	}
	for _, a := range s.Attributes {
		out.Attributes = append(out.Attributes, &pb.AttributeDefinition{Name: a.Name, AppliesTo: kindsToPB(a.AppliesTo), Values: a.Values})
	}
	for _, r := range s.RelationTypes {
		out.RelationTypes = append(out.RelationTypes, &pb.RelationType{Name: r.Name, Description: r.Description,
			SourceKinds: kindsToPB(r.SourceKinds), TargetKinds: kindsToPB(r.TargetKinds)})
	}
	return out
}

// SchemaFromPB converts an API schema to the domain type. It is exported for
// the CLI, which reads schema files in the API's JSON form.
func SchemaFromPB(s *pb.Schema) *scholia.Schema {
	if s == nil {
		return nil
	}
	out := &scholia.Schema{
		Name:                  s.GetName(),
		ClaimStances:          s.GetClaimStances(),
		ClaimTypes:            s.GetClaimTypes(),
		CheckWorthinessValues: s.GetCheckWorthinessValues(),
	}
	for _, e := range s.GetEntityTypes() {
		out.EntityTypes = append(out.EntityTypes, scholia.EntityType{Name: e.GetName(), Description: e.GetDescription()})
	}
	for _, e := range s.GetEventTypes() {
		et := scholia.EventType{Name: e.GetName(), Description: e.GetDescription()}
		for _, r := range e.GetRoles() {
			et.Roles = append(et.Roles, scholia.RoleDefinition{Name: r.GetName(), FillerTypes: r.GetFillerTypes()})
		}
		out.EventTypes = append(out.EventTypes, et)
	}
	for _, a := range s.GetAttributes() {
		out.Attributes = append(out.Attributes, scholia.AttributeDefinition{Name: a.GetName(), AppliesTo: kindsFromPB(a.GetAppliesTo()), Values: a.GetValues()})
	}
	for _, r := range s.GetRelationTypes() {
		out.RelationTypes = append(out.RelationTypes, scholia.RelationType{Name: r.GetName(), Description: r.GetDescription(),
			SourceKinds: kindsFromPB(r.GetSourceKinds()), TargetKinds: kindsFromPB(r.GetTargetKinds())})
	}
	return out
}

func projectToPB(p scholia.Project) *pb.Project {
	return &pb.Project{
		Id: p.ID, Title: p.Title, Description: p.Description, Schema: schemaToPB(p.Schema),
		SchemaVersion: p.SchemaVersion, Etag: etag(p.Rev), CreateTime: ts(p.CreateTime), UpdateTime: ts(p.UpdateTime),
	}
}

func documentToPB(d scholia.Document) *pb.Document {
	return &pb.Document{
		ProjectId: d.Project, Id: d.ID, Title: d.Title, Source: d.Source, Url: d.URL,
		PublishTime: ts(d.PublishTime), Language: d.Language, Text: d.Text, Length: d.Length,
		Sha256: d.SHA256, Etag: etag(d.Rev), CreateTime: ts(d.CreateTime), UpdateTime: ts(d.UpdateTime),
	}
}

func documentFromPB(d *pb.Document) scholia.Document {
	return scholia.Document{
		Project: d.GetProjectId(), ID: d.GetId(), Title: d.GetTitle(), Source: d.GetSource(), URL: d.GetUrl(),
		PublishTime: fromTS(d.GetPublishTime()), Language: d.GetLanguage(), Text: d.GetText(),
	}
}

func spansToPB(spans []scholia.Span) []*pb.Span {
	if len(spans) == 0 {
		return nil
	}
	out := make([]*pb.Span, len(spans))
	for i, s := range spans {
		out[i] = &pb.Span{Start: s.Start, End: s.End, Text: s.Text}
	}
	return out
}

func spansFromPB(spans []*pb.Span) []scholia.Span {
	if len(spans) == 0 {
		return nil
	}
	out := make([]scholia.Span, len(spans))
	for i, s := range spans {
		out[i] = scholia.Span{Start: s.GetStart(), End: s.GetEnd(), Text: s.GetText()}
	}
	return out
}

var clusterLabels = map[pb.ClusterKind]string{
	pb.ClusterKind_CLUSTER_KIND_ENTITY: "entity",
	pb.ClusterKind_CLUSTER_KIND_EVENT:  "event",
	pb.ClusterKind_CLUSTER_KIND_CLAIM:  "claim",
}

func clusterKind(label string) pb.ClusterKind {
	for k, l := range clusterLabels {
		if l == label {
			return k
		}
	}
	return pb.ClusterKind_CLUSTER_KIND_UNSPECIFIED
}

// AnnotationToPB converts a domain annotation to its API message. It is
// exported for the format and client code that writes API JSON.
func AnnotationToPB(a scholia.Annotation) *pb.Annotation {
	out := &pb.Annotation{
		Id: a.ID, ProjectId: a.Project, DocumentId: a.Document, Annotator: a.Annotator,
		Attributes: a.Attributes, Etag: etag(a.Rev), CreateRevision: a.CreateRev, UpdateRevision: a.Rev,
		CreateTime: ts(a.CreateTime), UpdateTime: ts(a.UpdateTime), UpdateUser: a.UpdateUser,
	}
	switch a.Kind {
	case scholia.KindMention:
		out.Body = &pb.Annotation_Mention{Mention: &pb.Mention{Spans: spansToPB(a.Spans), Label: a.Label}}
	case scholia.KindEvent:
		ev := &pb.Event{Trigger: spansToPB(a.Spans), Type: a.Label}
		for _, arg := range a.Arguments {
			ev.Arguments = append(ev.Arguments, &pb.Argument{Role: arg.Role, AnnotationId: arg.AnnotationID})
		}
		out.Body = &pb.Annotation_Event{Event: ev}
	case scholia.KindClaim:
		c := &pb.Claim{Spans: spansToPB(a.Spans), ClaimType: a.Label}
		if f := a.Claim; f != nil {
			c.ClaimantId, c.ClaimantText, c.Cue = f.ClaimantID, f.ClaimantText, spansToPB(f.Cue)
			c.Stance, c.CheckWorthiness = f.Stance, f.CheckWorthiness
			if n := f.Normalized; n != nil {
				c.Normalized = &pb.NormalizedValue{Value: n.Value, Unit: n.Unit, Time: n.Time}
			}
		}
		out.Body = &pb.Annotation_Claim{Claim: c}
	case scholia.KindRelation:
		r := &pb.Relation{Type: a.Label}
		if a.Relation != nil {
			r.SourceId, r.TargetId = a.Relation.Source, a.Relation.Target
		}
		out.Body = &pb.Annotation_Relation{Relation: r}
	case scholia.KindCluster:
		c := &pb.Cluster{Kind: clusterKind(a.Label)}
		if a.Cluster != nil {
			c.MemberIds, c.Title = a.Cluster.Members, a.Cluster.Title
		}
		out.Body = &pb.Annotation_Cluster{Cluster: c}
	}
	return out
}

// AnnotationFromPB converts an API annotation to the domain type. Missing
// bodies give KindUnspecified, which validation reports.
func AnnotationFromPB(a *pb.Annotation) scholia.Annotation {
	out := scholia.Annotation{
		ID: a.GetId(), Project: a.GetProjectId(), Document: a.GetDocumentId(), Annotator: a.GetAnnotator(),
		Attributes: a.GetAttributes(),
	}
	switch b := a.GetBody().(type) {
	case *pb.Annotation_Mention:
		out.Kind, out.Label, out.Spans = scholia.KindMention, b.Mention.GetLabel(), spansFromPB(b.Mention.GetSpans())
	case *pb.Annotation_Event:
		out.Kind, out.Label, out.Spans = scholia.KindEvent, b.Event.GetType(), spansFromPB(b.Event.GetTrigger())
		for _, arg := range b.Event.GetArguments() {
			out.Arguments = append(out.Arguments, scholia.Argument{Role: arg.GetRole(), AnnotationID: arg.GetAnnotationId()})
		}
	case *pb.Annotation_Claim:
		c := b.Claim
		out.Kind, out.Label, out.Spans = scholia.KindClaim, c.GetClaimType(), spansFromPB(c.GetSpans())
		out.Claim = &scholia.ClaimFields{
			ClaimantID: c.GetClaimantId(), ClaimantText: c.GetClaimantText(), Cue: spansFromPB(c.GetCue()),
			Stance: c.GetStance(), CheckWorthiness: c.GetCheckWorthiness(),
		}
		if n := c.GetNormalized(); n != nil {
			out.Claim.Normalized = &scholia.NormalizedValue{Value: n.GetValue(), Unit: n.GetUnit(), Time: n.GetTime()}
		}
	case *pb.Annotation_Relation:
		out.Kind, out.Label = scholia.KindRelation, b.Relation.GetType()
		out.Relation = &scholia.RelationEnds{Source: b.Relation.GetSourceId(), Target: b.Relation.GetTargetId()}
	case *pb.Annotation_Cluster:
		out.Kind, out.Label = scholia.KindCluster, clusterLabels[b.Cluster.GetKind()]
		out.Cluster = &scholia.ClusterFields{Members: b.Cluster.GetMemberIds(), Title: b.Cluster.GetTitle()}
	}
	return out
}

func layerToPB(l scholia.Layer) *pb.Layer {
	return &pb.Layer{
		ProjectId: l.Project, DocumentId: l.Document, Annotator: l.Annotator,
		Status: pb.LayerStatus(l.Status), AnnotationCount: l.AnnotationCount, Etag: etag(l.Rev), UpdateTime: ts(l.UpdateTime),
	}
}

func userToPB(u scholia.User) *pb.User {
	return &pb.User{Name: u.Name, Role: pb.Role(u.Role), Disabled: u.Disabled, CreateTime: ts(u.CreateTime)}
}

func tokenToPB(t scholia.Token) *pb.Token {
	return &pb.Token{Id: t.ID, User: t.User, Description: t.Description, CreateTime: ts(t.CreateTime), RevokeTime: ts(t.RevokeTime)}
}
