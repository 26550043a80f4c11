package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/client"
	"github.com/scholia-nlp/scholia/eval"
	"github.com/scholia-nlp/scholia/format/jsonl"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/pbconv"
)

// evalFlags are the selection flags `eval agree` and `eval score` share.
type evalFlags struct {
	kinds, labels, docs []string
	match               string
	asOf                int64
	doneOnly            bool
}

func (f *evalFlags) register(cmd *cobra.Command, kinds string) {
	fs := cmd.Flags()
	fs.StringArrayVar(&f.kinds, "kind", nil, "only this kind: "+kinds+" (repeatable; default all)")
	fs.StringArrayVar(&f.labels, "label", nil, "only this label, e.g. PER or Contact.Meet (repeatable)")
	fs.StringArrayVar(&f.docs, "doc", nil, "only this document (repeatable)")
	fs.StringVar(&f.match, "match", "exact", "span match: exact or overlap")
	fs.Int64Var(&f.asOf, "as-of", 0, "the corpus as of this revision (default: now)")
	fs.BoolVar(&f.doneOnly, "done-only", false, "only layers marked done")
}

// parse checks the flags and returns the API's kinds and span rule.
func (f *evalFlags) parse(allowed []scholia.Kind) ([]pb.AnnotationKind, pb.SpanMatch, error) {
	var kinds []pb.AnnotationKind
	for _, k := range f.kinds {
		kind, ok := scholia.ParseKind(k)
		if !ok || !slices.Contains(allowed, kind) {
			return nil, 0, usagef("--kind %q: choose among %v", k, allowed)
		}
		kinds = append(kinds, pb.AnnotationKind(kind))
	}
	switch f.match {
	case "exact":
		return kinds, pb.SpanMatch_SPAN_MATCH_EXACT, nil
	case "overlap":
		return kinds, pb.SpanMatch_SPAN_MATCH_OVERLAP, nil
	}
	return nil, 0, usagef("--match must be exact or overlap, not %q", f.match)
}

// options returns the evaluation options for offline evaluation.
func (f *evalFlags) options(kinds []pb.AnnotationKind, match pb.SpanMatch) eval.CorpusOptions {
	return eval.CorpusOptions{Kinds: pbconv.KindsFromPB(kinds), Labels: f.labels, Match: pbconv.SpanMatchFromPB(match), DoneOnly: f.doneOnly}
}

var (
	agreeKinds = []scholia.Kind{scholia.KindMention, scholia.KindEvent, scholia.KindClaim}
	scoreKinds = []scholia.Kind{scholia.KindMention, scholia.KindEvent, scholia.KindClaim, scholia.KindCluster}
)

func (a *app) evalCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Agreement among annotators, and scores of an annotator against gold",
		Long: `Measure annotation quality on a consistent snapshot of a project:

  scholia eval agree PROJECT --annotator A --annotator B     inter-annotator agreement
  scholia eval score PROJECT --candidate NAME                 NAME's layer against gold
  scholia eval score --reference-file REF.jsonl --candidate-file SYS.jsonl
                                                              offline, on 'scholia stream' output

Tables are for people; -o json prints every figure for scripts.`,
	}
	cmd.AddCommand(a.evalAgreeCommand(), a.evalScoreCommand())
	return cmd
}

// checkOutput validates -o without dialing.
func (a *app) checkOutput() error {
	if a.output != "text" && a.output != "json" {
		return usagef("-o must be text or json, not %q", a.output)
	}
	return nil
}

func (a *app) evalAgreeCommand() *cobra.Command {
	var (
		f          evalFlags
		annotators []string
		file       string
	)
	cmd := &cobra.Command{
		Use:   "agree PROJECT --annotator A --annotator B [--annotator C]... | --file CORPUS.jsonl --annotator A --annotator B",
		Short: "Inter-annotator agreement: Krippendorff's alpha, Fleiss' kappa, alpha_U, pairwise kappa and F1",
		Long: `Measure the agreement among two or more annotators' layers of a project
(use "gold" for the curated layer), as of one revision: Krippendorff's alpha,
Fleiss' kappa and Krippendorff's unitizing alpha_U over every mention, event
trigger and claim span, per label and per kind, and the pairwise Cohen's
kappa, alpha_U and F1 matrices. --match overlap changes the last matrix,
"F1 (overlap match)"; the coefficients compare positions exactly.

With --file, the layers are read from a JSONL file written by
'scholia stream' instead, with no server.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.checkOutput(); err != nil {
				return err
			}
			kinds, match, err := f.parse(agreeKinds)
			if err != nil {
				return err
			}
			if len(annotators) < 2 {
				return usagef("name at least two annotators with --annotator")
			}
			if file != "" {
				if len(args) != 0 || f.asOf != 0 {
					return usagef("with --file the corpus comes from the file: no PROJECT, no --as-of")
				}
				return a.agreeOffline(file, annotators, f, kinds, match)
			}
			if len(args) != 1 {
				return usagef("usage: %s", cmd.Use)
			}
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Evaluation.ComputeAgreement(cmd.Context(), &pb.ComputeAgreementRequest{
					ProjectId: args[0], Annotators: annotators, Kinds: kinds, Labels: f.labels, DocumentIds: f.docs,
					DoneOnly: f.doneOnly, AsOfRevision: f.asOf, Match: match})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				return printAgreement(a.stdout, fmt.Sprintf("%s at revision %d", args[0], resp.GetRevision()), resp)
			})
		},
	}
	f.register(cmd, "mention, event, claim")
	cmd.Flags().StringArrayVar(&annotators, "annotator", nil, "a layer to compare: a user name or gold (at least two)")
	cmd.Flags().StringVar(&file, "file", "", "read the layers from this JSONL file (scholia stream output), offline")
	return cmd
}

func (a *app) evalScoreCommand() *cobra.Command {
	var (
		f                 evalFlags
		reference, cand   string
		refFile, candFile string
	)
	cmd := &cobra.Command{
		Use:   "score PROJECT --candidate NAME [--reference gold] | --reference-file REF.jsonl --candidate-file SYS.jsonl",
		Short: "Score an annotator against gold (or another reference): spans, events, claims, coreference",
		Long: `Score a candidate layer (a person, or a model writing as its own annotator)
against a reference layer, gold by default, as of one revision: precision,
recall and F1 of every span per label (mentions, event triggers and claim
spans together, labels prefixed with their kind), the ACE event scores
(trigger and argument identification and classification), claim scores
(span F1, claimant and cue attachment, stance and type agreement), and
coreference across documents (MUC, B3, CEAF-m, CEAF-e, BLANC, CoNLL).

Offline, with no server: --reference-file and --candidate-file read JSONL
written by 'scholia stream' (the same file may be given twice). --reference
and --candidate then pick a layer of each file; by default gold or the only
layer of the reference file, and the only other layer of the candidate file.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.checkOutput(); err != nil {
				return err
			}
			kinds, match, err := f.parse(scoreKinds)
			if err != nil {
				return err
			}
			if refFile != "" || candFile != "" {
				if refFile == "" || candFile == "" {
					return usagef("offline scoring needs both --reference-file and --candidate-file")
				}
				if len(args) != 0 || f.asOf != 0 {
					return usagef("with --reference-file and --candidate-file the corpus comes from the files: no PROJECT, no --as-of")
				}
				if !cmd.Flags().Changed("reference") {
					reference = "" // gold or the file's only layer
				}
				return a.scoreOffline(refFile, candFile, reference, cand, f, kinds, match)
			}
			if len(args) != 1 {
				return usagef("usage: %s", cmd.Use)
			}
			if cand == "" {
				return usagef("--candidate is required: the layer to score")
			}
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Evaluation.ScoreAnnotator(cmd.Context(), &pb.ScoreAnnotatorRequest{
					ProjectId: args[0], Reference: reference, Candidate: cand, Kinds: kinds, Labels: f.labels, DocumentIds: f.docs,
					DoneOnly: f.doneOnly, AsOfRevision: f.asOf, Match: match})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				return printScore(a.stdout, fmt.Sprintf("%s at revision %d", args[0], resp.GetRevision()), resp)
			})
		},
	}
	f.register(cmd, "mention, event, claim, cluster")
	cmd.Flags().StringVar(&reference, "reference", scholia.GoldAnnotator, "the reference layer")
	cmd.Flags().StringVar(&cand, "candidate", "", "the layer to score")
	cmd.Flags().StringVar(&refFile, "reference-file", "", "read the reference layer from this JSONL file, offline")
	cmd.Flags().StringVar(&candFile, "candidate-file", "", "read the candidate layer from this JSONL file, offline")
	return cmd
}

// corpusFile is a JSONL file read for offline evaluation.
type corpusFile struct {
	path       string
	docs       []scholia.CorpusDocument
	revisions  []int64
	annotators []string
}

// readCorpusFile reads a JSONL file, keeping only the documents asked for.
func readCorpusFile(path string, docs []string) (*corpusFile, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	all, revs, err := jsonl.ReadAll(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	cf := &corpusFile{path: path, revisions: revs}
	for _, d := range all {
		if len(docs) == 0 || slices.Contains(docs, d.Document.ID) {
			cf.docs = append(cf.docs, d)
		}
	}
	cf.annotators = eval.CorpusAnnotators(all)
	return cf, nil
}

// has checks that the file holds a layer of annotator.
func (cf *corpusFile) has(annotator string) error {
	if !slices.Contains(cf.annotators, annotator) {
		return fmt.Errorf("%s has no layer of %s (its layers: %s)", cf.path, annotator, listOrNone(cf.annotators))
	}
	return nil
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// where describes the snapshot of offline files as the online commands
// do: the project and the revision the files were streamed at.
func where(files ...*corpusFile) string {
	project := "?"
	var revs []int64
	for _, cf := range files {
		if len(cf.docs) > 0 && project == "?" {
			project = cf.docs[0].Document.Project
		}
		for _, r := range cf.revisions {
			if !slices.Contains(revs, r) {
				revs = append(revs, r)
			}
		}
	}
	switch len(revs) {
	case 0:
		return project
	case 1:
		return fmt.Sprintf("%s at revision %d", project, revs[0])
	}
	s := make([]string, len(revs))
	for i, r := range revs {
		s[i] = fmt.Sprint(r)
	}
	return fmt.Sprintf("%s at revisions %s", project, strings.Join(s, ", "))
}

// printJSON writes an evaluation report as one line of JSON.
func (a *app) printJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stdout, "%s\n", b)
	return err
}

func (a *app) scoreOffline(refPath, candPath, reference, cand string, f evalFlags, kinds []pb.AnnotationKind, match pb.SpanMatch) error {
	ref, err := readCorpusFile(refPath, f.docs)
	if err != nil {
		return err
	}
	sys := ref
	if candPath != refPath {
		if sys, err = readCorpusFile(candPath, f.docs); err != nil {
			return err
		}
	}
	if reference == "" {
		switch {
		case slices.Contains(ref.annotators, scholia.GoldAnnotator):
			reference = scholia.GoldAnnotator
		case len(ref.annotators) == 1:
			reference = ref.annotators[0]
		default:
			return usagef("%s has the layers %s: choose one with --reference", ref.path, listOrNone(ref.annotators))
		}
	}
	if cand == "" {
		others := slices.DeleteFunc(slices.Clone(sys.annotators), func(n string) bool { return sys == ref && n == reference })
		if len(others) != 1 {
			return usagef("%s has the layers %s: choose one with --candidate", sys.path, listOrNone(sys.annotators))
		}
		cand = others[0]
	}
	if err := ref.has(reference); err != nil {
		return err
	}
	if err := sys.has(cand); err != nil {
		return err
	}
	if sys == ref && cand == reference {
		return usagef("the candidate is the reference layer %s; score another layer against it", reference)
	}
	opts := f.options(kinds, match)
	rep := eval.ScoreLayers(eval.CorpusLayer(ref.docs, reference, opts.DoneOnly), eval.CorpusLayer(sys.docs, cand, opts.DoneOnly), opts)
	rep.Reference, rep.Candidate = reference, cand
	lengths := eval.DocLengths(ref.docs)
	for id, n := range eval.DocLengths(sys.docs) {
		lengths[id] = n
	}
	rep.Documents = len(lengths)
	if a.json() {
		return a.printJSON(rep)
	}
	resp, err := pbconv.ScoreReportToPB(rep, 0)
	if err != nil {
		return err
	}
	return printScore(a.stdout, where(ref, sys), resp)
}

func (a *app) agreeOffline(path string, annotators []string, f evalFlags, kinds []pb.AnnotationKind, match pb.SpanMatch) error {
	cf, err := readCorpusFile(path, f.docs)
	if err != nil {
		return err
	}
	for _, n := range annotators {
		if err := cf.has(n); err != nil {
			return err
		}
	}
	rep, err := eval.CorpusAgreement(cf.docs, annotators, f.options(kinds, match))
	if err != nil {
		return usagef("%v", err)
	}
	if a.json() {
		return a.printJSON(rep)
	}
	resp, err := pbconv.AgreementReportToPB(rep, 0)
	if err != nil {
		return err
	}
	return printAgreement(a.stdout, where(cf), resp)
}

// plural returns "1 document" or "n documents".
func plural(n int32, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// matchName returns "exact" or "overlap".
func matchName(m pb.SpanMatch) string {
	if m == pb.SpanMatch_SPAN_MATCH_OVERLAP {
		return "overlap"
	}
	return "exact"
}
