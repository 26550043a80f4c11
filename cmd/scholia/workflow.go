package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// The project workflow: members, settings, assignments and queues.

// flush writes a table without the empty line that table.end leaves.
func flush(t *table) error { return t.tw.Flush() }

func layerStatusName(s pb.LayerStatus) string {
	if s == pb.LayerStatus_LAYER_STATUS_DONE {
		return "done"
	}
	return "in-progress"
}

func memberRoleName(r pb.MemberRole) string {
	return strings.ToLower(strings.TrimPrefix(r.String(), "MEMBER_ROLE_"))
}

func (a *app) memberCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "member", Short: "Manage who belongs to a project (annotators see only their projects)"}
	var role string
	add := &cobra.Command{
		Use:   "add PROJECT USER [--role annotator|model]",
		Short: "Make a user a member of a project (a model's layer is offered to annotators as suggestions)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			mr, ok := scholia.ParseMemberRole(role)
			r := pb.MemberRole(mr)
			if !ok {
				return usagef("--role must be annotator or model, not %q", role)
			}
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Workflow.AddProjectMember(cmd.Context(), &pb.AddProjectMemberRequest{ProjectId: args[0], User: args[1], Role: r})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp.GetMember())
				}
				fmt.Fprintf(a.stdout, "%s: %s is a member (%s)\n", args[0], args[1], memberRoleName(resp.GetMember().GetRole()))
				return nil
			})
		},
	}
	add.Flags().StringVar(&role, "role", "annotator", "annotator, or model for an ML job whose layer holds suggestions")
	rm := &cobra.Command{
		Use:   "rm PROJECT USER",
		Short: "End a user's membership (their layers stay; their assignments end)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(func(c *client.Client) error {
				if _, err := c.Workflow.RemoveProjectMember(cmd.Context(), &pb.RemoveProjectMemberRequest{ProjectId: args[0], User: args[1]}); err != nil {
					return err
				}
				if !a.json() {
					fmt.Fprintf(a.stdout, "%s: %s is no longer a member\n", args[0], args[1])
				}
				return nil
			})
		},
	}
	list := &cobra.Command{
		Use:   "list PROJECT",
		Short: "List a project's members",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Workflow.ListProjectMembers(cmd.Context(), &pb.ListProjectMembersRequest{ProjectId: args[0]})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				t := newTable(a.stdout, "USER", "ROLE")
				for _, m := range resp.GetMembers() {
					t.row(m.GetUser(), memberRoleName(m.GetRole()))
				}
				return flush(t)
			})
		},
	}
	cmd.AddCommand(add, rm, list)
	return cmd
}

func (a *app) settingsCommand() *cobra.Command {
	var blind string
	cmd := &cobra.Command{
		Use:   "settings PROJECT [--blind on|off]",
		Short: "Show or change a project's workflow settings",
		Long: `Show or change a project's workflow settings. With blind annotation on (the
default), an annotator reads another annotator's layer of a document only once
their own layer of it is done; off, annotators read every layer of the project.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(func(c *client.Client) error {
				var s *pb.WorkflowSettings
				if blind == "" {
					resp, err := c.Workflow.GetWorkflowSettings(cmd.Context(), &pb.GetWorkflowSettingsRequest{ProjectId: args[0]})
					if err != nil {
						return err
					}
					s = resp.GetSettings()
				} else {
					on, ok := map[string]bool{"on": true, "off": false}[blind]
					if !ok {
						return usagef("--blind must be on or off, not %q", blind)
					}
					resp, err := c.Workflow.UpdateWorkflowSettings(cmd.Context(), &pb.UpdateWorkflowSettingsRequest{
						Settings: &pb.WorkflowSettings{ProjectId: args[0], BlindAnnotation: on}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"blind_annotation"}}})
					if err != nil {
						return err
					}
					s = resp.GetSettings()
				}
				if a.json() {
					return a.printProto(s)
				}
				fmt.Fprintf(a.stdout, "%s: blind annotation %s\n", args[0], map[bool]string{true: "on", false: "off"}[s.GetBlindAnnotation()])
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&blind, "blind", "", "switch blind annotation on or off")
	return cmd
}

func (a *app) assignCommand() *cobra.Command {
	var docs, annotators []string
	var spread int32
	cmd := &cobra.Command{
		Use:   "assign PROJECT (--doc D --annotator A)... | --spread K [--annotator A]... [--doc D]...",
		Short: "Assign documents to annotators (making them members), or spread them so each has K",
		Long: `Assign documents to annotators. Pairs of --doc and --annotator assign each
document to the annotator beside it; one --doc with several --annotator (or the
reverse) assigns to all of them. --spread K gives every document (or every
--doc) K annotators, taking the project's annotator members (or the
--annotator list) with the fewest assignments first.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			project := args[0]
			return a.withClient(func(c *client.Client) error {
				var req func() ([]*pb.Assignment, error)
				if spread > 0 {
					req = func() ([]*pb.Assignment, error) {
						resp, err := c.Workflow.SpreadAssignments(cmd.Context(), &pb.SpreadAssignmentsRequest{ProjectId: project, K: spread, Annotators: annotators, DocumentIds: docs})
						return resp.GetAssignments(), err
					}
				} else {
					var pairs []*pb.Assignment
					switch {
					case len(docs) == 0 || len(annotators) == 0:
						return usagef("give --doc and --annotator, or --spread K")
					case len(docs) == len(annotators):
						for i := range docs {
							pairs = append(pairs, &pb.Assignment{DocumentId: docs[i], Annotator: annotators[i]})
						}
					case len(docs) == 1:
						for _, an := range annotators {
							pairs = append(pairs, &pb.Assignment{DocumentId: docs[0], Annotator: an})
						}
					case len(annotators) == 1:
						for _, d := range docs {
							pairs = append(pairs, &pb.Assignment{DocumentId: d, Annotator: annotators[0]})
						}
					default:
						return usagef("%d --doc and %d --annotator: give pairs, or one of either", len(docs), len(annotators))
					}
					req = func() ([]*pb.Assignment, error) {
						resp, err := c.Workflow.AssignDocuments(cmd.Context(), &pb.AssignDocumentsRequest{ProjectId: project, Assignments: pairs})
						return resp.GetAssignments(), err
					}
				}
				made, err := req()
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(&pb.AssignDocumentsResponse{Assignments: made})
				}
				for _, m := range made {
					fmt.Fprintf(a.stdout, "assigned %s/%s to %s\n", project, m.GetDocumentId(), m.GetAnnotator())
				}
				fmt.Fprintf(a.stdout, "%s: %s made\n", project, plural(int32(len(made)), "assignment"))
				return nil
			})
		},
	}
	cmd.Flags().StringArrayVar(&docs, "doc", nil, "a document (repeatable)")
	cmd.Flags().StringArrayVar(&annotators, "annotator", nil, "an annotator (repeatable)")
	cmd.Flags().Int32Var(&spread, "spread", 0, "give each document `K` annotators")
	return cmd
}

func (a *app) unassignCommand() *cobra.Command {
	var doc, annotator string
	cmd := &cobra.Command{
		Use:   "unassign PROJECT --doc D --annotator A",
		Short: "Remove an assignment (the annotator's layer stays)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if doc == "" || annotator == "" {
				return usagef("--doc and --annotator are required")
			}
			return a.withClient(func(c *client.Client) error {
				if _, err := c.Workflow.UnassignDocument(cmd.Context(), &pb.UnassignDocumentRequest{ProjectId: args[0], DocumentId: doc, Annotator: annotator}); err != nil {
					return err
				}
				if !a.json() {
					fmt.Fprintf(a.stdout, "unassigned %s/%s from %s\n", args[0], doc, annotator)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&doc, "doc", "", "the document")
	cmd.Flags().StringVar(&annotator, "annotator", "", "the annotator")
	return cmd
}

func (a *app) assignmentsCommand() *cobra.Command {
	var doc, annotator string
	cmd := &cobra.Command{
		Use:   "assignments PROJECT [--doc D] [--annotator A]",
		Short: "List who annotates which document, with each layer's status",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Workflow.ListAssignments(cmd.Context(), &pb.ListAssignmentsRequest{ProjectId: args[0], DocumentId: doc, Annotator: annotator})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				t := newTable(a.stdout, "DOCUMENT", "ANNOTATOR", "STATUS", "ANNOTATIONS", "ASSIGNED BY")
				for _, as := range resp.GetAssignments() {
					t.row(as.GetDocumentId(), as.GetAnnotator(), layerStatusName(as.GetStatus()), fmt.Sprint(as.GetAnnotationCount()), as.GetAssignedBy())
				}
				return flush(t)
			})
		},
	}
	cmd.Flags().StringVar(&doc, "doc", "", "only this document")
	cmd.Flags().StringVar(&annotator, "annotator", "", "only this annotator")
	return cmd
}

func (a *app) queueCommand() *cobra.Command {
	var annotator string
	cmd := &cobra.Command{
		Use:   "queue PROJECT [--annotator A]",
		Short: "Show your next documents: those assigned to you that are not done",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Workflow.ListQueue(cmd.Context(), &pb.ListQueueRequest{ProjectId: args[0], Annotator: annotator})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				fmt.Fprintf(a.stdout, "%s: %s to annotate, %d done\n", args[0], plural(int32(len(resp.GetAssignments())), "document"), resp.GetDoneCount())
				for _, as := range resp.GetAssignments() {
					fmt.Fprintf(a.stdout, "%s/%s\t%s\n", args[0], as.GetDocumentId(), plural(int32(as.GetAnnotationCount()), "annotation"))
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&annotator, "annotator", "", "another annotator's queue (curators)")
	return cmd
}
