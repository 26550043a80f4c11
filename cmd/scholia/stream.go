package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// progress prints a one-line progress report on a terminal, at most a few
// times a second; on anything else it prints nothing.
type progress struct {
	w       io.Writer
	on      bool
	start   time.Time
	last    time.Time
	docs    int64
	anns    int64
	bytes   int64
	revised int64
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, on: ok && term.IsTerminal(int(f.Fd())), start: time.Now()}
}

func (p *progress) add(anns, bytes int) {
	p.docs++
	p.anns += int64(anns)
	p.bytes += int64(bytes)
	if p.on && time.Since(p.last) > 200*time.Millisecond {
		p.print("\r")
		p.last = time.Now()
	}
}

func (p *progress) print(prefix string) {
	secs := max(time.Since(p.start).Seconds(), 1e-9)
	fmt.Fprintf(p.w, "%s%d documents, %d annotations, %.1f MB, %.0f documents/s", prefix, p.docs, p.anns, float64(p.bytes)/1e6, float64(p.docs)/secs)
	if p.revised > 0 {
		fmt.Fprintf(p.w, " at revision %d", p.revised)
	}
	fmt.Fprint(p.w, "   ")
}

func (p *progress) done() {
	if p.on {
		p.print("\r")
		fmt.Fprintln(p.w)
	}
}

func (a *app) streamCommand() *cobra.Command {
	var (
		annotators, docs, labels, kinds []string
		gold, doneOnly, noText, skip    bool
		asOf, since                     int64
		resume                          string
	)
	cmd := &cobra.Command{
		Use:   "stream PROJECT [--annotator NAME]... [--gold] [--as-of REV] [--since REV] [-o jsonl]",
		Short: "Write the annotated corpus as JSONL: one document per line, as of one revision",
		Long: `Write the annotated corpus to standard output as JSONL: one line per
document, in the protobuf JSON mapping of the StreamCorpus message (the
document, its annotations, the clusters they belong to, its layers' status,
the revision and a resume token). The whole output shows the corpus as of one
revision, also while people keep annotating; if the server restarts, the
stream resumes by itself where it stopped. Progress is shown on standard
error when it is a terminal.

--since REV writes only the documents that changed after revision REV (an
annotation, the document or a layer status), each in full: an incremental
export for a job that last read the corpus at REV.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if a.output != "text" && a.output != "json" && a.output != "jsonl" {
				return usagef("stream writes JSONL (-o jsonl)")
			}
			a.output = "json" // dial checks the value; JSONL is the only form
			if gold {
				annotators = append(annotators, scholia.GoldAnnotator)
			}
			req := &pb.StreamCorpusRequest{ProjectId: args[0], Annotators: annotators, DocumentIds: docs, Labels: labels,
				DoneOnly: doneOnly, ExcludeText: noText, SkipEmpty: skip, AsOfRevision: asOf, ChangedSinceRevision: since, ResumeToken: resume}
			for _, k := range kinds {
				kind, ok := scholia.ParseKind(k)
				if !ok {
					return usagef("--kind %q: mention, event, claim, relation or cluster", k)
				}
				req.Kinds = append(req.Kinds, pb.AnnotationKind(kind))
			}
			return a.withClient(func(c *client.Client) error {
				out := bufio.NewWriterSize(a.stdout, 1<<16)
				defer out.Flush()
				prog := newProgress(a.stderr)
				policy := client.RetryPolicy{OnRetry: func(err error, attempt int, pause time.Duration) {
					fmt.Fprintf(a.stderr, "\nscholia: %s; resuming in %s (attempt %d)\n", describe(err), pause.Round(time.Millisecond), attempt)
				}}
				mo := protojson.MarshalOptions{}
				for msg, err := range c.StreamCorpus(cmd.Context(), req, policy) {
					if err != nil {
						prog.done()
						return err
					}
					b, err := mo.Marshal(msg)
					if err != nil {
						return err
					}
					b = append(b, '\n')
					if _, err := out.Write(b); err != nil {
						return err
					}
					prog.revised = msg.GetRevision()
					prog.add(len(msg.GetAnnotations()), len(b))
				}
				prog.done()
				return out.Flush()
			})
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&annotators, "annotator", nil, "only this layer (repeatable); default every layer you may read")
	f.BoolVar(&gold, "gold", false, "the gold layer (with --annotator: as well)")
	f.StringArrayVar(&docs, "doc", nil, "only this document (repeatable)")
	f.StringArrayVar(&kinds, "kind", nil, "only this kind: mention, event, claim, relation, cluster (repeatable)")
	f.StringArrayVar(&labels, "label", nil, "only this label (repeatable)")
	f.BoolVar(&doneOnly, "done-only", false, "only layers marked done")
	f.BoolVar(&noText, "no-text", false, "leave the texts out")
	f.BoolVar(&skip, "skip-empty", false, "leave out documents without a selected annotation")
	f.Int64Var(&asOf, "as-of", 0, "the corpus as of this revision (default: now)")
	f.Int64Var(&since, "since", 0, "only documents that changed after this revision")
	f.StringVar(&resume, "resume-token", "", "continue an earlier stream after the line with this resumeToken")
	return cmd
}

func changeLine(r *pb.WatchChangesResponse) string {
	ch := r.GetChange()
	verb := map[pb.ChangeType]string{pb.ChangeType_CHANGE_TYPE_CREATED: "created", pb.ChangeType_CHANGE_TYPE_UPDATED: "updated", pb.ChangeType_CHANGE_TYPE_DELETED: "deleted"}[ch.GetType()]
	what := ""
	switch res := ch.GetResource().(type) {
	case *pb.Change_Annotation:
		what = summary(res.Annotation)
	case *pb.Change_Document:
		what = fmt.Sprintf("document %s/%s", res.Document.GetProjectId(), res.Document.GetId())
	case *pb.Change_Layer:
		l := res.Layer
		what = fmt.Sprintf("layer %s/%s of %s: %s", l.GetProjectId(), l.GetDocumentId(), l.GetAnnotator(), scholia.LayerStatus(l.GetStatus()))
	}
	return fmt.Sprintf("revision %d %s %s by %s: %s", ch.GetRevision(), ch.GetTime().AsTime().Format(time.RFC3339), verb, ch.GetUser(), what)
}

func (a *app) watchCommand() *cobra.Command {
	var (
		since      int64
		annotators []string
		heartbeat  int32
	)
	cmd := &cobra.Command{
		Use:   "watch PROJECT --since REV",
		Short: "Follow every change of a project after a revision, live",
		Long: `Print every change of a project after revision REV (creations, updates
and deletions of annotations and documents, layer status changes) in revision
order, then new changes as they are committed, until interrupted. With
-o json each line is a WatchChangesResponse in the protobuf JSON mapping,
heartbeats included; its "revision" is the one to pass as --since to
continue later without missing anything.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(func(c *client.Client) error {
				req := &pb.WatchChangesRequest{ProjectId: args[0], SinceRevision: since, Annotators: annotators, HeartbeatSeconds: heartbeat}
				policy := client.RetryPolicy{MaxAttempts: 1000, OnRetry: func(err error, attempt int, pause time.Duration) {
					fmt.Fprintf(a.stderr, "scholia: %s; reconnecting in %s\n", describe(err), pause.Round(time.Millisecond))
				}}
				for msg, err := range c.WatchChanges(cmd.Context(), req, policy) {
					if err != nil {
						if cmd.Context().Err() != nil {
							return nil // interrupted
						}
						return err
					}
					if a.json() {
						if err := a.printProto(msg); err != nil {
							return err
						}
						continue
					}
					if !msg.GetHeartbeat() {
						fmt.Fprintln(a.stdout, changeLine(msg))
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().Int64Var(&since, "since", 0, "print changes after this revision")
	cmd.Flags().StringArrayVar(&annotators, "annotator", nil, "only this layer's changes (repeatable)")
	cmd.Flags().Int32Var(&heartbeat, "heartbeat", 10, "seconds between heartbeats while nothing changes")
	_ = cmd.MarkFlagRequired("since")
	return cmd
}
