package server_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

func mask(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

// A fixture with the traps of real news text: an emoji outside the BMP
// (two UTF-16 units, four UTF-8 bytes), a combining accent (two code points
// for one letter), curly quotes, CRLF line ends and a repeated phrase.
const trapText = "🇺🇳 envoy Staffan de Mistura said the truce must be \u201cbrought back on track\u201d.\r\n" +
	"Se\u0301bastien Martin, a spokesman, said 🕊️ talks in Moscow went well.\r\n" +
	"The talks in Moscow lasted two hours."

// offsets returns the code-point offsets of the n-th (from 1) occurrence of
// quote in trapText.
func offsets(t *testing.T, quote string, n int) (int64, int64) {
	t.Helper()
	runes := []rune(trapText)
	q := []rune(quote)
	seen := 0
	for i := 0; i+len(q) <= len(runes); i++ {
		if string(runes[i:i+len(q)]) == quote {
			seen++
			if seen == n {
				return int64(i), int64(i + len(q))
			}
		}
	}
	t.Fatalf("%q occurrence %d not in the fixture", quote, n)
	return 0, 0
}

func TestCodePointOffsetsRoundTrip(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.project("p", "d", trapText)
	for _, tc := range []struct {
		quote string
		nth   int
		label string
	}{
		{"Staffan de Mistura", 1, "PER"},
		{"Se\u0301bastien Martin", 1, "PER"}, // combining accent inside
		{"Moscow", 2, "GPE"},                 // after CRLF and an emoji with a variation selector
		{"\u201cbrought back on track\u201d", 1, "NUM"},
		{"well.\r\nThe", 1, "LOC"}, // a span across CRLF
		{"🇺🇳", 1, "ORG"},           // a flag: two regional indicators
	} {
		t.Run(tc.quote, func(t *testing.T) {
			start, end := offsets(t, tc.quote, tc.nth)
			// Sent without text: the server fills in the covered text.
			resp, err := e.admin.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("p", "d", "", start, end, "", tc.label)})
			if err != nil {
				t.Fatal(err)
			}
			sp := resp.GetAnnotation().GetMention().GetSpans()[0]
			if sp.GetText() != tc.quote || sp.GetStart() != start || sp.GetEnd() != end {
				t.Fatalf("stored [%d,%d) %q, want [%d,%d) %q", sp.GetStart(), sp.GetEnd(), sp.GetText(), start, end, tc.quote)
			}
			// Read back.
			got, err := e.admin.Annotations.GetAnnotation(ctx, &pb.GetAnnotationRequest{Id: resp.GetAnnotation().GetId()})
			if err != nil {
				t.Fatal(err)
			}
			if g := got.GetAnnotation().GetMention().GetSpans()[0].GetText(); g != tc.quote {
				t.Fatalf("read back %q, want %q", g, tc.quote)
			}
		})
	}
}

func TestValidationErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.project("p", "d", trapText)
	e.doc("p", "other", "Lavrov spoke in Geneva.")
	ms, me := offsets(t, "Staffan de Mistura", 1)
	per, err := e.admin.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("p", "d", "", ms, me, "", "PER")})
	if err != nil {
		t.Fatal(err)
	}
	perID := per.GetAnnotation().GetId()
	gs, ge := offsets(t, "Moscow", 1)
	gpe, err := e.admin.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("p", "d", "", gs, ge, "", "GPE")})
	if err != nil {
		t.Fatal(err)
	}
	gpeID := gpe.GetAnnotation().GetId()
	otherDoc, err := e.admin.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("p", "other", "", 0, 6, "Lavrov", "PER")})
	if err != nil {
		t.Fatal(err)
	}
	ts, te := offsets(t, "talks", 1)
	event := func(typ string, args ...*pb.Argument) *pb.Annotation {
		return &pb.Annotation{ProjectId: "p", DocumentId: "d", Body: &pb.Annotation_Event{Event: &pb.Event{
			Type: typ, Trigger: []*pb.Span{{Start: ts, End: te}}, Arguments: args}}}
	}
	n := int64(len([]rune(trapText)))
	cases := []struct {
		name   string
		ann    *pb.Annotation
		fields map[string]string // field -> a word the description must contain
	}{
		{"end past the document", mention("p", "d", "", 5, n+1, "", "PER"), map[string]string{"annotation.mention.spans[0].end": "past the end"}},
		{"empty span", mention("p", "d", "", 5, 5, "", "PER"), map[string]string{"annotation.mention.spans[0]": "covers nothing"}},
		{"negative start", mention("p", "d", "", -1, 3, "", "PER"), map[string]string{"annotation.mention.spans[0].start": "negative"}},
		{"text mismatch", mention("p", "d", "", ms, me, "Staffan de Mistural", "PER"), map[string]string{"annotation.mention.spans[0].text": "does not match"}},
		{"unknown label", mention("p", "d", "", ms, me, "", "PERSON"), map[string]string{"annotation.mention.label": "PERSON"}},
		{"two problems at once", mention("p", "d", "", 5, n+3, "", "NOPE"), map[string]string{"annotation.mention.spans[0].end": "past the end", "annotation.mention.label": "NOPE"}},
		{"unknown event type", event("Conflict.Kiss"), map[string]string{"annotation.event.type": "Conflict.Kiss"}},
		{"role not in schema", event("Contact.Meet", &pb.Argument{Role: "Victim", AnnotationId: perID}), map[string]string{"annotation.event.arguments[0].role": "Victim"}},
		{"wrong filler type", event("Life.Die", &pb.Argument{Role: "Victim", AnnotationId: gpeID}), map[string]string{"annotation.event.arguments[0].annotation_id": "GPE"}},
		{"argument in another document", event("Contact.Meet", &pb.Argument{Role: "Entity", AnnotationId: otherDoc.GetAnnotation().GetId()}), map[string]string{"annotation.event.arguments[0].annotation_id": "other"}},
		{"argument that does not exist", event("Contact.Meet", &pb.Argument{Role: "Entity", AnnotationId: 99999}), map[string]string{"annotation.event.arguments[0].annotation_id": "does not exist"}},
		{"claimant in another layer", &pb.Annotation{ProjectId: "p", DocumentId: "d", Annotator: "gold", Body: &pb.Annotation_Claim{Claim: &pb.Claim{
			Spans: []*pb.Span{{Start: ts, End: te}}, ClaimantId: perID}}}, map[string]string{"annotation.claim.claimant_id": "layer"}},
		{"unknown stance", &pb.Annotation{ProjectId: "p", DocumentId: "d", Body: &pb.Annotation_Claim{Claim: &pb.Claim{
			Spans: []*pb.Span{{Start: ts, End: te}}, Stance: "shouts"}}}, map[string]string{"annotation.claim.stance": "shouts"}},
		{"no body", &pb.Annotation{ProjectId: "p", DocumentId: "d"}, map[string]string{"annotation.body": "required"}},
		{"unknown attribute value", &pb.Annotation{ProjectId: "p", DocumentId: "d", Attributes: map[string]string{"realis": "MAYBE"},
			Body: &pb.Annotation_Event{Event: &pb.Event{Type: "Contact.Meet", Trigger: []*pb.Span{{Start: ts, End: te}}}}},
			map[string]string{`annotation.attributes["realis"]`: "MAYBE"}},
		{"cluster of the wrong kind", &pb.Annotation{ProjectId: "p", Body: &pb.Annotation_Cluster{Cluster: &pb.Cluster{
			Kind: pb.ClusterKind_CLUSTER_KIND_EVENT, MemberIds: []int64{perID}}}}, map[string]string{"annotation.cluster.member_ids[0]": "mention"}},
	}
	rev0 := revision(t, e)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.admin.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: tc.ann})
			st := wantCode(t, err, codes.InvalidArgument)
			got := violations(st)
			for f, word := range tc.fields {
				if !strings.Contains(got[f], word) {
					t.Errorf("violation of %s = %q, want it to mention %q (all: %v)", f, got[f], word, got)
				}
			}
			if len(got) != len(tc.fields) {
				t.Errorf("got %d violations %v, want %d", len(got), got, len(tc.fields))
			}
		})
	}
	if rev := revision(t, e); rev != rev0 {
		t.Errorf("refused writes moved the revision from %d to %d", rev0, rev)
	}
}

// revision returns the store's newest revision.
func revision(t *testing.T, e *env) int64 {
	t.Helper()
	r, err := e.store.Revision(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBatchIsAtomicAndResolvesBatchReferences(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.project("p", "d", rolesText)
	ev := &pb.Annotation{ProjectId: "p", DocumentId: "d", Body: &pb.Annotation_Event{Event: &pb.Event{
		Type: "Contact.Meet", Trigger: []*pb.Span{{Start: 7, End: 10, Text: "met"}},
		Arguments: []*pb.Argument{{Role: "Entity", AnnotationId: -1}, {Role: "Entity", AnnotationId: -2}, {Role: "Place", AnnotationId: -3}}}}}
	good := []*pb.Annotation{
		mention("p", "d", "", 0, 6, "Lavrov", "PER"),
		mention("p", "d", "", 11, 21, "de Mistura", "PER"),
		mention("p", "d", "", 25, 31, "Moscow", "GPE"),
		ev,
	}
	bad := append([]*pb.Annotation{}, good...)
	bad = append(bad, mention("p", "d", "", 0, 6, "Lavrow", "PER"))
	rev0 := revision(t, e)
	_, err := e.admin.Annotations.BatchCreateAnnotations(ctx, &pb.BatchCreateAnnotationsRequest{Annotations: bad})
	st := wantCode(t, err, codes.InvalidArgument)
	if _, ok := violations(st)["annotations[4].mention.spans[0].text"]; !ok {
		t.Errorf("violations %v do not name annotations[4]", violations(st))
	}
	if revision(t, e) != rev0 {
		t.Fatal("a refused batch wrote something")
	}
	resp, err := e.admin.Annotations.BatchCreateAnnotations(ctx, &pb.BatchCreateAnnotationsRequest{Annotations: good, RequestId: "batch-1"})
	if err != nil {
		t.Fatal(err)
	}
	anns := resp.GetAnnotations()
	args := anns[3].GetEvent().GetArguments()
	for i, want := range []int64{anns[0].GetId(), anns[1].GetId(), anns[2].GetId()} {
		if args[i].GetAnnotationId() != want {
			t.Errorf("argument %d refers to %d, want %d", i, args[i].GetAnnotationId(), want)
		}
	}
	if revision(t, e) != rev0+1 {
		t.Errorf("a batch took %d revisions, want 1", revision(t, e)-rev0)
	}
	// A retry with the same request id returns the same annotations and
	// writes nothing.
	again, err := e.admin.Annotations.BatchCreateAnnotations(ctx, &pb.BatchCreateAnnotationsRequest{Annotations: good, RequestId: "batch-1"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range anns {
		if again.GetAnnotations()[i].GetId() != anns[i].GetId() {
			t.Errorf("retry gave id %d, first call %d", again.GetAnnotations()[i].GetId(), anns[i].GetId())
		}
	}
	if revision(t, e) != rev0+1 {
		t.Error("a retried batch wrote again")
	}
	// The same request id for a different request is refused.
	_, err = e.admin.Annotations.BatchCreateAnnotations(ctx, &pb.BatchCreateAnnotationsRequest{Annotations: good[:1], RequestId: "batch-1"})
	wantCode(t, err, codes.InvalidArgument)
	// The mentions cannot be deleted while the event refers to them.
	_, err = e.admin.Annotations.DeleteAnnotation(ctx, &pb.DeleteAnnotationRequest{Id: anns[0].GetId()})
	st = wantCode(t, err, codes.FailedPrecondition)
	if !strings.Contains(st.Message(), fmt.Sprint(anns[3].GetId())) {
		t.Errorf("the refusal %q does not name the referring event %d", st.Message(), anns[3].GetId())
	}
	// Delete the event, then a new event cannot refer to the deleted one.
	if _, err := e.admin.Annotations.DeleteAnnotation(ctx, &pb.DeleteAnnotationRequest{Id: anns[3].GetId(), Etag: anns[3].GetEtag()}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.Annotations.DeleteAnnotation(ctx, &pb.DeleteAnnotationRequest{Id: anns[0].GetId()}); err != nil {
		t.Fatal(err)
	}
	ev2 := &pb.Annotation{ProjectId: "p", DocumentId: "d", Body: &pb.Annotation_Event{Event: &pb.Event{
		Type: "Contact.Meet", Trigger: []*pb.Span{{Start: 7, End: 10}}, Arguments: []*pb.Argument{{Role: "Entity", AnnotationId: anns[0].GetId()}}}}}
	_, err = e.admin.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: ev2})
	st = wantCode(t, err, codes.InvalidArgument)
	if !strings.Contains(violations(st)["annotation.event.arguments[0].annotation_id"], "deleted") {
		t.Errorf("violations %v", violations(st))
	}
}

func TestEtagsPreventLostUpdates(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.project("p", "d", rolesText)
	created, err := e.admin.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("p", "d", "", 0, 6, "Lavrov", "PER")})
	if err != nil {
		t.Fatal(err)
	}
	a := created.GetAnnotation()
	// Many concurrent editors with the etag they read: exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, aborted := 0, 0
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			upd := mention("p", "d", "", 0, 6, "", "ORG")
			upd.Id = a.GetId()
			upd.Attributes = map[string]string{"note": fmt.Sprint(i)}
			_, err := e.admin.Annotations.UpdateAnnotation(ctx, &pb.UpdateAnnotationRequest{Annotation: upd, UpdateMask: mask("mention.label", "attributes"), Etag: a.GetEtag()})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			default:
				wantCode(t, err, codes.Aborted)
				aborted++
			}
		}(i)
	}
	wg.Wait()
	if wins != 1 || aborted != 15 {
		t.Fatalf("%d updates won and %d were aborted; want 1 and 15", wins, aborted)
	}
	got, err := e.admin.Annotations.GetAnnotation(ctx, &pb.GetAnnotationRequest{Id: a.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetAnnotation().GetMention().GetLabel() != "ORG" || got.GetAnnotation().GetEtag() == a.GetEtag() {
		t.Errorf("after the update: %v", got.GetAnnotation())
	}
	if got.GetAnnotation().GetId() != a.GetId() || got.GetAnnotation().GetCreateRevision() != a.GetCreateRevision() {
		t.Error("an update changed the id or creation revision")
	}
	// A mask path of another kind is refused; so is a bad etag.
	_, err = e.admin.Annotations.UpdateAnnotation(ctx, &pb.UpdateAnnotationRequest{Annotation: got.GetAnnotation(), UpdateMask: mask("event.type")})
	st := wantCode(t, err, codes.InvalidArgument)
	if _, ok := violations(st)["update_mask.paths[0]"]; !ok {
		t.Errorf("violations %v", violations(st))
	}
	_, err = e.admin.Annotations.UpdateAnnotation(ctx, &pb.UpdateAnnotationRequest{Annotation: got.GetAnnotation(), Etag: "abc"})
	wantCode(t, err, codes.InvalidArgument)
}

func TestListPaginationAndPageTokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.project("p", "d", rolesText)
	var want []int64
	for i := 0; i < 25; i++ {
		r, err := e.admin.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("p", "d", "", 0, 6, "Lavrov", "PER")})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, r.GetAnnotation().GetId())
	}
	req := &pb.ListAnnotationsRequest{ProjectId: "p", DocumentId: "d", PageSize: 10}
	var got []int64
	var firstRev int64
	for page := 0; ; page++ {
		resp, err := e.admin.Annotations.ListAnnotations(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if page == 0 {
			firstRev = resp.GetRevision()
			// Writes after the first page do not show in later pages.
			if _, err := e.admin.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("p", "d", "", 0, 6, "Lavrov", "PER")}); err != nil {
				t.Fatal(err)
			}
		}
		if resp.GetRevision() != firstRev {
			t.Errorf("page %d shows revision %d, the first page %d", page, resp.GetRevision(), firstRev)
		}
		for _, a := range resp.GetAnnotations() {
			got = append(got, a.GetId())
		}
		if resp.GetNextPageToken() == "" {
			break
		}
		req.PageToken = resp.GetNextPageToken()
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pages gave %v, want %v", got, want)
	}
	first, err := e.admin.Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: "p", PageSize: 5})
	if err != nil {
		t.Fatal(err)
	}
	tok := first.GetNextPageToken()
	for _, tc := range []struct {
		name string
		req  *pb.ListAnnotationsRequest
	}{
		{"tampered", &pb.ListAnnotationsRequest{ProjectId: "p", PageSize: 5, PageToken: tamper(tok)}},
		{"garbage", &pb.ListAnnotationsRequest{ProjectId: "p", PageSize: 5, PageToken: "not-a-token"}},
		{"other filter", &pb.ListAnnotationsRequest{ProjectId: "p", PageSize: 5, PageToken: tok, Annotator: "gold"}},
		{"negative page size", &pb.ListAnnotationsRequest{ProjectId: "p", PageSize: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.admin.Annotations.ListAnnotations(ctx, tc.req)
			wantCode(t, err, codes.InvalidArgument)
		})
	}
}
