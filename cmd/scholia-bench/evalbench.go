package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/eval"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/pbconv"
	"google.golang.org/protobuf/proto"
)

var evalAnnotators = []string{"alice", "bob", "carol"}

// perturb copies a generated layer for another annotator who disagrees on
// about one mention in ten: PER and ORG swapped, GPE read as LOC (labels
// that keep every event argument valid).
func perturb(anns []*pb.Annotation, annotator string, r *rand.Rand) []*pb.Annotation {
	out := make([]*pb.Annotation, len(anns))
	for i, a := range anns {
		c := proto.Clone(a).(*pb.Annotation)
		c.Annotator = annotator
		if m := c.GetMention(); m != nil && r.IntN(10) == 0 {
			switch m.GetLabel() {
			case "PER":
				m.Label = "ORG"
			case "ORG":
				m.Label = "PER"
			case "GPE":
				m.Label = "LOC"
			}
		}
		out[i] = c
	}
	return out
}

// evalCorpus generates docs documents annotated by three annotators, as the
// API messages to load and as the domain corpus for in-process evaluation
// (ids assigned per layer, references resolved).
func evalCorpus(cfg config, docs int) ([]genDoc, [][3][]*pb.Annotation, []scholia.CorpusDocument) {
	var gens []genDoc
	var layers [][3][]*pb.Annotation
	var corpus []scholia.CorpusDocument
	r := rand.New(rand.NewPCG(cfg.seed, 7))
	var id int64
	for i := 0; i < docs; i++ {
		d := generate(cfg.seed, i, cfg.annsPerDoc, benchProject, evalAnnotators[0])
		var ls [3][]*pb.Annotation
		ls[0] = d.anns
		ls[1] = perturb(d.anns, evalAnnotators[1], r)
		ls[2] = perturb(d.anns, evalAnnotators[2], r)
		cd := scholia.CorpusDocument{Document: scholia.Document{Project: benchProject, ID: d.id, Text: d.text}}
		for _, l := range ls {
			base := id
			for _, a := range l {
				id++
				x := pbconv.AnnotationFromPB(a)
				x.ID = id
				for k := range x.Arguments {
					x.Arguments[k].AnnotationID = base - x.Arguments[k].AnnotationID
				}
				if x.Claim != nil && x.Claim.ClaimantID < 0 {
					x.Claim.ClaimantID = base - x.Claim.ClaimantID
				}
				cd.Annotations = append(cd.Annotations, x)
			}
		}
		gens = append(gens, d)
		layers = append(layers, ls)
		corpus = append(corpus, cd)
	}
	return gens, layers, corpus
}

// benchEval times agreement and scoring through the EvaluationService on a
// loaded corpus of three layers, against the same computation in process on
// the same annotations (no storage, no gRPC): the limit.
func benchEval(cfg config, dir string) ([]row, error) {
	ctx := context.Background()
	docs := max(cfg.docs/10, 1)
	gens, layers, corpus := evalCorpus(cfg, docs)
	nAnn := 0
	for _, d := range corpus {
		nAnn += len(d.Annotations)
	}
	srv, err := startServer(filepath.Join(dir, "eval.db"))
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	c, err := srv.client(srv.token)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if _, err := c.Projects.CreateProject(ctx, &pb.CreateProjectRequest{Project: &pb.Project{Id: benchProject}}); err != nil {
		return nil, err
	}
	for _, a := range evalAnnotators {
		if _, err := c.Admin.CreateUser(ctx, &pb.CreateUserRequest{User: &pb.User{Name: a, Role: pb.Role_ROLE_ANNOTATOR}}); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(os.Stderr, "  loading %d documents x 3 layers x %d annotations\n", docs, cfg.annsPerDoc)
	for i, d := range gens {
		if _, err := c.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: &pb.Document{ProjectId: benchProject, Id: d.id, Text: d.text}}); err != nil {
			return nil, err
		}
		for _, l := range layers[i] {
			if _, err := c.Annotations.BatchCreateAnnotations(ctx, &pb.BatchCreateAnnotationsRequest{Annotations: l}); err != nil {
				return nil, err
			}
		}
	}
	median3 := func(f func() error) (float64, error) {
		var ts []float64
		for range 3 {
			start := time.Now()
			if err := f(); err != nil {
				return 0, err
			}
			ts = append(ts, time.Since(start).Seconds())
		}
		return median(ts), nil
	}
	agreeAPI, err := median3(func() error {
		_, err := c.Evaluation.ComputeAgreement(ctx, &pb.ComputeAgreementRequest{ProjectId: benchProject, Annotators: evalAnnotators})
		return err
	})
	if err != nil {
		return nil, err
	}
	agreeLocal, err := median3(func() error {
		_, err := eval.CorpusAgreement(corpus, evalAnnotators, eval.CorpusOptions{})
		return err
	})
	if err != nil {
		return nil, err
	}
	scoreAPI, err := median3(func() error {
		_, err := c.Evaluation.ScoreAnnotator(ctx, &pb.ScoreAnnotatorRequest{ProjectId: benchProject, Reference: evalAnnotators[0], Candidate: evalAnnotators[1]})
		return err
	})
	if err != nil {
		return nil, err
	}
	scoreLocal, _ := median3(func() error {
		eval.ScoreCorpus(corpus, evalAnnotators[0], evalAnnotators[1], eval.CorpusOptions{})
		return nil
	})
	note := fmt.Sprintf("%d documents, %d annotations in 3 layers (mentions, events, claims); median of 3; limit: the same report computed in process on the same annotations, no storage and no gRPC", docs, nAnn)
	rows := []row{
		{Scenario: "eval", Figure: "ComputeAgreement, 3 annotators", Unit: "s", Scholia: agreeAPI, Limit: agreeLocal, Ratio: agreeLocal / agreeAPI, Note: note},
		{Scenario: "eval", Figure: "ScoreAnnotator", Unit: "s", Scholia: scoreAPI, Limit: scoreLocal, Ratio: scoreLocal / scoreAPI},
	}
	// The figure: 1,000,000 spans per annotator, 3 annotators, in
	// process (the eval package's own benchmarks measure the same).
	big := spanLayers1M()
	start := time.Now()
	eval.SpanAgreement(map[string][]scholia.Annotation{"a": big[0], "b": big[1], "c": big[2]}, eval.AgreementOptions{})
	agree1M := time.Since(start).Seconds()
	start = time.Now()
	eval.ScoreSpans(big[0], big[1], eval.SpanOptions{})
	score1M := time.Since(start).Seconds()
	rows = append(rows,
		row{Scenario: "eval", Figure: "agreement, 1M spans x 3 annotators, in process", Unit: "s", Scholia: agree1M, Target: "< 2 s"},
		row{Scenario: "eval", Figure: "span scores, 1M spans vs 1M, in process", Unit: "s", Scholia: score1M, Target: "< 2 s"},
	)
	return rows, nil
}

// spanLayers1M makes three layers of a million mentions each over 10,000
// documents; the second and third differ from the first on about one span in
// five (shifted boundaries, other labels, other spans).
func spanLayers1M() [3][]scholia.Annotation {
	labels := []string{"PER", "ORG", "GPE", "LOC", "FAC", "WEA", "VEH"}
	r := rand.New(rand.NewPCG(42, 1))
	var out [3][]scholia.Annotation
	var id int64
	for d := 0; d < 10000; d++ {
		doc := fmt.Sprintf("doc%05d", d)
		for i := 0; i < 100; i++ {
			s := int64(i*40 + r.IntN(10))
			e := s + 1 + int64(r.IntN(15))
			l := labels[r.IntN(len(labels))]
			for a := range out {
				s2, e2, l2 := s, e, l
				if a > 0 {
					switch r.IntN(20) {
					case 0:
						s2++
					case 1:
						e2 += 2
					case 2:
						l2 = labels[r.IntN(len(labels))]
					case 3:
						s2, e2 = s+20, s+23
					}
				}
				id++
				out[a] = append(out[a], scholia.Annotation{ID: id, Document: doc, Kind: scholia.KindMention, Label: l2, Spans: []scholia.Span{{Start: s2, End: e2}}})
			}
		}
	}
	return out
}
