package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// splitDocRef parses PROJECT/DOC.
func splitDocRef(ref string) (project, doc string, err error) {
	project, doc, ok := strings.Cut(ref, "/")
	if !ok || project == "" || doc == "" {
		return "", "", usagef("%q is not PROJECT/DOC", ref)
	}
	return project, doc, nil
}

// idFromFile derives a document id from a file name: the base name without
// its extension, with characters that ids cannot hold replaced by '-'.
func idFromFile(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	var b strings.Builder
	for i, r := range base {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || (i > 0 && (r == '-' || r == '_' || r == '.'))
		if ok {
			b.WriteRune(r)
		} else if i > 0 {
			b.WriteByte('-')
		}
	}
	return b.String()
}

// invalidUTF8At returns the offset of the first byte that is not valid UTF-8.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// parseTime accepts RFC 3339 or a plain date.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usagef("--published %q: use a date like 2016-05-10 or RFC 3339", s)
}

func (a *app) docCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "doc", Short: "Add, list and show documents"}
	var id, title, source, url, lang, published string
	add := &cobra.Command{
		Use:   "add PROJECT FILE... [--id EXTERNAL_ID] [--title T] [--source S] [--url U]",
		Short: "Add articles from UTF-8 text files (- for standard input)",
		Long: `Add articles from UTF-8 text files. The document id is --id, or the file's
base name without its extension. The text is stored exactly as it is in the
file (CRLF line ends included) and never changes afterwards.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			project, files := args[0], args[1:]
			if id != "" && len(files) > 1 {
				return usagef("--id names one document; give one FILE with it")
			}
			var pubTime *timestamppb.Timestamp
			if published != "" {
				t, err := parseTime(published)
				if err != nil {
					return err
				}
				pubTime = timestamppb.New(t)
			}
			return a.withClient(func(c *client.Client) error {
				for _, f := range files {
					var b []byte
					var err error
					if f == "-" {
						b, err = io.ReadAll(a.stdin)
					} else {
						b, err = os.ReadFile(f)
					}
					if err != nil {
						return fmt.Errorf("reading %s: %w", f, err)
					}
					if !utf8.Valid(b) {
						return fmt.Errorf("%s: not UTF-8 text: invalid byte at offset %d; convert the file to UTF-8 first", f, invalidUTF8At(b))
					}
					docID := id
					if docID == "" {
						if f == "-" {
							return usagef("reading standard input needs --id")
						}
						docID = idFromFile(f)
					}
					resp, err := c.Documents.CreateDocument(cmd.Context(), &pb.CreateDocumentRequest{
						Document: &pb.Document{ProjectId: project, Id: docID, Title: title, Source: source, Url: url,
							Language: lang, PublishTime: pubTime, Text: string(b)},
					})
					if err != nil {
						return fmt.Errorf("%s: %w", f, err)
					}
					d := resp.GetDocument()
					if a.json() {
						if err := a.printProto(d); err != nil {
							return err
						}
						continue
					}
					fmt.Fprintf(a.stdout, "added %s/%s (%d characters)\n", d.GetProjectId(), d.GetId(), d.GetLength())
				}
				return nil
			})
		},
	}
	f := add.Flags()
	f.StringVar(&id, "id", "", "document id (default: the file name without extension)")
	f.StringVar(&title, "title", "", "headline")
	f.StringVar(&source, "source", "", "outlet")
	f.StringVar(&url, "url", "", "where it was published")
	f.StringVar(&lang, "language", "", "language tag, e.g. en")
	f.StringVar(&published, "published", "", "publication date or time")

	list := &cobra.Command{
		Use:   "list PROJECT",
		Short: "List a project's documents",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withClient(func(c *client.Client) error {
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				if !a.json() {
					fmt.Fprintln(tw, "DOCUMENT\tCHARS\tSOURCE\tTITLE")
				}
				for d, err := range c.AllDocuments(cmd.Context(), args[0]) {
					if err != nil {
						return err
					}
					if a.json() {
						if err := a.printProto(d); err != nil {
							return err
						}
						continue
					}
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", d.GetId(), d.GetLength(), d.GetSource(), d.GetTitle())
				}
				return tw.Flush()
			})
		},
	}

	var annotator string
	show := &cobra.Command{
		Use:   "show PROJECT/DOC [--annotator NAME]",
		Short: "Show a document's text with its annotations marked and numbered",
		Long: `Show a document's text with each annotated span in brackets, followed by
{ID LABEL}, and then a list of the annotations with their arguments,
claimants, cues and attributes. Without --annotator it shows every layer you
may read (annotators see their own).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			project, docID, err := splitDocRef(args[0])
			if err != nil {
				return err
			}
			return a.withClient(func(c *client.Client) error {
				d, err := c.Documents.GetDocument(cmd.Context(), &pb.GetDocumentRequest{ProjectId: project, DocumentId: docID, View: pb.DocumentView_DOCUMENT_VIEW_FULL})
				if err != nil {
					return err
				}
				var anns []*pb.Annotation
				for ann, err := range c.AllAnnotations(cmd.Context(), &pb.ListAnnotationsRequest{ProjectId: project, DocumentId: docID, Annotator: annotator, PageSize: 1000}) {
					if err != nil {
						return err
					}
					anns = append(anns, ann)
				}
				if a.json() {
					if err := a.printProto(d.GetDocument()); err != nil {
						return err
					}
					for _, ann := range anns {
						if err := a.printProto(ann); err != nil {
							return err
						}
					}
					return nil
				}
				return renderDocument(a.stdout, d.GetDocument(), anns)
			})
		},
	}
	show.Flags().StringVar(&annotator, "annotator", "", "show only this layer (a user name or gold)")

	cmd.AddCommand(add, list, show, a.layerStatusCommand("done", scholia.LayerDone), a.layerStatusCommand("reopen", scholia.LayerInProgress))
	return cmd
}

// layerStatusCommand makes `doc done` and `doc reopen`.
func (a *app) layerStatusCommand(name string, status scholia.LayerStatus) *cobra.Command {
	var annotator string
	cmd := &cobra.Command{
		Use:   name + " PROJECT/DOC",
		Short: map[string]string{"done": "Mark your layer of a document as done", "reopen": "Mark your layer of a document as in progress again"}[name],
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			project, docID, err := splitDocRef(args[0])
			if err != nil {
				return err
			}
			return a.withClient(func(c *client.Client) error {
				resp, err := c.Annotations.UpdateLayer(cmd.Context(), &pb.UpdateLayerRequest{Layer: &pb.Layer{
					ProjectId: project, DocumentId: docID, Annotator: annotator, Status: pb.LayerStatus(status)}})
				if err != nil {
					return err
				}
				if a.json() {
					return a.printProto(resp.GetLayer())
				}
				l := resp.GetLayer()
				fmt.Fprintf(a.stdout, "%s/%s: %s's layer is %s (%d annotations)\n", l.GetProjectId(), l.GetDocumentId(), l.GetAnnotator(), scholia.LayerStatus(l.GetStatus()), l.GetAnnotationCount())
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&annotator, "annotator", "", "the layer (default: yours; gold for curators)")
	return cmd
}
