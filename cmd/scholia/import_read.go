package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/format/brat"
	"github.com/scholia-nlp/scholia/format/jsonl"
	"github.com/scholia-nlp/scholia/format/labelstudio"
)

// bratUnits reads a directory of brat .txt/.ann pairs, several files at a
// time, and yields the documents in the order of their names.
func (a *app) bratUnits(ctx context.Context, dir string, o importOptions, schema *scholia.Schema) (iter.Seq[importUnit], error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	has := map[string]int{} // base name -> 1 (.txt), 2 (.ann), 3 (both)
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			continue
		}
		switch filepath.Ext(name) {
		case ".txt":
			has[strings.TrimSuffix(name, ".txt")] |= 1
		case ".ann":
			has[strings.TrimSuffix(name, ".ann")] |= 2
		}
	}
	if len(has) == 0 {
		return nil, fmt.Errorf("%s: no .txt or .ann files: a brat import reads a directory of NAME.txt and NAME.ann pairs", dir)
	}
	bases := make([]string, 0, len(has))
	for b := range has {
		bases = append(bases, b)
	}
	sort.Strings(bases)
	a.checkConf(filepath.Join(dir, "annotation.conf"), schema)
	annotator := o.annotator
	if annotator == "" {
		annotator = scholia.GoldAnnotator
	}
	opts := func(base string) brat.ReadOptions {
		return brat.ReadOptions{DocumentID: base, Annotator: annotator, Schema: schema}
	}
	read := func(i int) importUnit {
		base := bases[i]
		txt, ann := filepath.Join(dir, base+".txt"), filepath.Join(dir, base+".ann")
		u := importUnit{source: ann}
		switch has[base] {
		case 2:
			u.err = &brat.ParseError{File: ann, Msg: "there is no " + base + ".txt beside it"}
			return u
		case 1:
			u.source = txt
			b, err := os.ReadFile(txt)
			if err != nil {
				u.err = err
				return u
			}
			o := opts(base)
			o.TextName, o.AnnName = txt, ann
			u.doc, u.err = brat.Read(string(b), strings.NewReader(""), o)
			return u
		}
		u.doc, u.err = brat.ReadFiles(txt, ann, opts(base))
		u.line = func(i int) (string, bool) { return bratLine(txt, ann, opts(base), i) }
		return u
	}
	return parallelOrdered(ctx, len(bases), runtime.GOMAXPROCS(0), read), nil
}

// checkConf compares a brat annotation.conf with the project's schema and
// reports on standard error what the project does not define: documents that
// use it will fail.
func (a *app) checkConf(path string, schema *scholia.Schema) {
	f, err := os.Open(path)
	if err != nil {
		return // no annotation.conf: nothing to compare
	}
	defer f.Close()
	conf, err := brat.ParseConfWith(f, brat.ConfOptions{Name: path})
	if err != nil {
		fmt.Fprintf(a.stderr, "scholia: warning: %v (annotation.conf not compared with the project's schema)\n", err)
		return
	}
	x, err := schema.Index()
	if err != nil {
		return
	}
	var missing []string
	for _, e := range conf.EntityTypes {
		if !x.HasEntityType(e.Name) {
			missing = append(missing, "entity type "+e.Name)
		}
	}
	for _, e := range conf.EventTypes {
		if x.EventType(e.Name) == nil {
			missing = append(missing, "event type "+e.Name)
			continue
		}
		for _, r := range e.Roles {
			if x.Role(e.Name, r.Name) == nil {
				missing = append(missing, "role "+r.Name+" of "+e.Name)
			}
		}
	}
	for _, r := range conf.RelationTypes {
		if x.RelationType(r.Name) == nil {
			missing = append(missing, "relation type "+r.Name)
		}
	}
	for _, at := range conf.Attributes {
		if x.Attribute(at.Name) == nil {
			missing = append(missing, "attribute "+at.Name)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(a.stderr, "scholia: warning: %s defines what the project's schema does not: %s; annotations that use it will be refused\n",
			path, strings.Join(missing, ", "))
	}
}

// bratLine finds the line of a brat .ann file that holds the i-th
// annotation the reader makes of it: the T line of a mention, the E line of
// an event or claim. The file is read again, which happens only to report
// an error.
func bratLine(txt, ann string, opts brat.ReadOptions, i int) (string, bool) {
	doc, err := brat.ReadFiles(txt, ann, opts)
	if err != nil || i >= len(doc.Annotations) {
		return "", false
	}
	a := doc.Annotations[i]
	b, err := os.ReadFile(ann)
	if err != nil {
		return "", false
	}
	offsets := func(spans []scholia.Span) string {
		parts := make([]string, len(spans))
		for j, s := range spans {
			parts[j] = fmt.Sprintf("%d %d", s.Start, s.End)
		}
		return strings.Join(parts, ";")
	}
	type tline struct{ label, offsets string }
	ts := map[string]tline{}
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) >= 2 && strings.HasPrefix(f[0], "T") {
			label, off, _ := strings.Cut(f[1], " ")
			ts[f[0]] = tline{label, off}
		}
	}
	for n, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) < 2 {
			continue
		}
		switch {
		case a.Kind == scholia.KindMention && strings.HasPrefix(f[0], "T"):
			if t := ts[f[0]]; t.label == a.Label && t.offsets == offsets(a.Spans) {
				return fmt.Sprintf("%s:%d", ann, n+1), true
			}
		case (a.Kind == scholia.KindEvent || a.Kind == scholia.KindClaim) && strings.HasPrefix(f[0], "E"):
			typ, trig, _ := strings.Cut(strings.Fields(f[1] + " ")[0], ":")
			want := a.Spans
			if a.Kind == scholia.KindClaim {
				if a.Claim == nil {
					continue
				}
				want = a.Claim.Cue
			} else if typ != a.Label {
				continue
			}
			if ts[trig].offsets == offsets(want) {
				return fmt.Sprintf("%s:%d", ann, n+1), true
			}
		}
	}
	return "", false
}

// labelStudioUnits reads a Label Studio JSON export. A task with results
// that cannot be read fails as a whole, as a document with a broken line
// does.
func labelStudioUnits(path string, o importOptions, schema *scholia.Schema) (iter.Seq[importUnit], error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := jsonSyntax(path, b); err != nil {
		return nil, err
	}
	users := map[string]string{}
	for _, m := range o.completedBy {
		k, v, ok := strings.Cut(m, "=")
		if !ok || k == "" || v == "" {
			return nil, usagef("--completed-by %q: use ID=NAME", m)
		}
		users[k] = v
	}
	docs, rep, err := labelstudio.Read(bytes.NewReader(b), labelstudio.ReadOptions{Annotators: users, Schema: schema})
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return func(yield func(importUnit) bool) {
		for i := range docs {
			tr := rep.Tasks[i]
			u := importUnit{doc: docs[i], source: fmt.Sprintf("%s: task %d (%s)", path, tr.Index, tr.Document)}
			if len(tr.Errors) > 0 {
				msgs := make([]string, len(tr.Errors))
				for j, e := range tr.Errors {
					msgs[j] = e.Error()
				}
				u.err = fmt.Errorf("%s: %s", path, strings.Join(msgs, "; "))
			}
			setAnnotator(&u.doc, o.annotator)
			if !yield(u) {
				return
			}
		}
	}, nil
}

// jsonSyntax returns an error naming the line of the first syntax error in
// b, a JSON value or a stream of them, or nil.
func jsonSyntax(path string, b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		var se *json.SyntaxError
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case errors.As(err, &se):
			off := min(max(se.Offset, 1), int64(len(b)))
			line := 1 + bytes.Count(b[:off-1], []byte("\n"))
			return fmt.Errorf("%s:%d: %v", path, line, se)
		case err != nil:
			return fmt.Errorf("%s: %v", path, err)
		}
	}
}

// setAnnotator moves every annotation and layer of a unit into one layer,
// unless annotator is empty.
func setAnnotator(d *scholia.AnnotatedDocument, annotator string) {
	if annotator == "" {
		return
	}
	for i := range d.Annotations {
		d.Annotations[i].Annotator = annotator
	}
	for i := range d.Layers {
		d.Layers[i].Annotator = annotator
	}
}

// jsonlUnits reads the output of `scholia stream`. Ids in it are the
// source server's, unique across the file. Clusters and relations whose
// members lie in several documents are sent as links after the last
// document; the others go with their document.
func (a *app) jsonlUnits(path string, o importOptions) (iter.Seq[importUnit], error) {
	var r io.Reader
	name := path
	var f *os.File
	if path == "-" {
		r, name = a.stdin, "standard input"
	} else {
		var err error
		if f, err = os.Open(path); err != nil {
			return nil, err
		}
		r = f
	}
	return func(yield func(importUnit) bool) {
		if f != nil {
			defer f.Close()
		}
		jr := jsonl.NewReader(bufio.NewReaderSize(r, 1<<16))
		var links []scholia.Annotation
		pending := map[int64]bool{}
		for {
			d, err := jr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var le *jsonl.LineError
				if errors.As(err, &le) {
					if !yield(importUnit{err: fmt.Errorf("%s:%d: %v", name, le.Line, le.Err)}) {
						return
					}
					continue
				}
				yield(importUnit{err: fmt.Errorf("%s: %v", name, err)})
				return
			}
			in := make(map[int64]bool, len(d.Annotations))
			for _, x := range d.Annotations {
				in[x.ID] = true
			}
			u := importUnit{source: fmt.Sprintf("%s:%d", name, jr.Line()),
				doc: scholia.AnnotatedDocument{Document: d.Document, Layers: d.Layers}}
			for _, x := range d.Annotations {
				if x.Kind == scholia.KindRelation && x.Relation != nil && (!in[x.Relation.Source] || !in[x.Relation.Target]) {
					if !pending[x.ID] {
						pending[x.ID] = true
						links = append(links, x)
					}
					continue
				}
				u.doc.Annotations = append(u.doc.Annotations, x)
			}
			for _, c := range d.Clusters {
				if c.Cluster != nil && !slices.ContainsFunc(c.Cluster.Members, func(m int64) bool { return !in[m] }) {
					u.doc.Annotations = append(u.doc.Annotations, c)
				} else if !pending[c.ID] {
					pending[c.ID] = true
					links = append(links, c)
				}
			}
			setAnnotator(&u.doc, o.annotator)
			if !yield(u) {
				return
			}
		}
		for _, x := range links {
			u := importUnit{source: fmt.Sprintf("%s: %s %d", name, x.Kind, x.ID), doc: scholia.AnnotatedDocument{Annotations: []scholia.Annotation{x}}}
			if x.Kind == scholia.KindCluster {
				u.doc.Annotations[0].Document = ""
			}
			setAnnotator(&u.doc, o.annotator)
			if !yield(u) {
				return
			}
		}
	}, nil
}

// parallelOrdered runs f(0), ..., f(n-1) on up to workers goroutines and
// yields the results in order, keeping a bounded number ahead.
func parallelOrdered[T any](ctx context.Context, n, workers int, f func(i int) T) iter.Seq[T] {
	return func(yield func(T) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		queue := make(chan chan T, 4*workers)
		sem := make(chan struct{}, workers)
		go func() {
			defer close(queue)
			for i := 0; i < n; i++ {
				ch := make(chan T, 1)
				select {
				case queue <- ch:
				case <-ctx.Done():
					return
				}
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					return
				}
				go func() {
					defer func() { <-sem }()
					ch <- f(i)
				}()
			}
		}()
		for ch := range queue {
			select {
			case v := <-ch:
				if !yield(v) {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}
}
