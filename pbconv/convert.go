// Package pbconv maps between the API's protobuf messages and scholia's
// domain types. The server, the JSONL format and the CLI share it, so that a
// JSONL file and the gRPC stream carry exactly the same fields.
package pbconv

import (
	"math"
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// This file maps between API messages and domain types. The mapping is
// mechanical on purpose: validation lives in the domain and the store.

// TS converts a time; the zero time becomes nil.
func TS(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// FromTS converts a timestamp; nil becomes the zero time.
func FromTS(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

// Etag renders a revision as an etag; 0 becomes "".
func Etag(rev int64) string {
	if rev == 0 {
		return ""
	}
	return strconv.FormatInt(rev, 10)
}

// KindsToPB converts annotation kinds to the API enum.
func KindsToPB(ks []scholia.Kind) []pb.AnnotationKind {
	out := make([]pb.AnnotationKind, len(ks))
	for i, k := range ks {
		out[i] = pb.AnnotationKind(k)
	}
	return out
}

// KindsFromPB converts API kinds to domain kinds.
func KindsFromPB(ks []pb.AnnotationKind) []scholia.Kind {
	out := make([]scholia.Kind, len(ks))
	for i, k := range ks {
		out[i] = KindFromPB(k)
	}
	return out
}

// KindFromPB converts an API kind. The domain's kinds are int8 and the
// API's enums int32: a number out of int8's range becomes an invalid kind
// (-1), where a plain conversion would wrap it round to a valid one (257
// to a mention).
func KindFromPB(k pb.AnnotationKind) scholia.Kind {
	if k < 0 || k > math.MaxInt8 {
		return -1
	}
	return scholia.Kind(k)
}

// RoleFromPB converts an API role; out of int8's range it is invalid (-1),
// never another role.
func RoleFromPB(r pb.Role) scholia.Role {
	if r < 0 || r > math.MaxInt8 {
		return -1
	}
	return scholia.Role(r)
}

// LayerStatusFromPB converts an API layer status; out of int8's range it
// is invalid (-1), never another status.
func LayerStatusFromPB(s pb.LayerStatus) scholia.LayerStatus {
	if s < 0 || s > math.MaxInt8 {
		return -1
	}
	return scholia.LayerStatus(s)
}

// SchemaToPB converts a schema to its API message.
func SchemaToPB(s *scholia.Schema) *pb.Schema {
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
		out.Attributes = append(out.Attributes, &pb.AttributeDefinition{Name: a.Name, AppliesTo: KindsToPB(a.AppliesTo), Values: a.Values})
	}
	for _, r := range s.RelationTypes {
		out.RelationTypes = append(out.RelationTypes, &pb.RelationType{Name: r.Name, Description: r.Description,
			SourceKinds: KindsToPB(r.SourceKinds), TargetKinds: KindsToPB(r.TargetKinds)})
	}
	return out
}

// SchemaFromPB converts an API schema to the domain type.
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
		out.Attributes = append(out.Attributes, scholia.AttributeDefinition{Name: a.GetName(), AppliesTo: KindsFromPB(a.GetAppliesTo()), Values: a.GetValues()})
	}
	for _, r := range s.GetRelationTypes() {
		out.RelationTypes = append(out.RelationTypes, scholia.RelationType{Name: r.GetName(), Description: r.GetDescription(),
			SourceKinds: KindsFromPB(r.GetSourceKinds()), TargetKinds: KindsFromPB(r.GetTargetKinds())})
	}
	return out
}

// ProjectToPB converts a project to its API message.
func ProjectToPB(p scholia.Project) *pb.Project {
	return &pb.Project{
		Id: p.ID, Title: p.Title, Description: p.Description, Schema: SchemaToPB(p.Schema),
		SchemaVersion: p.SchemaVersion, Etag: Etag(p.Rev), CreateTime: TS(p.CreateTime), UpdateTime: TS(p.UpdateTime),
	}
}

// DocumentToPB converts a document to its API message.
func DocumentToPB(d scholia.Document) *pb.Document {
	return &pb.Document{
		ProjectId: d.Project, Id: d.ID, Title: d.Title, Source: d.Source, Url: d.URL,
		PublishTime: TS(d.PublishTime), Language: d.Language, Text: d.Text, Length: d.Length,
		Sha256: d.SHA256, Etag: Etag(d.Rev), CreateTime: TS(d.CreateTime), UpdateTime: TS(d.UpdateTime),
	}
}

// DocumentFromPB converts an API document to the domain type.
func DocumentFromPB(d *pb.Document) scholia.Document {
	rev, _ := strconv.ParseInt(d.GetEtag(), 10, 64)
	return scholia.Document{
		Project: d.GetProjectId(), ID: d.GetId(), Title: d.GetTitle(), Source: d.GetSource(), URL: d.GetUrl(),
		PublishTime: FromTS(d.GetPublishTime()), Language: d.GetLanguage(), Text: d.GetText(),
		Length: d.GetLength(), SHA256: d.GetSha256(), Rev: rev,
		CreateTime: FromTS(d.GetCreateTime()), UpdateTime: FromTS(d.GetUpdateTime()),
	}
}

// SpansToPB converts fragments to API spans.
func SpansToPB(spans []scholia.Span) []*pb.Span {
	if len(spans) == 0 {
		return nil
	}
	out := make([]*pb.Span, len(spans))
	for i, s := range spans {
		out[i] = &pb.Span{Start: s.Start, End: s.End, Text: s.Text}
	}
	return out
}

// SpansFromPB converts API spans to fragments.
func SpansFromPB(spans []*pb.Span) []scholia.Span {
	if len(spans) == 0 {
		return nil
	}
	out := make([]scholia.Span, len(spans))
	for i, s := range spans {
		out[i] = scholia.Span{Start: s.GetStart(), End: s.GetEnd(), Text: s.GetText()}
	}
	return out
}

// ClusterLabels maps API cluster kinds to cluster labels.
var ClusterLabels = map[pb.ClusterKind]string{
	pb.ClusterKind_CLUSTER_KIND_ENTITY: "entity",
	pb.ClusterKind_CLUSTER_KIND_EVENT:  "event",
	pb.ClusterKind_CLUSTER_KIND_CLAIM:  "claim",
}

// ClusterKind returns the API cluster kind of a cluster label.
func ClusterKind(label string) pb.ClusterKind {
	for k, l := range ClusterLabels {
		if l == label {
			return k
		}
	}
	return pb.ClusterKind_CLUSTER_KIND_UNSPECIFIED
}

// AnnotationToPB converts a domain annotation to its API message.
func AnnotationToPB(a scholia.Annotation) *pb.Annotation {
	out := &pb.Annotation{
		Id: a.ID, ProjectId: a.Project, DocumentId: a.Document, Annotator: a.Annotator,
		Attributes: a.Attributes, Etag: Etag(a.Rev), CreateRevision: a.CreateRev, UpdateRevision: a.Rev,
		CreateTime: TS(a.CreateTime), UpdateTime: TS(a.UpdateTime), UpdateUser: a.UpdateUser,
		DerivedFrom: a.DerivedFrom,
	}
	switch a.Kind {
	case scholia.KindMention:
		out.Body = &pb.Annotation_Mention{Mention: &pb.Mention{Spans: SpansToPB(a.Spans), Label: a.Label}}
	case scholia.KindEvent:
		ev := &pb.Event{Trigger: SpansToPB(a.Spans), Type: a.Label}
		for _, arg := range a.Arguments {
			ev.Arguments = append(ev.Arguments, &pb.Argument{Role: arg.Role, AnnotationId: arg.AnnotationID})
		}
		out.Body = &pb.Annotation_Event{Event: ev}
	case scholia.KindClaim:
		c := &pb.Claim{Spans: SpansToPB(a.Spans), ClaimType: a.Label}
		if f := a.Claim; f != nil {
			c.ClaimantId, c.ClaimantText, c.Cue = f.ClaimantID, f.ClaimantText, SpansToPB(f.Cue)
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
		c := &pb.Cluster{Kind: ClusterKind(a.Label)}
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
	rev, _ := strconv.ParseInt(a.GetEtag(), 10, 64)
	out := scholia.Annotation{
		ID: a.GetId(), Project: a.GetProjectId(), Document: a.GetDocumentId(), Annotator: a.GetAnnotator(),
		Attributes: a.GetAttributes(), Rev: rev, CreateRev: a.GetCreateRevision(),
		CreateTime: FromTS(a.GetCreateTime()), UpdateTime: FromTS(a.GetUpdateTime()), UpdateUser: a.GetUpdateUser(),
		DerivedFrom: a.GetDerivedFrom(),
	}
	switch b := a.GetBody().(type) {
	case *pb.Annotation_Mention:
		out.Kind, out.Label, out.Spans = scholia.KindMention, b.Mention.GetLabel(), SpansFromPB(b.Mention.GetSpans())
	case *pb.Annotation_Event:
		out.Kind, out.Label, out.Spans = scholia.KindEvent, b.Event.GetType(), SpansFromPB(b.Event.GetTrigger())
		for _, arg := range b.Event.GetArguments() {
			out.Arguments = append(out.Arguments, scholia.Argument{Role: arg.GetRole(), AnnotationID: arg.GetAnnotationId()})
		}
	case *pb.Annotation_Claim:
		c := b.Claim
		out.Kind, out.Label, out.Spans = scholia.KindClaim, c.GetClaimType(), SpansFromPB(c.GetSpans())
		out.Claim = &scholia.ClaimFields{
			ClaimantID: c.GetClaimantId(), ClaimantText: c.GetClaimantText(), Cue: SpansFromPB(c.GetCue()),
			Stance: c.GetStance(), CheckWorthiness: c.GetCheckWorthiness(),
		}
		if n := c.GetNormalized(); n != nil {
			out.Claim.Normalized = &scholia.NormalizedValue{Value: n.GetValue(), Unit: n.GetUnit(), Time: n.GetTime()}
		}
	case *pb.Annotation_Relation:
		out.Kind, out.Label = scholia.KindRelation, b.Relation.GetType()
		out.Relation = &scholia.RelationEnds{Source: b.Relation.GetSourceId(), Target: b.Relation.GetTargetId()}
	case *pb.Annotation_Cluster:
		out.Kind, out.Label = scholia.KindCluster, ClusterLabels[b.Cluster.GetKind()]
		out.Cluster = &scholia.ClusterFields{Members: b.Cluster.GetMemberIds(), Title: b.Cluster.GetTitle()}
	}
	return out
}

// LayerToPB converts a layer to its API message.
func LayerToPB(l scholia.Layer) *pb.Layer {
	return &pb.Layer{
		ProjectId: l.Project, DocumentId: l.Document, Annotator: l.Annotator,
		Status: pb.LayerStatus(l.Status), AnnotationCount: l.AnnotationCount, Etag: Etag(l.Rev), UpdateTime: TS(l.UpdateTime),
	}
}

// UserToPB converts a user to its API message.
func UserToPB(u scholia.User) *pb.User {
	return &pb.User{Name: u.Name, Role: pb.Role(u.Role), Disabled: u.Disabled, CreateTime: TS(u.CreateTime)}
}

// TokenToPB converts a token to its API message.
func TokenToPB(t scholia.Token) *pb.Token {
	return &pb.Token{Id: t.ID, User: t.User, Description: t.Description, CreateTime: TS(t.CreateTime), RevokeTime: TS(t.RevokeTime)}
}

// CorpusDocumentToPB converts a document of the corpus with its annotations
// to a StreamCorpus message of the revision rev.
func CorpusDocumentToPB(d scholia.CorpusDocument, rev int64) *pb.StreamCorpusResponse {
	msg := &pb.StreamCorpusResponse{Document: DocumentToPB(d.Document), Revision: rev}
	msg.Annotations = make([]*pb.Annotation, len(d.Annotations))
	for i, a := range d.Annotations {
		msg.Annotations[i] = AnnotationToPB(a)
	}
	for _, c := range d.Clusters {
		msg.Clusters = append(msg.Clusters, AnnotationToPB(c))
	}
	for _, l := range d.Layers {
		msg.Layers = append(msg.Layers, LayerToPB(l))
	}
	return msg
}

// ChangeToPB converts a change of the feed to its API message; documents
// go without their text.
func ChangeToPB(ch scholia.Change) *pb.Change {
	out := &pb.Change{Revision: ch.Rev, Time: TS(ch.Time), User: ch.User, Type: pb.ChangeType(ch.Type)}
	switch {
	case ch.Annotation != nil:
		out.Resource = &pb.Change_Annotation{Annotation: AnnotationToPB(*ch.Annotation)}
	case ch.Document != nil:
		d := *ch.Document
		d.Text = ""
		out.Resource = &pb.Change_Document{Document: DocumentToPB(d)}
	case ch.Layer != nil:
		out.Resource = &pb.Change_Layer{Layer: LayerToPB(*ch.Layer)}
	}
	return out
}

// LayerFromPB converts an API layer to the domain type.
func LayerFromPB(l *pb.Layer) scholia.Layer {
	rev, _ := strconv.ParseInt(l.GetEtag(), 10, 64)
	return scholia.Layer{Project: l.GetProjectId(), Document: l.GetDocumentId(), Annotator: l.GetAnnotator(),
		Status: LayerStatusFromPB(l.GetStatus()), AnnotationCount: l.GetAnnotationCount(), Rev: rev, UpdateTime: FromTS(l.GetUpdateTime())}
}

// CorpusDocumentFromPB converts a StreamCorpus message (as read from a JSONL
// file) back to a corpus document.
func CorpusDocumentFromPB(m *pb.StreamCorpusResponse) scholia.CorpusDocument {
	d := scholia.CorpusDocument{Document: DocumentFromPB(m.GetDocument())}
	for _, a := range m.GetAnnotations() {
		d.Annotations = append(d.Annotations, AnnotationFromPB(a))
	}
	for _, c := range m.GetClusters() {
		d.Clusters = append(d.Clusters, AnnotationFromPB(c))
	}
	for _, l := range m.GetLayers() {
		d.Layers = append(d.Layers, LayerFromPB(l))
	}
	return d
}
