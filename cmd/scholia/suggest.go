package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// Suggestions: a model's pre-annotations, which annotators accept into
// their own layers or reject.

func (a *app) suggestCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "suggest", Short: "Review a model's pre-annotations: list, accept, reject, statistics"}
	var model, annotator string
	list := &cobra.Command{
		Use:   "list PROJECT/DOC --from MODEL",
		Short: "List a model's suggestions in a document with what you decided",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			project, doc, err := splitDocRef(args[0])
			if err != nil {
				return err
			}
			if model == "" {
				return usagef("--from MODEL is required")
			}
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Workflow.ListSuggestions(cmd.Context(), &pb.ListSuggestionsRequest{ProjectId: project, DocumentId: doc, Model: model, Annotator: annotator})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				for _, s := range resp.GetSuggestions() {
					status := strings.ToLower(strings.TrimPrefix(s.GetStatus().String(), "SUGGESTION_STATUS_"))
					line := fmt.Sprintf("%-9s %s", status, summary(s.GetAnnotation()))
					if s.GetAcceptedId() != 0 {
						line += fmt.Sprintf(" -> %d", s.GetAcceptedId())
					}
					fmt.Fprintln(a.stdout, line)
				}
				return nil
			})
		},
	}
	list.Flags().StringVar(&model, "from", "", "the model's layer")
	list.Flags().StringVar(&annotator, "annotator", "", "whose decisions to show (default: yours)")

	decide := func(name, short string) *cobra.Command {
		var into string
		c := &cobra.Command{
			Use:   name + " ID [--annotator LAYER]",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				id, err := parseID(args[0])
				if err != nil {
					return err
				}
				return a.withClient(func(c *client.Client) error {
					if name == "reject" {
						resp, err := c.Workflow.RejectSuggestion(cmd.Context(), &pb.RejectSuggestionRequest{SuggestionId: id, Annotator: into})
						if err != nil {
							return err
						}
						if a.json() {
							return a.printProto(resp)
						}
						fmt.Fprintf(a.stdout, "rejected suggestion %d\n", id)
						return nil
					}
					resp, err := c.Workflow.AcceptSuggestion(cmd.Context(), &pb.AcceptSuggestionRequest{SuggestionId: id, Annotator: into})
					if err != nil {
						return err
					}
					if a.json() {
						return a.printProto(resp)
					}
					for _, ann := range resp.GetAnnotations() {
						fmt.Fprintf(a.stdout, "accepted %s from %s\n", summary(ann), int64s(ann.GetDerivedFrom()))
					}
					return nil
				})
			},
		}
		c.Flags().StringVar(&into, "annotator", "", "the layer that decides (default: yours; gold for curators)")
		return c
	}

	stats := &cobra.Command{
		Use:   "stats PROJECT --from MODEL",
		Short: "Show how often a model's suggestions were accepted, per label",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if model == "" {
				return usagef("--from MODEL is required")
			}
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Workflow.GetSuggestionStats(cmd.Context(), &pb.GetSuggestionStatsRequest{ProjectId: args[0], Model: model})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				t := newTable(a.stdout, "KIND", "LABEL", "SUGGESTED", "ACCEPTED", "REJECTED", "ACCEPTANCE")
				row := func(kind string, l *pb.LabelAcceptance) {
					rate := "-"
					if l.GetAccepted()+l.GetRejected() > 0 {
						rate = fmt.Sprintf("%.2f", l.GetAcceptanceRate())
					}
					t.row(kind, l.GetLabel(), fmt.Sprint(l.GetSuggested()), fmt.Sprint(l.GetAccepted()), fmt.Sprint(l.GetRejected()), rate)
				}
				for _, l := range resp.GetLabels() {
					row(strings.ToLower(strings.TrimPrefix(l.GetKind().String(), "ANNOTATION_KIND_")), l)
				}
				total := resp.GetTotal()
				total.Label = "-"
				row("all", total)
				return flush(t)
			})
		},
	}
	stats.Flags().StringVar(&model, "from", "", "the model's layer")
	cmd.AddCommand(list, decide("accept", "Accept a suggestion: copy it into your layer, linked to it"),
		decide("reject", "Reject a suggestion"), stats)
	return cmd
}
