package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// Curation: compare the annotators' layers, merge what they agree on into
// gold, and settle the rest one annotation at a time.

func int64s(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return strings.Join(parts, ",")
}

// printDiff writes a curation diff: one block per place, one line per
// candidate.
func (a *app) printDiff(project, doc string, d *pb.GetCurationDiffResponse) {
	fmt.Fprintf(a.stdout, "%s/%s: %s compared\n", project, doc, strings.Join(d.GetAnnotators(), ", "))
	for _, r := range d.GetRows() {
		status := strings.ToLower(strings.TrimPrefix(r.GetStatus().String(), "CURATION_STATUS_"))
		kind := strings.ToLower(strings.TrimPrefix(r.GetKind().String(), "ANNOTATION_KIND_"))
		line := fmt.Sprintf("%-9s %s %s %q", status, kind, spansRange(r.GetSpans()), oneLine(spansText(r.GetSpans())))
		if len(r.GetGoldIds()) > 0 {
			line += " gold=" + int64s(r.GetGoldIds())
		}
		fmt.Fprintln(a.stdout, line)
		for _, c := range r.GetCandidates() {
			_, lbl := label(c.GetAnnotation())
			cl := "    " + lbl
			if d := details(c.GetAnnotation()); d != "" {
				cl += " " + d
			}
			cl += fmt.Sprintf("  by %s (%s)", strings.Join(c.GetAnnotators(), ","), int64s(c.GetAnnotationIds()))
			if c.GetGoldId() != 0 {
				cl += fmt.Sprintf("  in gold as %d", c.GetGoldId())
			}
			if c.GetRejected() {
				cl += "  rejected"
			}
			fmt.Fprintln(a.stdout, cl)
		}
	}
}

func (a *app) curateCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "curate", Short: "Compare the annotators' layers and adjudicate them into gold"}
	var annotators, docs []string
	var doneOnly bool
	diff := &cobra.Command{
		Use:   "diff PROJECT/DOC [--annotator A]... [--done-only]",
		Short: "Show the annotators' layers of a document side by side: agreed, partial, conflicts",
		Long: `Show the annotators' layers of a document place by place (a kind and a span):
"agreed" where every compared annotator has the same annotation, "partial"
where some have it and the others nothing, "conflict" where they differ (another
label, other arguments, another claimant or stance). Each candidate lists who
made it, its ids, whether gold has it, and whether a curator rejected it.
Without --annotator every annotator with annotations in the document or
assigned to it is compared (not gold, not models).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			project, doc, err := splitDocRef(args[0])
			if err != nil {
				return err
			}
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Workflow.GetCurationDiff(cmd.Context(), &pb.GetCurationDiffRequest{ProjectId: project, DocumentId: doc, Annotators: annotators, DoneOnly: doneOnly})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				a.printDiff(project, doc, resp)
				return nil
			})
		},
	}
	diff.Flags().StringArrayVar(&annotators, "annotator", nil, "compare this layer (repeatable)")
	diff.Flags().BoolVar(&doneOnly, "done-only", false, "compare only layers marked done")

	var minAgree int32
	merge := &cobra.Command{
		Use:   "merge PROJECT [--min-agree K] [--doc D]... [--annotator A]... [--done-only]",
		Short: "Copy into gold what at least K annotators agree on (default 2)",
		Long: `Copy into gold, for every place of every document (or of each --doc) that
gold has nothing at, the one annotation that at least K distinct annotators
agree on. Places where no annotation or more than one reach K are left for
"curate accept" and "curate reject"; rejected annotations are never merged.
Every gold annotation lists the annotations it came from (derived_from).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Workflow.MergeAgreed(cmd.Context(), &pb.MergeAgreedRequest{ProjectId: args[0], DocumentIds: docs, MinAgree: minAgree,
					Annotators: annotators, DoneOnly: doneOnly})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				for _, g := range resp.GetAnnotations() {
					fmt.Fprintf(a.stdout, "%s\t%s from %s\n", g.GetDocumentId(), summary(g), int64s(g.GetDerivedFrom()))
				}
				fmt.Fprintf(a.stdout, "%s: merged %s into gold; %s left to adjudicate\n", args[0],
					plural(int32(len(resp.GetAnnotations())), "annotation"), plural(resp.GetUnresolved(), "place"))
				return nil
			})
		},
	}
	merge.Flags().Int32Var(&minAgree, "min-agree", 2, "the least number of annotators that must agree")
	merge.Flags().StringArrayVar(&docs, "doc", nil, "only this document (repeatable)")
	merge.Flags().StringArrayVar(&annotators, "annotator", nil, "compare this layer (repeatable)")
	merge.Flags().BoolVar(&doneOnly, "done-only", false, "compare only layers marked done")

	accept := &cobra.Command{
		Use:   "accept ID",
		Short: "Copy an annotator's annotation into gold (with the mentions it refers to)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Workflow.AcceptCandidate(cmd.Context(), &pb.AcceptCandidateRequest{AnnotationId: id})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				for _, g := range resp.GetAnnotations() {
					fmt.Fprintf(a.stdout, "gold %s from %s\n", summary(g), int64s(g.GetDerivedFrom()))
				}
				return nil
			})
		},
	}
	reject := &cobra.Command{
		Use:   "reject ID",
		Short: "Record that an annotation (and those agreeing with it) does not go into gold",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Workflow.RejectCandidate(cmd.Context(), &pb.RejectCandidateRequest{AnnotationId: id})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				fmt.Fprintf(a.stdout, "rejected %s\n", int64s(resp.GetAnnotationIds()))
				return nil
			})
		},
	}
	cmd.AddCommand(diff, merge, accept, reject)
	return cmd
}
