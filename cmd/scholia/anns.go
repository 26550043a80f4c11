package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("%q is not an annotation id", s)
	}
	return id, nil
}

func (a *app) annCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "ann", Short: "List, show, update and remove annotations of any kind"}
	var annotator, kind string
	list := &cobra.Command{
		Use:   "list PROJECT/DOC|PROJECT [--annotator NAME] [--kind K]",
		Short: "List the annotations of a document (or of a whole project, clusters included)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			project, docID, _ := strings.Cut(args[0], "/")
			req := &pb.ListAnnotationsRequest{ProjectId: project, DocumentId: docID, Annotator: annotator, PageSize: 1000}
			if kind != "" {
				k, ok := scholia.ParseKind(kind)
				if !ok {
					return usagef("--kind must be mention, event, claim, relation or cluster")
				}
				req.Kinds = []pb.AnnotationKind{pb.AnnotationKind(k)}
			}
			return a.withClient(func(c *client.Client) error {
				for ann, err := range c.AllAnnotations(cmd.Context(), req) {
					if err != nil {
						return err
					}
					if a.json() {
						if err := a.printProto(ann); err != nil {
							return err
						}
						continue
					}
					where := ann.GetDocumentId()
					if where == "" {
						where = "-"
					}
					fmt.Fprintf(a.stdout, "%s\t%s\n", where, summary(ann))
				}
				return nil
			})
		},
	}
	list.Flags().StringVar(&annotator, "annotator", "", "only this layer (a user name or gold)")
	list.Flags().StringVar(&kind, "kind", "", "only this kind: mention, event, claim, relation, cluster")

	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one annotation",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Annotations.GetAnnotation(cmd.Context(), &pb.GetAnnotationRequest{Id: id})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp.GetAnnotation())
				}
				fmt.Fprintln(a.stdout, summary(resp.GetAnnotation()))
				return nil
			})
		},
	}

	var etag string
	rm := &cobra.Command{
		Use:   "rm ID [--etag E]",
		Short: "Remove an annotation (refused while other annotations refer to it)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Annotations.DeleteAnnotation(cmd.Context(), &pb.DeleteAnnotationRequest{Id: id, Etag: etag})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp)
				}
				fmt.Fprintf(a.stdout, "removed annotation %d at revision %d\n", id, resp.GetRevision())
				return nil
			})
		},
	}
	rm.Flags().StringVar(&etag, "etag", "", "refuse if the annotation changed since this etag")

	cmd.AddCommand(list, show, rm, a.annUpdateCommand())
	return cmd
}

func (a *app) annUpdateCommand() *cobra.Command {
	var newLabel, etag string
	var af annotateFlags
	cmd := &cobra.Command{
		Use:   "update ID [--label L] [--attr K=V]...",
		Short: "Change an annotation's label or attributes, refusing if someone changed it meanwhile",
		Long: `Change an annotation's label (entity type, event type, claim type,
relation type) or attributes. The command reads the annotation, sends back the
etag it read, and the server refuses the update if the annotation changed in
between, so no one's edit is silently overwritten. --attr K= removes K.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			if newLabel == "" && len(af.attrs) == 0 {
				return usagef("nothing to change: give --label or --attr")
			}
			attrs, err := af.attributes()
			if err != nil {
				return err
			}
			return a.withClient(func(c *client.Client) error {
				got, err := c.Annotations.GetAnnotation(cmd.Context(), &pb.GetAnnotationRequest{Id: id})
				if err != nil {
					return err
				}
				ann := got.GetAnnotation()
				if etag == "" {
					etag = ann.GetEtag()
				}
				var paths []string
				if newLabel != "" {
					switch b := ann.GetBody().(type) {
					case *pb.Annotation_Mention:
						b.Mention.Label, paths = newLabel, append(paths, "mention.label")
					case *pb.Annotation_Event:
						b.Event.Type, paths = newLabel, append(paths, "event.type")
					case *pb.Annotation_Claim:
						b.Claim.ClaimType, paths = newLabel, append(paths, "claim.claim_type")
					case *pb.Annotation_Relation:
						b.Relation.Type, paths = newLabel, append(paths, "relation.type")
					default:
						return usagef("annotation %d has no label to change", id)
					}
				}
				if len(attrs) > 0 {
					merged := map[string]string{}
					for k, v := range ann.GetAttributes() {
						merged[k] = v
					}
					for k, v := range attrs {
						if v == "" {
							delete(merged, k)
						} else {
							merged[k] = v
						}
					}
					ann.Attributes = merged
					paths = append(paths, "attributes")
				}
				resp, err := c.Annotations.UpdateAnnotation(cmd.Context(), &pb.UpdateAnnotationRequest{
					Annotation: ann, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}, Etag: etag})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp.GetAnnotation())
				}
				fmt.Fprintf(a.stdout, "updated %s\n", summary(resp.GetAnnotation()))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&newLabel, "label", "", "the new label")
	cmd.Flags().StringVar(&etag, "etag", "", "the etag you read (default: read it now)")
	af.attrs = nil
	cmd.Flags().StringArrayVar(&af.attrs, "attr", nil, "attribute `K=V` to set, or K= to remove (repeatable)")
	return cmd
}
