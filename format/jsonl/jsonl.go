// Package jsonl reads and writes the JSONL that `scholia stream` writes: one
// document per line, each line a StreamCorpusResponse message (the document,
// its annotations, the clusters they belong to, its layers' statuses, the
// revision and a resume token) in the protobuf JSON mapping.
//
// Unlike the other format packages, which import only the root package,
// this one also imports the generated API package and pbconv: JSONL here is
// not a format of its own but the API's JSON mapping, line by line, so that
// a file written by any gRPC client (Python with grpcio and
// json_format.MessageToJson, grpcurl, the Go client) reads back exactly,
// with no second mapping to keep in step.
package jsonl

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/pbconv"
)

// LineError is a line that is not a StreamCorpusResponse in the protobuf
// JSON mapping.
type LineError struct {
	Line int // 1-based
	Err  error
}

// Error says which line and what is wrong with it.
func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the cause.
func (e *LineError) Unwrap() error { return e.Err }

// Reader reads documents from JSONL, one line at a time. Lines may be of
// any length (a document with its text and annotations can take tens of
// megabytes); empty lines, CRLF line ends and a byte order mark at the
// start are accepted. Fields this version does not know (written by a newer
// server) are skipped.
type Reader struct {
	br   *bufio.Reader
	buf  []byte
	line int
	msg  *pb.StreamCorpusResponse
	opts protojson.UnmarshalOptions
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 1<<16), opts: protojson.UnmarshalOptions{DiscardUnknown: true}}
}

// readLine returns the next line without its line end, or io.EOF.
func (r *Reader) readLine() ([]byte, error) {
	r.buf = r.buf[:0]
	for {
		chunk, err := r.br.ReadSlice('\n')
		r.buf = append(r.buf, chunk...)
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(r.buf) > 0:
			err = nil
		case err != nil:
			return nil, err
		}
		r.line++
		line := bytes.TrimSuffix(r.buf, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if r.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		return line, nil
	}
}

// ReadMessage returns the next line's message, io.EOF after the last line,
// or a *LineError for a line that does not parse.
func (r *Reader) ReadMessage() (*pb.StreamCorpusResponse, error) {
	for {
		line, err := r.readLine()
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		m := &pb.StreamCorpusResponse{}
		if err := r.opts.Unmarshal(line, m); err != nil {
			return nil, &LineError{Line: r.line, Err: err}
		}
		if m.GetDocument().GetId() == "" {
			return nil, &LineError{Line: r.line, Err: errors.New("no document: not a line of `scholia stream`")}
		}
		r.msg = m
		return m, nil
	}
}

// Read returns the next document, io.EOF after the last line, or a
// *LineError for a line that does not parse.
func (r *Reader) Read() (scholia.CorpusDocument, error) {
	m, err := r.ReadMessage()
	if err != nil {
		return scholia.CorpusDocument{}, err
	}
	return pbconv.CorpusDocumentFromPB(m), nil
}

// Line returns the number of the line read last (1-based; 0 before the
// first).
func (r *Reader) Line() int { return r.line }

// Revision returns the revision of the document read last: the revision
// the stream that wrote it showed.
func (r *Reader) Revision() int64 { return r.msg.GetRevision() }

// ReadAll reads every document of r. Revisions lists the distinct
// revisions of its lines, in the order they first occur (one for the output
// of a single `scholia stream`).
func ReadAll(r io.Reader) (docs []scholia.CorpusDocument, revisions []int64, err error) {
	jr := NewReader(r)
	for {
		d, err := jr.Read()
		if errors.Is(err, io.EOF) {
			return docs, revisions, nil
		}
		if err != nil {
			return nil, nil, err
		}
		docs = append(docs, d)
		if rev := jr.Revision(); !slices.Contains(revisions, rev) {
			revisions = append(revisions, rev)
		}
	}
}

// Writer writes documents as JSONL, one line each, as `scholia stream`
// does (without resume tokens, which only a server can make). Call Flush
// at the end.
type Writer struct {
	w    *bufio.Writer
	rev  int64
	opts protojson.MarshalOptions
}

// NewWriter returns a Writer to w whose lines carry the given revision.
func NewWriter(w io.Writer, revision int64) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 1<<16), rev: revision}
}

// Write writes one document with its annotations.
func (w *Writer) Write(d scholia.CorpusDocument) error {
	return w.WriteMessage(pbconv.CorpusDocumentToPB(d, w.rev))
}

// WriteMessage writes one message as it is.
func (w *Writer) WriteMessage(m *pb.StreamCorpusResponse) error {
	b, err := w.opts.Marshal(m)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.w.Write(b)
	return err
}

// Flush writes what is buffered.
func (w *Writer) Flush() error { return w.w.Flush() }
