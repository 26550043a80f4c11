package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/internal/serve"
	"github.com/scholia-nlp/scholia/pbconv"
)

// Messages of an import carry up to importMsgDocs documents or about
// importMsgBytes bytes, whichever comes first (a larger document goes
// alone): few enough round trips, far below the server's message limit.
const (
	importMsgDocs  = 64
	importMsgBytes = 1 << 20
)

// importUnit is one unit read from the input: a document with its
// annotations, or a link; or why it could not be read.
type importUnit struct {
	doc    scholia.AnnotatedDocument
	source string // the file, or file:line, it came from
	err    error  // a problem with the input, naming the file and line
	// line finds the line of the input that holds the unit's i-th
	// annotation, for error messages; nil if the format cannot tell.
	line func(i int) (string, bool)
}

// importOptions are the flags of `scholia import`.
type importOptions struct {
	format      string
	annotator   string
	dryRun      bool
	keepGoing   bool
	completedBy []string
}

func (a *app) importCommand() *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import PROJECT --format brat|labelstudio|jsonl PATH [--annotator NAME] [--dry-run] [--keep-going]",
		Short: "Load documents with their annotations from brat, Label Studio or JSONL files",
		Long: `Load documents with their annotations into a project (curators and admins).

  brat         PATH is a directory of NAME.txt and NAME.ann pairs; NAME is the
               document id. Its annotation.conf, if any, is compared with the
               project's schema and differences are reported.
  labelstudio  PATH is a Label Studio JSON export: one document per task, one
               layer per annotator (--completed-by ID=NAME maps Label Studio
               users to scholia users).
  jsonl        PATH is the output of ` + "`scholia stream`" + ` (- for standard input):
               it restores a project, on this server or another.

--annotator NAME puts every annotation into NAME's layer (a user, or gold);
brat files have no layers and go to gold unless told.

Each document is stored with all its annotations, or not at all. A document
that cannot be read or stored is reported (file and line, and what is wrong)
and ends the import; the documents before it stay imported. --keep-going
skips such documents instead and goes on. --dry-run checks everything the
import would and writes nothing. Progress is shown on standard error when it
is a terminal. The exit code is 1 if any document failed.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch o.format {
			case "brat", "labelstudio", "jsonl":
			case "":
				return usagef("--format is required: brat, labelstudio or jsonl")
			default:
				return usagef("--format %q: brat, labelstudio or jsonl", o.format)
			}
			serve.TuneGC() // an import allocates much and keeps little
			return a.withClient(func(c *client.Client) error {
				return a.runImport(cmd.Context(), c, args[0], args[1], o)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "", "input format: brat, labelstudio or jsonl")
	f.StringVar(&o.annotator, "annotator", "", "put every annotation into this layer (a user, or gold)")
	f.BoolVar(&o.dryRun, "dry-run", false, "check everything, write nothing")
	f.BoolVar(&o.keepGoing, "keep-going", false, "skip documents that fail, report them, and go on")
	f.StringArrayVar(&o.completedBy, "completed-by", nil, "labelstudio: map a Label Studio user (id or email) to a scholia user, `ID=NAME` (repeatable)")
	return cmd
}

// sent is what the import remembers of a unit, to report on it: where it
// came from, or why it could not be read (and was not sent).
type sent struct {
	source  string
	line    func(int) (string, bool)
	readErr error
}

// runImport reads the input and streams it to the server.
func (a *app) runImport(ctx context.Context, c *client.Client, project, path string, o importOptions) error {
	pr, err := c.Projects.GetProject(ctx, &pb.GetProjectRequest{ProjectId: project})
	if err != nil {
		return err
	}
	schema := pbconv.SchemaFromPB(pr.GetProject().GetSchema())
	var units iter.Seq[importUnit]
	switch o.format {
	case "brat":
		units, err = a.bratUnits(ctx, path, o, schema)
	case "labelstudio":
		units, err = labelStudioUnits(path, o, schema)
	case "jsonl":
		units, err = a.jsonlUnits(path, o)
	}
	if err != nil {
		return err
	}
	annotator := o.annotator
	if annotator == "" && o.format == "brat" {
		annotator = scholia.GoldAnnotator
	}
	ictx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.Documents.ImportDocuments(ictx)
	if err != nil {
		return err
	}
	if err := stream.Send(&pb.ImportDocumentsRequest{Options: &pb.ImportOptions{ProjectId: project, Annotator: annotator,
		DryRun: o.dryRun, KeepGoing: o.keepGoing}}); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	prog := newProgress(a.stderr)
	var (
		log    []sent // one per unit read, in order
		nSent  int
		msg    = &pb.ImportDocumentsRequest{}
		size   int
		closed bool // the server ended the import
		offset int64
	)
	flush := func() {
		if len(msg.Documents) == 0 || closed {
			return
		}
		if err := stream.Send(msg); err != nil {
			closed = true // the server stopped; CloseAndRecv says why
		}
		msg, size = &pb.ImportDocumentsRequest{}, 0
	}
	readErrs := 0
	for u := range units {
		if u.err != nil {
			log = append(log, sent{readErr: u.err})
			readErrs++
			if !o.keepGoing {
				break
			}
			continue
		}
		if o.format != "jsonl" {
			offset = shiftIDs(&u.doc, offset)
		}
		pu := unitToPB(&u.doc, u.source)
		n := proto.Size(pu)
		if size+n > importMsgBytes || len(msg.Documents) >= importMsgDocs {
			flush()
		}
		if closed {
			break
		}
		msg.Documents = append(msg.Documents, pu)
		size += n
		log = append(log, sent{source: u.source, line: u.line})
		nSent++
		prog.add(len(u.doc.Annotations), len(u.doc.Document.Text))
	}
	flush()
	prog.done()
	resp, err := stream.CloseAndRecv()
	if err != nil {
		return err
	}
	if a.json() {
		if err := a.printProto(resp); err != nil {
			return err
		}
	}
	// The failures in the order of the input.
	results := resp.GetResults()
	for _, s := range log {
		if s.readErr != nil {
			fmt.Fprintln(a.stderr, "scholia:", s.readErr)
			continue
		}
		if len(results) == 0 {
			break
		}
		if r := results[0]; r.GetStatus() == pb.ImportStatus_IMPORT_STATUS_FAILED {
			fmt.Fprintln(a.stderr, "scholia:", describeImportError(s, r))
		}
		results = results[1:]
	}
	failed := int(resp.GetFailed()) + readErrs
	if !a.json() {
		a.importSummary(project, resp, failed, nSent, readErrs > 0 && !o.keepGoing)
	}
	if failed > 0 {
		return importFailed{failed}
	}
	return nil
}

// importSummary prints what the import did.
func (a *app) importSummary(project string, resp *pb.ImportDocumentsResponse, failed, nSent int, stoppedReading bool) {
	what := plural(resp.GetDocuments(), "document") + ", " + plural(int32(min(resp.GetAnnotations(), math.MaxInt32)), "annotation")
	if resp.GetLinks() > 0 {
		what += ", " + plural(resp.GetLinks(), "link")
	}
	if resp.GetDryRun() {
		fmt.Fprintf(a.stdout, "dry run: %s valid in %s; nothing was written\n", what, project)
	} else {
		fmt.Fprintf(a.stdout, "imported %s into %s", what, project)
		if resp.GetRevision() > 0 {
			fmt.Fprintf(a.stdout, " (revision %d)", resp.GetRevision())
		}
		fmt.Fprintln(a.stdout)
	}
	if failed > 0 {
		fmt.Fprintf(a.stdout, "%d failed: nothing of them was written\n", failed)
	}
	if rest := nSent - len(resp.GetResults()); resp.GetStopped() || stoppedReading {
		fmt.Fprintf(a.stdout, "stopped at the first failure (--keep-going skips failed documents instead)")
		if rest > 0 {
			fmt.Fprintf(a.stdout, "; %s sent after it not imported", plural(int32(rest), "more document"))
		}
		fmt.Fprintln(a.stdout)
	}
}

// importFailed is the error of an import in which documents failed; each
// was reported already.
type importFailed struct{ n int }

func (e importFailed) Error() string {
	if e.n == 1 {
		return "1 document failed"
	}
	return fmt.Sprintf("%d documents failed", e.n)
}

// describeImportError says why the server refused a unit, naming the
// file, and the line of each annotation when the format can tell.
func describeImportError(s sent, r *pb.ImportResult) string {
	e := r.GetError()
	var b strings.Builder
	name := s.source
	if name == "" {
		name = "document " + r.GetDocumentId()
	}
	fmt.Fprintf(&b, "%s: %s (%s)", name, e.GetMessage(), codes.Code(e.GetCode()))
	for _, v := range e.GetFieldViolations() {
		b.WriteString("\n  ")
		if s.line != nil {
			if i, ok := annotationIndex(v.GetField()); ok {
				if at, ok := s.line(i); ok {
					b.WriteString(at + ": ")
				}
			}
		}
		fmt.Fprintf(&b, "%s: %s", v.GetField(), v.GetDescription())
	}
	return b.String()
}

// annotationIndex returns i of a field path "annotations[i]...".
func annotationIndex(field string) (int, bool) {
	rest, ok := strings.CutPrefix(field, "annotations[")
	if !ok {
		return 0, false
	}
	var i int
	if _, err := fmt.Sscanf(rest, "%d]", &i); err != nil {
		return 0, false
	}
	return i, true
}

// shiftIDs adds offset to the local ids of a unit and its references, so
// that ids read per file are unique within the import, and returns the
// offset for the next unit.
func shiftIDs(d *scholia.AnnotatedDocument, offset int64) int64 {
	next := offset
	sh := func(id *int64) {
		if *id != 0 {
			*id += offset
			next = max(next, *id)
		}
	}
	for i := range d.Annotations {
		a := &d.Annotations[i]
		sh(&a.ID)
		for j := range a.Arguments {
			sh(&a.Arguments[j].AnnotationID)
		}
		if a.Claim != nil {
			sh(&a.Claim.ClaimantID)
		}
		if a.Relation != nil {
			sh(&a.Relation.Source)
			sh(&a.Relation.Target)
		}
		if a.Cluster != nil {
			for j := range a.Cluster.Members {
				sh(&a.Cluster.Members[j])
			}
		}
	}
	return next
}

// unitToPB turns a unit into its API message.
func unitToPB(d *scholia.AnnotatedDocument, source string) *pb.ImportDocument {
	u := &pb.ImportDocument{Source: source, Annotations: make([]*pb.Annotation, len(d.Annotations))}
	if d.Document.ID != "" {
		doc := d.Document
		doc.Project, doc.Rev, doc.Length, doc.SHA256 = "", 0, 0, ""
		u.Document = pbconv.DocumentToPB(doc)
		u.Document.Etag, u.Document.CreateTime, u.Document.UpdateTime = "", nil, nil
	}
	for i, a := range d.Annotations {
		pa := pbconv.AnnotationToPB(a)
		pa.ProjectId, pa.Etag, pa.CreateRevision, pa.UpdateRevision, pa.CreateTime, pa.UpdateTime, pa.UpdateUser = "", "", 0, 0, nil, nil, ""
		u.Annotations[i] = pa
	}
	for _, l := range d.Layers {
		if l.Status == scholia.LayerDone {
			u.Layers = append(u.Layers, &pb.Layer{Annotator: l.Annotator, Status: pb.LayerStatus(l.Status)})
		}
	}
	return u
}
