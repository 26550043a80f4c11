package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/eval"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/server"
)

// evalText is the document every evaluation test annotates:
//
//	Ana Ruiz [0,8)  met [9,12)  Malik Haddad [13,25) (Haddad [19,25))
//	Geneva [29,35); 46 code points.
const evalText = "Ana Ruiz met Malik Haddad in Geneva on Monday."

// evalEnv is a project "news" with the document "talks" (and "other", which
// nobody annotates), the annotators alice and bob, the curator carol and the
// reader rita, and three layers:
//
//	gold:  PER Ana Ruiz, PER Malik Haddad, GPE Geneva,
//	       Contact.Meet "met" Entity=Ana Ruiz Entity=Malik Haddad Place=Geneva
//	alice: the same as gold
//	bob:   PER Ana Ruiz, PER Haddad (one word short), LOC Geneva,
//	       Contact.Meet "met" Entity=Ana Ruiz
//
// It returns the clients by name and the revision before bob's layer.
func evalEnv(t *testing.T, e *env) (map[string]pb.EvaluationServiceClient, int64) {
	t.Helper()
	ctx := context.Background()
	e.project("news", "talks", evalText)
	e.doc("news", "other", "Nothing happened here.")
	clients := map[string]pb.EvaluationServiceClient{"admin": pb.NewEvaluationServiceClient(e.admin.Conn())}
	for name, role := range map[string]pb.Role{"alice": pb.Role_ROLE_ANNOTATOR, "bob": pb.Role_ROLE_ANNOTATOR, "carol": pb.Role_ROLE_CURATOR, "rita": pb.Role_ROLE_READER} {
		clients[name] = pb.NewEvaluationServiceClient(e.user(name, role).Conn())
	}
	e.member("news", "alice", "bob")
	layer := func(annotator string, anns ...*pb.Annotation) {
		for _, a := range anns {
			a.Annotator = annotator
		}
		if _, err := e.admin.Annotations.BatchCreateAnnotations(ctx, &pb.BatchCreateAnnotationsRequest{Annotations: anns}); err != nil {
			t.Fatalf("%s's layer: %v", annotator, err)
		}
	}
	meet := func(args ...*pb.Argument) *pb.Annotation {
		return &pb.Annotation{ProjectId: "news", DocumentId: "talks", Body: &pb.Annotation_Event{Event: &pb.Event{
			Type: "Contact.Meet", Trigger: []*pb.Span{{Start: 9, End: 12, Text: "met"}}, Arguments: args}}}
	}
	full := func() []*pb.Annotation {
		return []*pb.Annotation{
			mention("news", "talks", "", 0, 8, "Ana Ruiz", "PER"),
			mention("news", "talks", "", 13, 25, "Malik Haddad", "PER"),
			mention("news", "talks", "", 29, 35, "Geneva", "GPE"),
			meet(&pb.Argument{Role: "Entity", AnnotationId: -1}, &pb.Argument{Role: "Entity", AnnotationId: -2}, &pb.Argument{Role: "Place", AnnotationId: -3}),
		}
	}
	layer("gold", full()...)
	layer("alice", full()...)
	before := revision(t, e)
	layer("bob",
		mention("news", "talks", "", 0, 8, "Ana Ruiz", "PER"),
		mention("news", "talks", "", 19, 25, "Haddad", "PER"),
		mention("news", "talks", "", 29, 35, "Geneva", "LOC"),
		meet(&pb.Argument{Role: "Entity", AnnotationId: -1}),
	)
	return clients, before
}

func nearly(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("%s = %.6f, want %.6f", what, got, want)
	}
}

// TestScoreAnnotator checks the figures of bob and alice against gold,
// worked out by hand in the comments, and the revision the score is read at.
func TestScoreAnnotator(t *testing.T) {
	e := newEnv(t)
	c, before := evalEnv(t, e)
	ctx := context.Background()
	newest := revision(t, e)

	resp, err := c["rita"].ScoreAnnotator(ctx, &pb.ScoreAnnotatorRequest{ProjectId: "news", Candidate: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetRevision() != newest || resp.GetReference() != "gold" || resp.GetDocuments() != 2 || resp.GetMatch() != pb.SpanMatch_SPAN_MATCH_EXACT {
		t.Errorf("header: revision %d (want %d), reference %q, documents %d, match %v", resp.GetRevision(), newest, resp.GetReference(), resp.GetDocuments(), resp.GetMatch())
	}
	// Gold: 3 mentions and 1 trigger; bob matches Ana Ruiz and "met"
	// exactly: P = R = F1 = 2/4.
	m := resp.GetSpans().GetMicro()
	if m.GetGold() != 4 || m.GetPredicted() != 4 || m.GetMatchedGold() != 2 {
		t.Errorf("micro %v", m)
	}
	nearly(t, "span F1", m.GetF1(), 0.5)
	// mention/PER: gold 2, bob 2, one matched.
	for _, l := range resp.GetSpans().GetLabels() {
		if l.GetLabel() == "mention/PER" && (l.GetGold() != 2 || l.GetMatchedGold() != 1) {
			t.Errorf("mention/PER %v", l)
		}
	}
	// The trigger is found; of gold's 3 arguments bob has 1: P 1, R 1/3.
	ev := resp.GetEvents()
	nearly(t, "trigger classification F1", ev.GetTriggerClassification().GetF1(), 1)
	ac := ev.GetArgumentClassification()
	if ac.GetGold() != 3 || ac.GetPredicted() != 1 || ac.GetMatchedGold() != 1 {
		t.Errorf("argument classification %v", ac)
	}
	nearly(t, "argument classification F1", ac.GetF1(), 0.5)
	if resp.GetClaims() == nil || len(resp.GetCoreference()) != 0 {
		t.Errorf("claims %v, coreference %v", resp.GetClaims(), resp.GetCoreference())
	}
	var full eval.CorpusScoreReport
	if err := json.Unmarshal([]byte(resp.GetReportJson()), &full); err != nil {
		t.Fatalf("report_json: %v", err)
	}
	if full.Spans.Micro.F1 != m.GetF1() || full.Candidate != "bob" || full.Events.Roles == nil {
		t.Errorf("report_json differs: %+v", full.Spans.Micro)
	}

	// Overlap: Haddad [19,25) overlaps Malik Haddad with the same label;
	// Geneva is still LOC against GPE: 3/4.
	resp, err = c["carol"].ScoreAnnotator(ctx, &pb.ScoreAnnotatorRequest{ProjectId: "news", Reference: "gold", Candidate: "bob", Match: pb.SpanMatch_SPAN_MATCH_OVERLAP})
	if err != nil {
		t.Fatal(err)
	}
	nearly(t, "overlap F1", resp.GetSpans().GetMicro().GetF1(), 0.75)

	// Mentions labelled PER only: gold 2, bob 2, one exact match.
	resp, err = c["admin"].ScoreAnnotator(ctx, &pb.ScoreAnnotatorRequest{ProjectId: "news", Candidate: "bob", DocumentIds: []string{"talks"},
		Kinds: []pb.AnnotationKind{pb.AnnotationKind_ANNOTATION_KIND_MENTION}, Labels: []string{"PER"}})
	if err != nil {
		t.Fatal(err)
	}
	if m := resp.GetMentions().GetMicro(); m.GetGold() != 2 || m.GetPredicted() != 2 || m.GetMatchedGold() != 1 || resp.GetEvents() != nil || resp.GetDocuments() != 1 {
		t.Errorf("PER mentions %v, events %v, documents %d", m, resp.GetEvents(), resp.GetDocuments())
	}

	// Alice against gold is perfect; bob against alice, as of the
	// revision before bob annotated, found nothing.
	resp, err = c["rita"].ScoreAnnotator(ctx, &pb.ScoreAnnotatorRequest{ProjectId: "news", Candidate: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	nearly(t, "alice F1", resp.GetSpans().GetMicro().GetF1(), 1)
	resp, err = c["rita"].ScoreAnnotator(ctx, &pb.ScoreAnnotatorRequest{ProjectId: "news", Reference: "alice", Candidate: "bob", AsOfRevision: before})
	if err != nil {
		t.Fatal(err)
	}
	if m := resp.GetSpans().GetMicro(); resp.GetRevision() != before || m.GetGold() != 4 || m.GetPredicted() != 0 || m.GetF1() != 0 {
		t.Errorf("as of %d: revision %d, micro %v", before, resp.GetRevision(), m)
	}
}

// TestComputeAgreement checks alice and bob's agreement against values
// worked out by hand.
func TestComputeAgreement(t *testing.T) {
	e := newEnv(t)
	c, _ := evalEnv(t, e)
	ctx := context.Background()
	resp, err := c["carol"].ComputeAgreement(ctx, &pb.ComputeAgreementRequest{ProjectId: "news", Annotators: []string{"bob", "alice"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(resp.GetAnnotators(), ",") != "alice,bob" || resp.GetRevision() != revision(t, e) || resp.GetDocuments() != 2 {
		t.Errorf("header: %v, revision %d, documents %d", resp.GetAnnotators(), resp.GetRevision(), resp.GetDocuments())
	}
	// Five positions (alice, bob): [0,8) (PER, PER), [9,12) (CM, CM),
	// [13,25) (PER, -), [19,25) (-, PER), [29,35) (GPE, LOC). Po = 2/5;
	// Pe = (PER 2*2 + CM 1*1 + none 1*1)/25 = 6/25; kappa = (10-6)/(25-6)
	// = 4/19.
	s := resp.GetSpans()
	if s.GetItems() != 5 {
		t.Errorf("items %d", s.GetItems())
	}
	nearly(t, "Cohen's kappa", s.GetPairwiseCohenKappa().GetRows()[0].GetValues()[1], 4.0/19)
	nearly(t, "Cohen's kappa (symmetric)", s.GetPairwiseCohenKappa().GetRows()[1].GetValues()[0], 4.0/19)
	// Two spans in common out of 4 + 4.
	nearly(t, "pairwise F1", s.GetPairwiseF1().GetRows()[0].GetValues()[1], 0.5)
	nearly(t, "match F1", resp.GetMatchF1().GetRows()[0].GetValues()[1], 0.5)
	// Pooled: PER 4, CM 2, none 2, GPE 1, LOC 1 of 10: D_e = (100 - 26)/90,
	// D_o = 3/5, alpha = 1 - (3/5)/(74/90) = 1 - 54/74.
	nearly(t, "alpha", s.GetKrippendorffAlpha(), 1-54.0/74)
	if resp.GetMentions() == nil || resp.GetTriggers() == nil || resp.GetClaims() == nil {
		t.Error("a kind's agreement is missing")
	}
	nearly(t, "trigger kappa", resp.GetTriggers().GetPairwiseCohenKappa().GetRows()[0].GetValues()[1], 1)
	var full eval.CorpusAgreementReport
	if err := json.Unmarshal([]byte(resp.GetReportJson()), &full); err != nil {
		t.Fatalf("report_json: %v", err)
	}
	if full.All.Items != 5 || full.All.AlphaU.Length != 46+22 {
		t.Errorf("report_json: items %d, continuum %d", full.All.Items, full.All.AlphaU.Length)
	}

	// Overlap changes only the match F1: Haddad now matches (3 of 4).
	resp, err = c["rita"].ComputeAgreement(ctx, &pb.ComputeAgreementRequest{ProjectId: "news", Annotators: []string{"alice", "bob", "gold"},
		Match: pb.SpanMatch_SPAN_MATCH_OVERLAP})
	if err != nil {
		t.Fatal(err)
	}
	nearly(t, "overlap match F1", resp.GetMatchF1().GetRows()[0].GetValues()[1], 0.75)
	nearly(t, "alice-gold F1", resp.GetSpans().GetPairwiseF1().GetRows()[0].GetValues()[2], 1)
}

// TestEvaluationRolesAndBadRequests checks who may evaluate what, and the
// codes of bad requests.
func TestEvaluationRolesAndBadRequests(t *testing.T) {
	e := newEnv(t)
	c, _ := evalEnv(t, e)
	ctx := context.Background()
	agree := func(who string, req *pb.ComputeAgreementRequest) error {
		_, err := c[who].ComputeAgreement(ctx, req)
		return err
	}
	score := func(who string, req *pb.ScoreAnnotatorRequest) error {
		_, err := c[who].ScoreAnnotator(ctx, req)
		return err
	}
	ab := []string{"alice", "bob"}

	st := wantCode(t, agree("alice", &pb.ComputeAgreementRequest{ProjectId: "news", Annotators: ab}), codes.PermissionDenied)
	if !strings.Contains(st.Message(), "cannot compute agreement") {
		t.Errorf("message %q", st.Message())
	}
	wantCode(t, score("alice", &pb.ScoreAnnotatorRequest{ProjectId: "news", Candidate: "alice"}), codes.PermissionDenied)
	wantCode(t, score("bob", &pb.ScoreAnnotatorRequest{ProjectId: "news", Reference: "bob", Candidate: "alice"}), codes.PermissionDenied)
	for _, who := range []string{"admin", "carol", "rita"} {
		if err := agree(who, &pb.ComputeAgreementRequest{ProjectId: "news", Annotators: ab}); err != nil {
			t.Errorf("%s: %v", who, err)
		}
	}

	cases := []struct {
		name  string
		err   error
		code  codes.Code
		field string
	}{
		{"one annotator", agree("rita", &pb.ComputeAgreementRequest{ProjectId: "news", Annotators: []string{"alice"}}), codes.InvalidArgument, "annotators"},
		{"the same annotator twice", agree("rita", &pb.ComputeAgreementRequest{ProjectId: "news", Annotators: []string{"alice", "alice"}}), codes.InvalidArgument, "annotators"},
		{"unknown annotator", agree("rita", &pb.ComputeAgreementRequest{ProjectId: "news", Annotators: []string{"alice", "zoe"}}), codes.NotFound, ""},
		{"unknown candidate", score("rita", &pb.ScoreAnnotatorRequest{ProjectId: "news", Candidate: "zoe"}), codes.NotFound, ""},
		{"no candidate", score("rita", &pb.ScoreAnnotatorRequest{ProjectId: "news"}), codes.InvalidArgument, "candidate"},
		{"candidate is reference", score("rita", &pb.ScoreAnnotatorRequest{ProjectId: "news", Reference: "bob", Candidate: "bob"}), codes.InvalidArgument, "candidate"},
		{"negative revision", agree("rita", &pb.ComputeAgreementRequest{ProjectId: "news", Annotators: ab, AsOfRevision: -1}), codes.InvalidArgument, "as_of_revision"},
		{"negative revision (score)", score("rita", &pb.ScoreAnnotatorRequest{ProjectId: "news", Candidate: "bob", AsOfRevision: -5}), codes.InvalidArgument, "as_of_revision"},
		{"future revision", score("rita", &pb.ScoreAnnotatorRequest{ProjectId: "news", Candidate: "bob", AsOfRevision: 1 << 40}), codes.InvalidArgument, "as_of_revision"},
		{"relations", agree("rita", &pb.ComputeAgreementRequest{ProjectId: "news", Annotators: ab, Kinds: []pb.AnnotationKind{pb.AnnotationKind_ANNOTATION_KIND_RELATION}}), codes.InvalidArgument, "kinds[0]"},
		{"bad match", score("rita", &pb.ScoreAnnotatorRequest{ProjectId: "news", Candidate: "bob", Match: 7}), codes.InvalidArgument, "match"},
		{"no project", score("rita", &pb.ScoreAnnotatorRequest{Candidate: "bob"}), codes.InvalidArgument, "project_id"},
		{"unknown project", score("rita", &pb.ScoreAnnotatorRequest{ProjectId: "sports", Candidate: "bob"}), codes.NotFound, ""},
		{"unknown document", score("rita", &pb.ScoreAnnotatorRequest{ProjectId: "news", Candidate: "bob", DocumentIds: []string{"talks", "nope"}}), codes.NotFound, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := wantCode(t, tc.err, tc.code)
			if tc.field != "" {
				if _, ok := violations(st)[tc.field]; !ok {
					t.Errorf("violations %v do not name %s", violations(st), tc.field)
				}
			}
		})
	}
}

// retention pretends that versions older than a revision were removed.
type retention struct {
	scholia.Store
	oldest int64
}

func (r retention) OldestRevision(context.Context) (int64, error) { return r.oldest, nil }

// TestEvaluationRefusesExpiredRevision checks that a revision older than
// retention keeps is FAILED_PRECONDITION, as for StreamCorpus.
func TestEvaluationRefusesExpiredRevision(t *testing.T) {
	e := newEnvWith(t, func(s scholia.Store) scholia.Store { return retention{Store: s, oldest: 5} }, server.Options{})
	c, _ := evalEnv(t, e)
	_, err := c["rita"].ScoreAnnotator(context.Background(), &pb.ScoreAnnotatorRequest{ProjectId: "news", Candidate: "bob", AsOfRevision: 2})
	st := wantCode(t, err, codes.FailedPrecondition)
	if reason(st) != "REVISION_EXPIRED" {
		t.Errorf("reason %q", reason(st))
	}
	if _, err := c["rita"].ScoreAnnotator(context.Background(), &pb.ScoreAnnotatorRequest{ProjectId: "news", Candidate: "bob"}); err != nil {
		t.Errorf("the newest revision: %v", err)
	}
}

// TestEvaluationReadsEveryChunk puts the annotated document in the second
// chunk of the corpus read (documents are read 64 at a time, by id).
func TestEvaluationReadsEveryChunk(t *testing.T) {
	e := newEnv(t)
	c, _ := evalEnv(t, e)
	for i := range 65 {
		e.doc("news", fmt.Sprintf("a%03d", i), "An empty day.")
	}
	resp, err := c["rita"].ScoreAnnotator(context.Background(), &pb.ScoreAnnotatorRequest{ProjectId: "news", Candidate: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetDocuments() != 67 || resp.GetSpans().GetMicro().GetGold() != 4 {
		t.Errorf("documents %d, micro %v", resp.GetDocuments(), resp.GetSpans().GetMicro())
	}
	nearly(t, "span F1", resp.GetSpans().GetMicro().GetF1(), 0.5)
}
