package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/client"
	"github.com/scholia-nlp/scholia/format/brat"
	"github.com/scholia-nlp/scholia/format/conll"
	"github.com/scholia-nlp/scholia/format/labelstudio"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/internal/serve"
	"github.com/scholia-nlp/scholia/pbconv"
)

// exportOptions are the flags of `scholia export`.
type exportOptions struct {
	format      string
	out         string
	annotators  []string
	gold        bool
	completedBy []string
	utf16       bool
}

func (a *app) exportCommand() *cobra.Command {
	var o exportOptions
	cmd := &cobra.Command{
		Use:   "export PROJECT --format brat|labelstudio|conll|jsonl --out PATH [--annotator NAME|--gold]",
		Short: "Write a project's documents and annotations as brat, Label Studio, CoNLL or JSONL",
		Long: `Write a project's documents with their annotations, as of one revision
(the export reads one consistent snapshot while people go on annotating).

  brat         --out is a directory: NAME.txt and NAME.ann per document and the
               project's schema as annotation.conf. brat has no layers: pick
               one with --annotator NAME or --gold.
  labelstudio  --out is a Label Studio JSON file: one task per document, one
               annotation per layer (--completed-by ID=NAME writes NAME's layer
               as Label Studio user ID).
  conll        --out is one file in CoNLL BIO format: a column of tags per
               layer, for mentions. What BIO cannot hold (nested, overlapping
               spans) is counted on standard error.
  jsonl        --out is a file (- for standard output) in the form of
               ` + "`scholia stream`" + `, which ` + "`scholia import --format jsonl`" + ` reads.

--annotator (repeatable) and --gold select layers; by default every layer you
may read. Progress is shown on standard error when it is a terminal.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch o.format {
			case "brat", "labelstudio", "conll", "jsonl":
			case "":
				return usagef("--format is required: brat, labelstudio, conll or jsonl")
			default:
				return usagef("--format %q: brat, labelstudio, conll or jsonl", o.format)
			}
			if o.out == "" {
				return usagef("--out is required")
			}
			if o.gold {
				o.annotators = append(o.annotators, scholia.GoldAnnotator)
			}
			if o.format == "brat" && len(o.annotators) != 1 {
				return usagef("a brat file holds one layer: pass --annotator NAME or --gold")
			}
			serve.TuneGC() // an export allocates much and keeps little
			return a.withClient(func(c *client.Client) error {
				return a.runExport(cmd.Context(), c, args[0], o)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "", "output format: brat, labelstudio, conll or jsonl")
	f.StringVar(&o.out, "out", "", "where to write: a directory (brat) or a file")
	f.StringArrayVar(&o.annotators, "annotator", nil, "only this layer (repeatable)")
	f.BoolVar(&o.gold, "gold", false, "the gold layer")
	f.StringArrayVar(&o.completedBy, "completed-by", nil, "labelstudio: write NAME's layer as Label Studio user ID, `ID=NAME` (repeatable)")
	f.BoolVar(&o.utf16, "utf16", false, "labelstudio: offsets in UTF-16 code units, for Label Studio versions that count them")
	return cmd
}

// docWriter writes one format, one document at a time.
type docWriter interface {
	write(d scholia.AnnotatedDocument, msg *pb.StreamCorpusResponse) error
	// close finishes the output; failed discards what it can.
	close(failed bool) error
}

// runExport streams the corpus and writes each document as it comes.
func (a *app) runExport(ctx context.Context, c *client.Client, project string, o exportOptions) error {
	pr, err := c.Projects.GetProject(ctx, &pb.GetProjectRequest{ProjectId: project})
	if err != nil {
		return err
	}
	schema := pbconv.SchemaFromPB(pr.GetProject().GetSchema())
	om := &omissions{w: a.stderr}
	defer om.report(o.format)
	var w docWriter
	switch o.format {
	case "brat":
		w, err = newBratWriter(o.out, o.annotators[0], schema, om)
	case "labelstudio":
		w, err = a.newLabelStudioWriter(o, schema, om)
	case "conll":
		w, err = a.newConllWriter(ctx, c, project, o)
	case "jsonl":
		w, err = a.newJSONLWriter(o.out)
	}
	if err != nil {
		return err
	}
	req := &pb.StreamCorpusRequest{ProjectId: project, Annotators: o.annotators}
	prog := newProgress(a.stderr)
	policy := client.RetryPolicy{OnRetry: func(err error, attempt int, pause time.Duration) {
		fmt.Fprintf(a.stderr, "\nscholia: %s; resuming in %s (attempt %d)\n", describe(err), pause.Round(time.Millisecond), attempt)
	}}
	var rev, nAnns int64
	var nDocs int
	clusters := map[int64]bool{}
	for msg, err := range c.StreamCorpus(ctx, req, policy) {
		if err != nil {
			prog.done()
			w.close(true)
			return err
		}
		cd := pbconv.CorpusDocumentFromPB(msg)
		d := scholia.AnnotatedDocument{Document: cd.Document, Annotations: append(cd.Annotations, cd.Clusters...), Layers: cd.Layers}
		if o.format == "brat" || o.format == "labelstudio" {
			d.Annotations = withinDocument(d.Annotations, om)
		}
		if err := w.write(d, msg); err != nil {
			prog.done()
			w.close(true)
			return err
		}
		rev = msg.GetRevision()
		prog.revised = rev
		nDocs++
		nAnns += int64(len(cd.Annotations))
		for _, cl := range cd.Clusters {
			if !clusters[cl.ID] {
				clusters[cl.ID] = true
				nAnns++
			}
		}
		prog.add(len(cd.Annotations), len(cd.Document.Text))
	}
	prog.done()
	if err := w.close(false); err != nil {
		return err
	}
	if o.out != "-" {
		fmt.Fprintf(a.stdout, "exported %s, %s of %s at revision %d to %s (%s)\n", plural(int32(nDocs), "document"),
			plural(int32(min(nAnns, math.MaxInt32)), "annotation"), project, rev, o.out, o.format)
	}
	return nil
}

// withinDocument leaves out the relations of a document whose other end is
// in another document, which brat and Label Studio cannot express (their
// relations stay within a file or task), and records them in om.
func withinDocument(anns []scholia.Annotation, om *omissions) []scholia.Annotation {
	in := make(map[int64]bool, len(anns))
	for _, a := range anns {
		in[a.ID] = true
	}
	out := anns[:0]
	for _, a := range anns {
		if a.Kind == scholia.KindRelation && a.Relation != nil && (!in[a.Relation.Source] || !in[a.Relation.Target]) {
			om.add(a.Document, fmt.Sprintf("relation %d links annotations %d and %d of two documents; the format's relations stay within one document", a.ID, a.Relation.Source, a.Relation.Target))
			continue
		}
		out = append(out, a)
	}
	return out
}

// omissions reports, once, what a format could not hold. Writers on
// several goroutines add to it.
type omissions struct {
	w     io.Writer
	mu    sync.Mutex
	n     int
	first []string
}

func (om *omissions) add(doc string, reasons ...string) {
	om.mu.Lock()
	defer om.mu.Unlock()
	for _, r := range reasons {
		if len(om.first) < 5 {
			om.first = append(om.first, doc+": "+r)
		}
		om.n++
	}
}

func (om *omissions) report(format string) {
	if om.n == 0 {
		return
	}
	fmt.Fprintf(om.w, "scholia: %s cannot hold everything: %d left out, such as:\n", format, om.n)
	for _, f := range om.first {
		fmt.Fprintln(om.w, "  "+f)
	}
}

// bratWriter writes NAME.txt and NAME.ann per document, on a few
// goroutines: creating files is mostly waiting for the file system, and
// documents are independent.
type bratWriter struct {
	dir  string
	opts brat.WriteOptions
	om   *omissions
	docs chan scholia.AnnotatedDocument
	wg   sync.WaitGroup
	mu   sync.Mutex // guards err
	err  error
}

// bratWorkers is how many documents are written at once.
const bratWorkers = 4

func newBratWriter(dir, annotator string, schema *scholia.Schema, om *omissions) (*bratWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var conf bytes.Buffer
	if err := brat.WriteConf(&conf, schema); err != nil {
		return nil, fmt.Errorf("the project's schema as annotation.conf: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "annotation.conf"), conf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	w := &bratWriter{dir: dir, opts: brat.WriteOptions{Annotator: annotator, Schema: schema}, om: om, docs: make(chan scholia.AnnotatedDocument, bratWorkers)}
	for i := 0; i < bratWorkers; i++ {
		w.wg.Add(1)
		go w.work()
	}
	return w, nil
}

func (w *bratWriter) work() {
	defer w.wg.Done()
	for d := range w.docs {
		if w.failed() != nil {
			continue
		}
		base := filepath.Join(w.dir, d.Document.ID)
		om, err := brat.WriteFiles(base+".txt", base+".ann", d, w.opts)
		for _, o := range om {
			w.om.add(d.Document.ID, fmt.Sprintf("annotation %d: %s", o.AnnotationID, o.Reason))
		}
		w.mu.Lock()
		if err != nil && w.err == nil {
			w.err = fmt.Errorf("document %s: %w", d.Document.ID, err)
		}
		w.mu.Unlock()
	}
}

func (w *bratWriter) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *bratWriter) write(d scholia.AnnotatedDocument, _ *pb.StreamCorpusResponse) error {
	if err := w.failed(); err != nil {
		return err
	}
	w.docs <- d
	return nil
}

func (w *bratWriter) close(bool) error {
	close(w.docs)
	w.wg.Wait()
	return w.err
}

// fileOut writes a file through a temporary one that replaces it at the
// end, so that a failed export leaves no half-written file; "-" is
// standard output.
type fileOut struct {
	*bufio.Writer
	f    *os.File
	path string
}

func (a *app) createOut(path string) (*fileOut, error) {
	if path == "-" {
		return &fileOut{Writer: bufio.NewWriterSize(a.stdout, 1<<16)}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, err
	}
	return &fileOut{Writer: bufio.NewWriterSize(f, 1<<16), f: f, path: path}, nil
}

// commit finishes the file: renames it into place, or removes it if failed.
func (o *fileOut) commit(failed bool) error {
	err := o.Flush()
	if o.f == nil {
		return err
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err != nil || failed {
		os.Remove(o.f.Name())
		return err
	}
	return os.Rename(o.f.Name(), o.path)
}

// labelStudioWriter writes one JSON array of tasks, a task at a time.
type labelStudioWriter struct {
	out   *fileOut
	opts  labelstudio.WriteOptions
	n     int
	buf   bytes.Buffer
	om    *omissions
	error bool
}

func (a *app) newLabelStudioWriter(o exportOptions, schema *scholia.Schema, om *omissions) (*labelStudioWriter, error) {
	users := map[string]string{}
	for _, m := range o.completedBy {
		k, v, ok := strings.Cut(m, "=")
		if !ok || k == "" || v == "" {
			return nil, usagef("--completed-by %q: use ID=NAME", m)
		}
		users[k] = v
	}
	out, err := a.createOut(o.out)
	if err != nil {
		return nil, err
	}
	out.WriteString("[")
	return &labelStudioWriter{out: out, opts: labelstudio.WriteOptions{Annotators: users, UTF16: o.utf16, Schema: schema}, om: om}, nil
}

// write writes one task: labelstudio.Write of a single document, without
// the brackets of its array.
func (w *labelStudioWriter) write(d scholia.AnnotatedDocument, _ *pb.StreamCorpusResponse) error {
	w.buf.Reset()
	om, err := labelstudio.Write(&w.buf, []scholia.AnnotatedDocument{d}, w.opts)
	for _, o := range om {
		w.om.add(o.Document, fmt.Sprintf("annotation %d: %s", o.AnnotationID, o.Reason))
	}
	if err != nil {
		w.error = true
		return err
	}
	task := bytes.TrimSuffix(bytes.TrimPrefix(w.buf.Bytes(), []byte("[\n")), []byte("\n]\n"))
	if w.n > 0 {
		w.out.WriteString(",")
	}
	w.out.WriteString("\n")
	w.out.Write(task)
	w.n++
	return nil
}

func (w *labelStudioWriter) close(failed bool) error {
	w.out.WriteString("\n]\n")
	return w.out.commit(failed || w.error)
}

// conllWriter writes one CoNLL file with a column per layer.
type conllWriter struct {
	out      *fileOut
	opts     conll.Options
	dropped  int
	adjusted int
	error    bool
	stderr   io.Writer
}

func (a *app) newConllWriter(ctx context.Context, c *client.Client, project string, o exportOptions) (*conllWriter, error) {
	layers := slices.Clone(o.annotators)
	if len(layers) == 0 {
		// The columns must be known before the first document: list the
		// project's layers (gold first, then by first appearance).
		tok := ""
		for {
			resp, err := c.Annotations.ListLayers(ctx, &pb.ListLayersRequest{ProjectId: project, PageSize: 1000, PageToken: tok})
			if err != nil {
				return nil, err
			}
			for _, l := range resp.GetLayers() {
				if !slices.Contains(layers, l.GetAnnotator()) {
					layers = append(layers, l.GetAnnotator())
				}
			}
			if tok = resp.GetNextPageToken(); tok == "" {
				break
			}
		}
		if i := slices.Index(layers, scholia.GoldAnnotator); i > 0 {
			layers = append([]string{scholia.GoldAnnotator}, slices.Delete(layers, i, i+1)...)
		}
		if len(layers) == 0 {
			layers = []string{scholia.GoldAnnotator}
		}
	}
	out, err := a.createOut(o.out)
	if err != nil {
		return nil, err
	}
	return &conllWriter{out: out, opts: conll.Options{Layers: layers}, stderr: a.stderr}, nil
}

func (w *conllWriter) write(d scholia.AnnotatedDocument, _ *pb.StreamCorpusResponse) error {
	rep, err := conll.Write(w.out, []scholia.AnnotatedDocument{d}, w.opts)
	if rep != nil {
		w.dropped += len(rep.Dropped)
		w.adjusted += len(rep.Adjusted)
	}
	if err != nil {
		w.error = true
	}
	return err
}

func (w *conllWriter) close(failed bool) error {
	if w.dropped+w.adjusted > 0 {
		fmt.Fprintf(w.stderr, "scholia: BIO cannot hold every span: %d annotations left out (nested or overlapping), %d written differently (discontinuous, or boundaries inside a token)\n", w.dropped, w.adjusted)
	}
	return w.out.commit(failed || w.error)
}

// jsonlWriter writes the stream's messages as they are, one per line, as
// `scholia stream` does.
type jsonlWriter struct {
	out *fileOut
	mo  protojson.MarshalOptions
}

func (a *app) newJSONLWriter(path string) (*jsonlWriter, error) {
	out, err := a.createOut(path)
	if err != nil {
		return nil, err
	}
	return &jsonlWriter{out: out}, nil
}

func (w *jsonlWriter) write(_ scholia.AnnotatedDocument, msg *pb.StreamCorpusResponse) error {
	b, err := w.mo.Marshal(msg)
	if err != nil {
		return err
	}
	w.out.Write(b)
	return w.out.WriteByte('\n')
}

func (w *jsonlWriter) close(failed bool) error { return w.out.commit(failed) }
