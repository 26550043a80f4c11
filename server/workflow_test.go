package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// member makes users annotator members of a project: annotators see only
// the projects they belong to.
func (e *env) member(project string, users ...string) {
	e.t.Helper()
	for _, u := range users {
		if _, err := e.admin.Workflow.AddProjectMember(context.Background(), &pb.AddProjectMemberRequest{ProjectId: project, User: u}); err != nil {
			e.t.Fatalf("adding %s to %s: %v", u, project, err)
		}
	}
}

// wfText is the text of every document of the lifecycle test:
// Lavrov [0,6) met [7,10) de Mistura [11,21) Moscow [25,31) Tuesday
// [35,42) Kerry [44,49).
const wfText = "Lavrov met de Mistura in Moscow on Tuesday. Kerry said the talks failed."

func wfMention(doc string, start, end int64, text, label string) *pb.Annotation {
	return mention("news", doc, "", start, end, text, label)
}

func wfMeet(doc string, args ...*pb.Argument) *pb.Annotation {
	return &pb.Annotation{ProjectId: "news", DocumentId: doc, Body: &pb.Annotation_Event{Event: &pb.Event{
		Type: "Contact.Meet", Trigger: []*pb.Span{{Start: 7, End: 10, Text: "met"}}, Arguments: args}}}
}

func wfArg(role string, id int64) *pb.Argument { return &pb.Argument{Role: role, AnnotationId: id} }

// names renders annotations with symbolic names for their ids, so that
// tests can compare whole layers exactly.
type names map[int64]string

func (n names) of(id int64) string {
	if s, ok := n[id]; ok {
		return s
	}
	return fmt.Sprint(id)
}

func (n names) list(ids []int64) string {
	var out []string
	for _, id := range ids {
		out = append(out, n.of(id))
	}
	return strings.Join(out, ",")
}

func (n names) brief(a *pb.Annotation) string {
	var b strings.Builder
	switch x := a.GetBody().(type) {
	case *pb.Annotation_Mention:
		fmt.Fprintf(&b, "%s mention %s %q", a.GetAnnotator(), x.Mention.GetLabel(), x.Mention.GetSpans()[0].GetText())
	case *pb.Annotation_Event:
		fmt.Fprintf(&b, "%s event %s", a.GetAnnotator(), x.Event.GetType())
		for _, arg := range x.Event.GetArguments() {
			fmt.Fprintf(&b, " %s=%s", arg.GetRole(), n.of(arg.GetAnnotationId()))
		}
	default:
		fmt.Fprintf(&b, "%s %T", a.GetAnnotator(), x)
	}
	if len(a.GetDerivedFrom()) > 0 {
		fmt.Fprintf(&b, " from=%s", n.list(a.GetDerivedFrom()))
	}
	return b.String()
}

func wantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got %s\nwant %s", what, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

// batch creates annotations in the caller's layer and names them.
func batch(t *testing.T, c *client.Client, n names, labels []string, anns ...*pb.Annotation) []int64 {
	t.Helper()
	resp, err := c.Annotations.BatchCreateAnnotations(context.Background(), &pb.BatchCreateAnnotationsRequest{Annotations: anns})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i, a := range resp.GetAnnotations() {
		ids = append(ids, a.GetId())
		n[a.GetId()] = labels[i]
	}
	return ids
}

// TestWorkflowLifecycle runs a project through its life over the real
// server: membership, assignments and queues, three annotators who
// disagree, blind annotation, curation into gold with provenance, model
// suggestions, history and activity.
func TestWorkflowLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.project("news", "d1", wfText)
	e.doc("news", "d2", wfText)
	e.doc("news", "d3", wfText)
	cur := e.user("cur", pb.Role_ROLE_CURATOR)
	a1, a2, a3 := e.user("a1", pb.Role_ROLE_ANNOTATOR), e.user("a2", pb.Role_ROLE_ANNOTATOR), e.user("a3", pb.Role_ROLE_ANNOTATOR)
	outsider := e.user("a4", pb.Role_ROLE_ANNOTATOR)
	ml := e.user("ml", pb.Role_ROLE_ANNOTATOR)
	w := cur.Workflow

	// Membership: an annotator sees only the projects they belong to.
	for _, u := range []string{"a1", "a2", "a3"} {
		if _, err := w.AddProjectMember(ctx, &pb.AddProjectMemberRequest{ProjectId: "news", User: u}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.AddProjectMember(ctx, &pb.AddProjectMemberRequest{ProjectId: "news", User: "ml", Role: pb.MemberRole_MEMBER_ROLE_MODEL}); err != nil {
		t.Fatal(err)
	}
	_, err := outsider.Projects.GetProject(ctx, &pb.GetProjectRequest{ProjectId: "news"})
	wantCode(t, err, codes.PermissionDenied)
	_, err = outsider.Documents.GetDocument(ctx, &pb.GetDocumentRequest{ProjectId: "news", DocumentId: "d1"})
	wantCode(t, err, codes.PermissionDenied)
	_, err = outsider.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: wfMention("d1", 0, 6, "Lavrov", "PER")})
	wantCode(t, err, codes.PermissionDenied)
	if ps, err := outsider.Projects.ListProjects(ctx, &pb.ListProjectsRequest{}); err != nil || len(ps.GetProjects()) != 0 {
		t.Fatalf("an outsider lists %v, %v", ps.GetProjects(), err)
	}
	if ps, err := a1.Projects.ListProjects(ctx, &pb.ListProjectsRequest{}); err != nil || len(ps.GetProjects()) != 1 {
		t.Fatalf("a member lists %v, %v", ps.GetProjects(), err)
	}

	// Assignments: two annotators per document, spread by load, and a1's
	// d1 also to a3 by hand.
	sp, err := w.SpreadAssignments(ctx, &pb.SpreadAssignmentsRequest{ProjectId: "news", K: 2})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range sp.GetAssignments() {
		got = append(got, a.GetDocumentId()+":"+a.GetAnnotator())
	}
	wantLines(t, "spread", got, []string{"d1:a1", "d1:a2", "d2:a3", "d2:a1", "d3:a2", "d3:a3"})
	if _, err := w.AssignDocuments(ctx, &pb.AssignDocumentsRequest{ProjectId: "news", Assignments: []*pb.Assignment{{DocumentId: "d1", Annotator: "a3"}}}); err != nil {
		t.Fatal(err)
	}
	queue := func(c *client.Client) []string {
		t.Helper()
		q, err := c.Workflow.ListQueue(ctx, &pb.ListQueueRequest{ProjectId: "news"})
		if err != nil {
			t.Fatal(err)
		}
		out := []string{fmt.Sprintf("done=%d", q.GetDoneCount())}
		for _, a := range q.GetAssignments() {
			out = append(out, a.GetDocumentId())
		}
		return out
	}
	wantLines(t, "a3's queue", queue(a3), []string{"done=0", "d2", "d3", "d1"})
	_, err = a1.Workflow.ListQueue(ctx, &pb.ListQueueRequest{ProjectId: "news", Annotator: "a2"})
	wantCode(t, err, codes.PermissionDenied)

	// Three annotators annotate d1 and disagree.
	n := names{}
	i1 := batch(t, a1, n, []string{"a1.L", "a1.dM", "a1.M", "a1.E"}, wfMention("d1", 0, 6, "Lavrov", "PER"), wfMention("d1", 11, 21, "de Mistura", "PER"),
		wfMention("d1", 25, 31, "Moscow", "GPE"), wfMeet("d1", wfArg("Entity", -1), wfArg("Entity", -2), wfArg("Place", -3)))
	i2 := batch(t, a2, n, []string{"a2.L", "a2.dM", "a2.M", "a2.E"}, wfMention("d1", 0, 6, "Lavrov", "PER"), wfMention("d1", 11, 21, "de Mistura", "PER"),
		wfMention("d1", 25, 31, "Moscow", "LOC"), wfMeet("d1", wfArg("Entity", -1), wfArg("Entity", -2), wfArg("Place", -3)))
	i3 := batch(t, a3, n, []string{"a3.L", "a3.dM", "a3.M", "a3.E"}, wfMention("d1", 0, 6, "Lavrov", "PER"), wfMention("d1", 11, 21, "de Mistura", "ORG"),
		wfMention("d1", 25, 31, "Moscow", "GPE"), wfMeet("d1", wfArg("Place", -3), wfArg("Entity", -1)))

	// Blind annotation: a1 reads a2's layer of d1 only once their own is done.
	readA2 := func() error {
		_, err := a1.Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "news", DocumentId: "d1", Annotator: "a2"})
		return err
	}
	wantCode(t, readA2(), codes.PermissionDenied)
	_, err = a1.Annotations.GetAnnotation(ctx, &pb.GetAnnotationRequest{Id: i2[0]})
	wantCode(t, err, codes.PermissionDenied)
	for _, c := range []*client.Client{a1, a2, a3} {
		if _, err := c.Annotations.UpdateLayer(ctx, &pb.UpdateLayerRequest{Layer: &pb.Layer{ProjectId: "news", DocumentId: "d1", Status: pb.LayerStatus_LAYER_STATUS_DONE}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := readA2(); err != nil {
		t.Fatalf("a1 is done with d1 but cannot read a2's layer: %v", err)
	}
	_, err = a1.Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "news", Annotator: "a2"})
	wantCode(t, err, codes.PermissionDenied) // the whole project: d3 is not done
	wantLines(t, "a3's queue after d1", queue(a3), []string{"done=1", "d2", "d3"})

	// The diff shows what all agree on and the conflicts.
	diffLines := func() []string {
		t.Helper()
		d, err := cur.Workflow.GetCurationDiff(ctx, &pb.GetCurationDiffRequest{ProjectId: "news", DocumentId: "d1"})
		if err != nil {
			t.Fatal(err)
		}
		out := []string{strings.Join(d.GetAnnotators(), ",")}
		for _, r := range d.GetRows() {
			line := fmt.Sprintf("%s [%d,%d) gold=%s:", strings.TrimPrefix(r.GetStatus().String(), "CURATION_STATUS_"),
				r.GetSpans()[0].GetStart(), r.GetSpans()[0].GetEnd(), n.list(r.GetGoldIds()))
			for _, c := range r.GetCandidates() {
				line += fmt.Sprintf(" [%s by %s", n.brief(c.GetAnnotation()), strings.Join(c.GetAnnotators(), "+"))
				if c.GetGoldId() != 0 {
					line += " in gold " + n.of(c.GetGoldId())
				}
				if c.GetRejected() {
					line += " rejected"
				}
				line += "]"
			}
			out = append(out, line)
		}
		return out
	}
	wantLines(t, "diff", diffLines(), []string{
		"a1,a2,a3",
		"AGREED [0,6) gold=: [a1 mention PER \"Lavrov\" by a1+a2+a3]",
		"CONFLICT [7,10) gold=: [a1 event Contact.Meet Entity=a1.L Entity=a1.dM Place=a1.M by a1] [a2 event Contact.Meet Entity=a2.L Entity=a2.dM Place=a2.M by a2] [a3 event Contact.Meet Place=a3.M Entity=a3.L by a3]",
		"CONFLICT [11,21) gold=: [a1 mention PER \"de Mistura\" by a1+a2] [a3 mention ORG \"de Mistura\" by a3]",
		"CONFLICT [25,31) gold=: [a1 mention GPE \"Moscow\" by a1+a3] [a2 mention LOC \"Moscow\" by a2]",
	})

	// An annotator cannot curate or write gold.
	_, err = a1.Workflow.MergeAgreed(ctx, &pb.MergeAgreedRequest{ProjectId: "news"})
	wantCode(t, err, codes.PermissionDenied)
	_, err = a1.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("news", "d1", "gold", 0, 6, "Lavrov", "PER")})
	wantCode(t, err, codes.PermissionDenied)

	// Merge what two agree on; the event is left for adjudication.
	m, err := w.MergeAgreed(ctx, &pb.MergeAgreedRequest{ProjectId: "news", DocumentIds: []string{"d1"}, MinAgree: 2})
	if err != nil {
		t.Fatal(err)
	}
	if m.GetUnresolved() != 1 || len(m.GetAnnotations()) != 3 {
		t.Fatalf("merge made %d annotations, left %d unresolved; want 3, 1", len(m.GetAnnotations()), m.GetUnresolved())
	}
	for i, a := range m.GetAnnotations() {
		n[a.GetId()] = []string{"g.L", "g.dM", "g.M"}[i]
	}
	// The curator accepts a1's event (its arguments resolve to the gold
	// mentions) and rejects a3's ORG.
	acc, err := w.AcceptCandidate(ctx, &pb.AcceptCandidateRequest{AnnotationId: i1[3]})
	if err != nil {
		t.Fatal(err)
	}
	if len(acc.GetAnnotations()) != 1 {
		t.Fatalf("accept made %d annotations, want 1", len(acc.GetAnnotations()))
	}
	n[acc.GetAnnotations()[0].GetId()] = "g.E"
	rej, err := w.RejectCandidate(ctx, &pb.RejectCandidateRequest{AnnotationId: i3[1]})
	if err != nil || !slices.Equal(rej.GetAnnotationIds(), []int64{i3[1]}) {
		t.Fatalf("reject: %v, %v", rej.GetAnnotationIds(), err)
	}
	_, err = w.AcceptCandidate(ctx, &pb.AcceptCandidateRequest{AnnotationId: i2[2]})
	wantCode(t, err, codes.FailedPrecondition) // gold has GPE there
	_, err = w.AcceptCandidate(ctx, &pb.AcceptCandidateRequest{AnnotationId: i1[0]})
	wantCode(t, err, codes.FailedPrecondition) // already in gold

	// The gold layer, exactly, with provenance.
	gl, err := cur.Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "news", DocumentId: "d1", Annotator: "gold"})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, a := range gl.GetAnnotations() {
		got = append(got, n.of(a.GetId())+": "+n.brief(a))
	}
	wantLines(t, "gold", got, []string{
		"g.L: gold mention PER \"Lavrov\" from=a1.L,a2.L,a3.L",
		"g.dM: gold mention PER \"de Mistura\" from=a1.dM,a2.dM",
		"g.M: gold mention GPE \"Moscow\" from=a1.M,a3.M",
		"g.E: gold event Contact.Meet Entity=g.L Entity=g.dM Place=g.M from=a1.E",
	})
	// The stream carries the same provenance.
	streamed, err := drain(t, cur, &pb.StreamCorpusRequest{ProjectId: "news", DocumentIds: []string{"d1"}, Annotators: []string{"gold"}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var fromStream []string
	for _, a := range streamed[0].GetAnnotations() {
		fromStream = append(fromStream, n.of(a.GetId())+": "+n.brief(a))
	}
	wantLines(t, "gold as streamed", fromStream, got)
	wantLines(t, "diff after curation", diffLines(), []string{
		"a1,a2,a3",
		"AGREED [0,6) gold=g.L: [a1 mention PER \"Lavrov\" by a1+a2+a3 in gold g.L]",
		"CONFLICT [7,10) gold=g.E: [a1 event Contact.Meet Entity=a1.L Entity=a1.dM Place=a1.M by a1 in gold g.E] [a2 event Contact.Meet Entity=a2.L Entity=a2.dM Place=a2.M by a2] [a3 event Contact.Meet Place=a3.M Entity=a3.L by a3]",
		"CONFLICT [11,21) gold=g.dM: [a1 mention PER \"de Mistura\" by a1+a2 in gold g.dM] [a3 mention ORG \"de Mistura\" by a3 rejected]",
		"CONFLICT [25,31) gold=g.M: [a1 mention GPE \"Moscow\" by a1+a3 in gold g.M] [a2 mention LOC \"Moscow\" by a2]",
	})
	// A second merge changes nothing.
	if m, err := w.MergeAgreed(ctx, &pb.MergeAgreedRequest{ProjectId: "news", DocumentIds: []string{"d1"}}); err != nil || len(m.GetAnnotations()) != 0 || m.GetUnresolved() != 0 {
		t.Fatalf("second merge: %v, %v", m, err)
	}
	if _, err := cur.Annotations.UpdateLayer(ctx, &pb.UpdateLayerRequest{Layer: &pb.Layer{ProjectId: "news", DocumentId: "d1", Annotator: "gold", Status: pb.LayerStatus_LAYER_STATUS_DONE}}); err != nil {
		t.Fatal(err)
	}
	// Once done, a1 reads gold of d1.
	if _, err := a1.Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "news", DocumentId: "d1", Annotator: "gold"}); err != nil {
		t.Fatal(err)
	}

	wfSuggestionsAndHistory(t, e, cur, a1, a2, a3, ml, n, i2)
}

// wfSuggestionsAndHistory continues the lifecycle: the model's
// suggestions on d2, the history of an edited annotation, activity,
// statuses, and switching blind annotation off.
func wfSuggestionsAndHistory(t *testing.T, e *env, cur, a1, a2, a3, ml *client.Client, n names, i2 []int64) {
	ctx := context.Background()
	s := batch(t, ml, n, []string{"ml.L", "ml.M", "ml.K", "ml.E"}, wfMention("d2", 0, 6, "Lavrov", "PER"), wfMention("d2", 25, 31, "Moscow", "GPE"),
		wfMention("d2", 44, 49, "Kerry", "PER"), wfMeet("d2", wfArg("Entity", -1), wfArg("Place", -2)))
	// a1 may read the model's layer at any time; not a2's layer of d2.
	if _, err := a1.Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "news", DocumentId: "d2", Annotator: "ml"}); err != nil {
		t.Fatal(err)
	}
	accept := func(c *client.Client, id int64, names ...string) {
		t.Helper()
		r, err := c.Workflow.AcceptSuggestion(ctx, &pb.AcceptSuggestionRequest{SuggestionId: id})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.GetAnnotations()) != len(names) {
			t.Fatalf("accepting %d made %d annotations, want %d", id, len(r.GetAnnotations()), len(names))
		}
		for i, a := range r.GetAnnotations() {
			n[a.GetId()] = names[i]
		}
	}
	reject := func(c *client.Client, id int64) {
		t.Helper()
		if _, err := c.Workflow.RejectSuggestion(ctx, &pb.RejectSuggestionRequest{SuggestionId: id}); err != nil {
			t.Fatal(err)
		}
	}
	accept(a1, s[0], "a1.d2.L")
	accept(a1, s[3], "a1.d2.M", "a1.d2.E") // the event brings its Place
	reject(a1, s[2])
	reject(a3, s[0])
	accept(a3, s[2], "a3.d2.K")
	_, err := a2.Workflow.AcceptSuggestion(ctx, &pb.AcceptSuggestionRequest{SuggestionId: s[0], Annotator: "a1"})
	wantCode(t, err, codes.PermissionDenied) // not a2's layer
	_, err = a1.Workflow.AcceptSuggestion(ctx, &pb.AcceptSuggestionRequest{SuggestionId: i2[0]})
	wantCode(t, err, codes.FailedPrecondition) // a2 is no model
	sl, err := a1.Workflow.ListSuggestions(ctx, &pb.ListSuggestionsRequest{ProjectId: "news", DocumentId: "d2", Model: "ml"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sg := range sl.GetSuggestions() {
		got = append(got, fmt.Sprintf("%s %s %s", n.of(sg.GetAnnotation().GetId()), strings.TrimPrefix(sg.GetStatus().String(), "SUGGESTION_STATUS_"), n.of(sg.GetAcceptedId())))
	}
	wantLines(t, "a1's suggestions", got, []string{"ml.L ACCEPTED a1.d2.L", "ml.M ACCEPTED a1.d2.M", "ml.K REJECTED 0", "ml.E ACCEPTED a1.d2.E"})
	l1, err := a1.Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "news", DocumentId: "d2"})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, a := range l1.GetAnnotations() {
		got = append(got, n.brief(a))
	}
	wantLines(t, "a1's layer of d2", got, []string{
		"a1 mention PER \"Lavrov\" from=ml.L", "a1 mention GPE \"Moscow\" from=ml.M", "a1 event Contact.Meet Entity=a1.d2.L Place=a1.d2.M from=ml.E"})
	st, err := cur.Workflow.GetSuggestionStats(ctx, &pb.GetSuggestionStatsRequest{ProjectId: "news", Model: "ml"})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, l := range append(st.GetLabels(), st.GetTotal()) {
		got = append(got, fmt.Sprintf("%s %s %d/%d/%d %.3f", l.GetKind(), l.GetLabel(), l.GetSuggested(), l.GetAccepted(), l.GetRejected(), l.GetAcceptanceRate()))
	}
	wantLines(t, "stats", got, []string{
		"ANNOTATION_KIND_MENTION GPE 1/1/0 1.000", "ANNOTATION_KIND_MENTION PER 2/2/2 0.500",
		"ANNOTATION_KIND_EVENT Contact.Meet 1/1/0 1.000", "ANNOTATION_KIND_UNSPECIFIED  4/4/2 0.667"})

	// History: a2 corrects Moscow with the etag read; a stale one is refused.
	g, err := a2.Annotations.GetAnnotation(ctx, &pb.GetAnnotationRequest{Id: i2[2]})
	if err != nil {
		t.Fatal(err)
	}
	upd := g.GetAnnotation()
	upd.GetMention().Label = "GPE"
	if _, err := a2.Annotations.UpdateAnnotation(ctx, &pb.UpdateAnnotationRequest{Annotation: upd, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"mention.label"}}, Etag: upd.GetEtag()}); err != nil {
		t.Fatal(err)
	}
	upd.GetMention().Label = "FAC"
	_, err = a2.Annotations.UpdateAnnotation(ctx, &pb.UpdateAnnotationRequest{Annotation: upd, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"mention.label"}}, Etag: upd.GetEtag()})
	wantCode(t, err, codes.Aborted)
	tue := batch(t, a2, n, []string{"a2.T"}, wfMention("d1", 35, 42, "Tuesday", "TIME"))
	if _, err := a2.Annotations.DeleteAnnotation(ctx, &pb.DeleteAnnotationRequest{Id: tue[0]}); err != nil {
		t.Fatal(err)
	}
	history := func(c *client.Client, id int64) []string {
		t.Helper()
		h, err := c.Annotations.ListAnnotationRevisions(ctx, &pb.ListAnnotationRevisionsRequest{Id: id})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		prev := int64(0)
		for _, r := range h.GetRevisions() {
			if r.GetRevision() <= prev || r.GetTime() == nil {
				t.Errorf("revision %d after %d, time %v", r.GetRevision(), prev, r.GetTime())
			}
			prev = r.GetRevision()
			out = append(out, fmt.Sprintf("%s %s: %s", strings.TrimPrefix(r.GetType().String(), "CHANGE_TYPE_"), r.GetUser(), strings.Join(r.GetChanges(), "; ")))
		}
		return out
	}
	wantLines(t, "history of a2's Moscow", history(a2, i2[2]), []string{
		"CREATED a2: created mention LOC [25,31) \"Moscow\"", "UPDATED a2: label LOC -> GPE"})
	wantLines(t, "history of a deleted annotation", history(cur, tue[0]), []string{
		"CREATED a2: created mention TIME [35,42) \"Tuesday\"", "DELETED a2: deleted"})
	_, err = a3.Annotations.ListAnnotationRevisions(ctx, &pb.ListAnnotationRevisionsRequest{Id: n.id(t, "a1.d2.L")})
	wantCode(t, err, codes.PermissionDenied) // a3 is not done with d2

	// Statuses and activity.
	as, err := cur.Workflow.ListAssignments(ctx, &pb.ListAssignmentsRequest{ProjectId: "news"})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, a := range as.GetAssignments() {
		got = append(got, fmt.Sprintf("%s %s %s %d", a.GetDocumentId(), a.GetAnnotator(), strings.TrimPrefix(a.GetStatus().String(), "LAYER_STATUS_"), a.GetAnnotationCount()))
	}
	wantLines(t, "assignments", got, []string{"d1 a1 DONE 4", "d1 a2 DONE 4", "d1 a3 DONE 4", "d2 a1 IN_PROGRESS 3", "d2 a3 IN_PROGRESS 1", "d3 a2 IN_PROGRESS 0", "d3 a3 IN_PROGRESS 0"})
	act, err := cur.Workflow.GetActivity(ctx, &pb.GetActivityRequest{ProjectId: "news"})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, a := range act.GetAnnotators() {
		var created, done int64
		for _, h := range a.GetHours() {
			created += h.GetAnnotationsCreated()
			done += h.GetDocumentsDone()
		}
		got = append(got, fmt.Sprintf("%s created=%d done=%d assigned=%d hours=%d/%d", a.GetAnnotator(), a.GetAnnotationsCreated(), a.GetDocumentsDone(), a.GetDocumentsAssigned(), created, done))
	}
	wantLines(t, "activity", got, []string{
		"a1 created=7 done=1 assigned=2 hours=7/1", "a2 created=5 done=1 assigned=2 hours=5/1", "a3 created=5 done=1 assigned=3 hours=5/1",
		"gold created=4 done=1 assigned=0 hours=4/1", "ml created=4 done=0 assigned=0 hours=4/0"})

	// With blind annotation off, a3 reads a1's layer of d2 before being done.
	if _, err := cur.Workflow.UpdateWorkflowSettings(ctx, &pb.UpdateWorkflowSettingsRequest{Settings: &pb.WorkflowSettings{ProjectId: "news", BlindAnnotation: false}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a3.Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "news", DocumentId: "d2", Annotator: "a1"}); err != nil {
		t.Fatal(err)
	}
	_, err = a3.Workflow.UpdateWorkflowSettings(ctx, &pb.UpdateWorkflowSettingsRequest{Settings: &pb.WorkflowSettings{ProjectId: "news", BlindAnnotation: true}})
	wantCode(t, err, codes.PermissionDenied)
}

// id returns the id of a named annotation.
func (n names) id(t *testing.T, name string) int64 {
	t.Helper()
	for id, s := range n {
		if s == name {
			return id
		}
	}
	t.Fatalf("no annotation named %s", name)
	return 0
}
