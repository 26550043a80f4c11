package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// History of an annotation and activity of a project.

func (a *app) historyCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "history ID",
		Short: "Show every version of an annotation: who changed what, and when",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Annotations.ListAnnotationRevisions(cmd.Context(), &pb.ListAnnotationRevisionsRequest{Id: id})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				t := newTable(a.stdout, "REVISION", "TIME", "USER", "CHANGE", "WHAT")
				for _, r := range resp.GetRevisions() {
					t.row(fmt.Sprint(r.GetRevision()), r.GetTime().AsTime().UTC().Format(time.RFC3339), r.GetUser(),
						strings.ToLower(strings.TrimPrefix(r.GetType().String(), "CHANGE_TYPE_")), strings.Join(r.GetChanges(), "; "))
				}
				return flush(t)
			})
		},
	}
}

func (a *app) activityCommand() *cobra.Command {
	var hours bool
	cmd := &cobra.Command{
		Use:   "activity PROJECT [--hours]",
		Short: "Show each annotator's activity: annotations created, per active hour, documents done",
		Long: `Show each layer owner's activity in a project: annotations created in their
layers (deleted ones too), how many per hour in the hours they were active,
documents whose layer is done, and documents assigned. --hours lists every
active hour.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Workflow.GetActivity(cmd.Context(), &pb.GetActivityRequest{ProjectId: args[0]})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				t := newTable(a.stdout, "ANNOTATOR", "CREATED", "PER HOUR", "DONE", "ASSIGNED")
				for _, an := range resp.GetAnnotators() {
					active := 0
					for _, h := range an.GetHours() {
						if h.GetAnnotationsCreated() > 0 {
							active++
						}
					}
					perHour := "-"
					if active > 0 {
						perHour = fmt.Sprintf("%.1f", float64(an.GetAnnotationsCreated())/float64(active))
					}
					t.row(an.GetAnnotator(), fmt.Sprint(an.GetAnnotationsCreated()), perHour, fmt.Sprint(an.GetDocumentsDone()), fmt.Sprint(an.GetDocumentsAssigned()))
				}
				if err := flush(t); err != nil || !hours {
					return err
				}
				fmt.Fprintln(a.stdout)
				t = newTable(a.stdout, "ANNOTATOR", "HOUR (UTC)", "CREATED", "DONE")
				for _, an := range resp.GetAnnotators() {
					for _, h := range an.GetHours() {
						t.row(an.GetAnnotator(), h.GetStartTime().AsTime().UTC().Format("2006-01-02 15:00"), fmt.Sprint(h.GetAnnotationsCreated()), fmt.Sprint(h.GetDocumentsDone()))
					}
				}
				return flush(t)
			})
		},
	}
	cmd.Flags().BoolVar(&hours, "hours", false, "list every active hour")
	return cmd
}
