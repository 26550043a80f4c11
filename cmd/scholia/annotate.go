package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/pbconv"
)

// annotateFlags are the flags every add command shares.
type annotateFlags struct {
	annotator string
	attrs     []string
}

func (f *annotateFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.annotator, "annotator", "", "the layer to write (default: yours; curators write gold with --annotator gold)")
	fs.StringArrayVar(&f.attrs, "attr", nil, "attribute `K=V` from the schema (repeatable)")
}

func (f *annotateFlags) attributes() (map[string]string, error) {
	if len(f.attrs) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, kv := range f.attrs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usagef("--attr %q is not K=V", kv)
		}
		m[k] = v
	}
	return m, nil
}

func registerSpan(fs *pflag.FlagSet, f *spanFlags, quoteFlag, quoteHelp string) {
	fs.StringVar(&f.quote, quoteFlag, "", quoteHelp)
	fs.IntVar(&f.nth, "nth", 0, "which occurrence of the text, from 1 (needed when it occurs more than once)")
	fs.Int64Var(&f.start, "start", -1, "start offset in code points, instead of the text")
	fs.Int64Var(&f.end, "end", -1, "end offset in code points (exclusive)")
}

// docText fetches a document's text for quote search.
func docText(ctx context.Context, c *client.Client, project, docID string) (*scholia.Text, error) {
	resp, err := c.Documents.GetDocument(ctx, &pb.GetDocumentRequest{ProjectId: project, DocumentId: docID, View: pb.DocumentView_DOCUMENT_VIEW_FULL})
	if err != nil {
		return nil, err
	}
	return scholia.NewText(resp.GetDocument().GetText())
}

// create sends one annotation and prints what was stored.
func (a *app) create(ctx context.Context, c *client.Client, ann *pb.Annotation) error {
	resp, err := c.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: ann})
	if err != nil {
		return err
	}
	if a.json() {
		return a.printProto(resp.GetAnnotation())
	}
	fmt.Fprintf(a.stdout, "created %s\n", summary(resp.GetAnnotation()))
	return nil
}

// withSpanDoc runs fn with a client and the document's text.
func (a *app) withSpanDoc(cmd *cobra.Command, ref string, fn func(ctx context.Context, c *client.Client, project, doc string, text *scholia.Text) error) error {
	project, docID, err := splitDocRef(ref)
	if err != nil {
		return err
	}
	return a.withClient(func(c *client.Client) error {
		text, err := docText(cmd.Context(), c, project, docID)
		if err != nil {
			return err
		}
		return fn(cmd.Context(), c, project, docID, text)
	})
}

func (a *app) note(s string) {
	if s != "" {
		fmt.Fprintln(a.stderr, s)
	}
}

func toPBSpan(s scholia.Span) *pb.Span { return &pb.Span{Start: s.Start, End: s.End, Text: s.Text} }

func (a *app) mentionCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "mention", Short: "Add mentions (labelled spans)"}
	var sf spanFlags
	var af annotateFlags
	var label string
	add := &cobra.Command{
		Use:   "add PROJECT/DOC --quote TEXT [--nth N] --label LABEL [--attr K=V]...",
		Short: "Mark a span of text as a mention of an entity type",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			attrs, err := af.attributes()
			if err != nil {
				return err
			}
			return a.withSpanDoc(cmd, args[0], func(ctx context.Context, c *client.Client, project, doc string, text *scholia.Text) error {
				span, note, err := sf.resolve(text, "quote", args[0])
				if err != nil {
					return err
				}
				a.note(note)
				return a.create(ctx, c, &pb.Annotation{ProjectId: project, DocumentId: doc, Annotator: af.annotator, Attributes: attrs,
					Body: &pb.Annotation_Mention{Mention: &pb.Mention{Spans: []*pb.Span{toPBSpan(span)}, Label: label}}})
			})
		},
	}
	registerSpan(add.Flags(), &sf, "quote", "the mention's text as it appears in the document")
	add.Flags().StringVar(&label, "label", "", "entity type from the schema, e.g. PER")
	af.register(add.Flags())
	_ = add.MarkFlagRequired("label")
	cmd.AddCommand(add)
	return cmd
}

// parseArgs reads --arg ROLE=ID flags.
func parseArgs(flags []string) ([]*pb.Argument, error) {
	var out []*pb.Argument
	for _, kv := range flags {
		role, idText, ok := strings.Cut(kv, "=")
		id, err := strconv.ParseInt(idText, 10, 64)
		if !ok || role == "" || err != nil || id <= 0 {
			return nil, usagef("--arg %q is not ROLE=ANNOTATION_ID", kv)
		}
		out = append(out, &pb.Argument{Role: role, AnnotationId: id})
	}
	return out, nil
}

func (a *app) eventCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "event", Short: "Add events (trigger, type, arguments)"}
	var sf spanFlags
	var af annotateFlags
	var typ string
	var argFlags []string
	add := &cobra.Command{
		Use:   "add PROJECT/DOC --trigger TEXT [--nth N] --type TYPE [--arg ROLE=ANNOTATION_ID]... [--attr K=V]...",
		Short: "Mark an event: its trigger word, its type and its arguments",
		Long: `Mark an event: its trigger word, its type from the schema, and its
arguments as ROLE=ANNOTATION_ID, where the id is a mention (or event) of the
same document and layer. A role may repeat (--arg Entity=3 --arg Entity=4).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			attrs, err := af.attributes()
			if err != nil {
				return err
			}
			eventArgs, err := parseArgs(argFlags)
			if err != nil {
				return err
			}
			return a.withSpanDoc(cmd, args[0], func(ctx context.Context, c *client.Client, project, doc string, text *scholia.Text) error {
				span, note, err := sf.resolve(text, "trigger", args[0])
				if err != nil {
					return err
				}
				a.note(note)
				return a.create(ctx, c, &pb.Annotation{ProjectId: project, DocumentId: doc, Annotator: af.annotator, Attributes: attrs,
					Body: &pb.Annotation_Event{Event: &pb.Event{Trigger: []*pb.Span{toPBSpan(span)}, Type: typ, Arguments: eventArgs}}})
			})
		},
	}
	registerSpan(add.Flags(), &sf, "trigger", "the trigger's text as it appears in the document")
	add.Flags().StringVar(&typ, "type", "", "event type from the schema, e.g. Contact.Meet")
	add.Flags().StringArrayVar(&argFlags, "arg", nil, "argument `ROLE=ANNOTATION_ID` (repeatable)")
	af.register(add.Flags())
	_ = add.MarkFlagRequired("type")
	cmd.AddCommand(add)
	return cmd
}

func (a *app) claimCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "claim", Short: "Add claims (what is claimed, by whom, how)"}
	var sf spanFlags
	var af annotateFlags
	var claimant int64
	var claimantText, cue, stance, typ, worth, value, unit, when string
	var cueNth int
	add := &cobra.Command{
		Use:   "add PROJECT/DOC --quote TEXT [--nth N] [--claimant ANNOTATION_ID|--claimant-text T] [--cue TEXT] [--stance S] [--type T]",
		Short: "Mark a claim: the claimed content, the claimant, the cue and the stance",
		Long: `Mark a claim: the claimed content (--quote), who claims it (a mention with
--claimant, or --claimant-text for a source outside the article), the cue
("said", "told reporters") found near the claim, the stance and the claim
type from the schema, and optionally a normalised value (--value, --unit,
--time), for comparing figures across articles.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if claimant != 0 && claimantText != "" {
				return usagef("give --claimant or --claimant-text, not both")
			}
			attrs, err := af.attributes()
			if err != nil {
				return err
			}
			return a.withSpanDoc(cmd, args[0], func(ctx context.Context, c *client.Client, project, doc string, text *scholia.Text) error {
				span, note, err := sf.resolve(text, "quote", args[0])
				if err != nil {
					return err
				}
				a.note(note)
				claim := &pb.Claim{Spans: []*pb.Span{toPBSpan(span)}, ClaimantId: claimant, ClaimantText: claimantText,
					Stance: stance, ClaimType: typ, CheckWorthiness: worth}
				if cue != "" {
					cs, note, err := spanFlags{quote: cue, nth: cueNth, start: -1, end: -1}.resolve(text, "cue", args[0])
					if err != nil {
						return err
					}
					a.note(note)
					claim.Cue = []*pb.Span{toPBSpan(cs)}
				}
				if value != "" || unit != "" || when != "" {
					claim.Normalized = &pb.NormalizedValue{Value: value, Unit: unit, Time: when}
				}
				return a.create(ctx, c, &pb.Annotation{ProjectId: project, DocumentId: doc, Annotator: af.annotator, Attributes: attrs,
					Body: &pb.Annotation_Claim{Claim: claim}})
			})
		},
	}
	fs := add.Flags()
	registerSpan(fs, &sf, "quote", "the claimed content as it appears in the document")
	fs.Int64Var(&claimant, "claimant", 0, "the claimant: a mention's `ANNOTATION_ID`")
	fs.StringVar(&claimantText, "claimant-text", "", "the claimant as free text, for sources outside the article")
	fs.StringVar(&cue, "cue", "", "the cue's text, e.g. said")
	fs.IntVar(&cueNth, "cue-nth", 0, "which occurrence of the cue's text")
	fs.StringVar(&stance, "stance", "", "stance from the schema, e.g. asserts, denies")
	fs.StringVar(&typ, "type", "", "claim type from the schema, e.g. quantity")
	fs.StringVar(&worth, "check-worthiness", "", "check-worthiness from the schema")
	fs.StringVar(&value, "value", "", "normalised value, e.g. 270000")
	fs.StringVar(&unit, "unit", "", "unit of the normalised value, e.g. people killed")
	fs.StringVar(&when, "time", "", "time the value refers to, e.g. 2016-05")
	af.register(fs)
	cmd.AddCommand(add)
	return cmd
}

func (a *app) relationCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "relation", Short: "Add relations between annotations"}
	var af annotateFlags
	var typ string
	var from, to int64
	add := &cobra.Command{
		Use:   "add PROJECT --type TYPE --from ANNOTATION_ID --to ANNOTATION_ID",
		Short: "Link two annotations of your layer, possibly in different documents",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			attrs, err := af.attributes()
			if err != nil {
				return err
			}
			return a.withClient(func(c *client.Client) error {
				src, err := c.Annotations.GetAnnotation(cmd.Context(), &pb.GetAnnotationRequest{Id: from})
				if err != nil {
					return fmt.Errorf("--from %d: %w", from, err)
				}
				return a.create(cmd.Context(), c, &pb.Annotation{ProjectId: args[0], DocumentId: src.GetAnnotation().GetDocumentId(),
					Annotator: af.annotator, Attributes: attrs,
					Body: &pb.Annotation_Relation{Relation: &pb.Relation{Type: typ, SourceId: from, TargetId: to}}})
			})
		},
	}
	add.Flags().StringVar(&typ, "type", "", "relation type from the schema, e.g. Contradicts")
	add.Flags().Int64Var(&from, "from", 0, "source annotation id")
	add.Flags().Int64Var(&to, "to", 0, "target annotation id")
	af.register(add.Flags())
	for _, f := range []string{"type", "from", "to"} {
		_ = add.MarkFlagRequired(f)
	}
	cmd.AddCommand(add)
	return cmd
}

func (a *app) clusterCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "cluster", Short: "Group mentions, events or claims that are the same, across documents"}
	var af annotateFlags
	var kind, title string
	var members []int64
	add := &cobra.Command{
		Use:   "add PROJECT --kind entity|event|claim --member ANNOTATION_ID...",
		Short: "Say that annotations (in one or several documents) refer to the same thing",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k := pbconv.ClusterKind(kind)
			if k == pb.ClusterKind_CLUSTER_KIND_UNSPECIFIED {
				return usagef("--kind must be entity, event or claim")
			}
			attrs, err := af.attributes()
			if err != nil {
				return err
			}
			return a.withClient(func(c *client.Client) error {
				return a.create(cmd.Context(), c, &pb.Annotation{ProjectId: args[0], Annotator: af.annotator, Attributes: attrs,
					Body: &pb.Annotation_Cluster{Cluster: &pb.Cluster{Kind: k, MemberIds: members, Title: title}}})
			})
		},
	}
	add.Flags().StringVar(&kind, "kind", "", "entity, event or claim")
	add.Flags().Int64SliceVar(&members, "member", nil, "member annotation `ID` (repeatable, or comma-separated)")
	add.Flags().StringVar(&title, "title", "", "a name for the thing, e.g. Moscow talks")
	af.register(add.Flags())
	_ = add.MarkFlagRequired("kind")
	_ = add.MarkFlagRequired("member")
	cmd.AddCommand(add)
	return cmd
}
