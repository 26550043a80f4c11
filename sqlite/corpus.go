package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/scholia-nlp/scholia"
)

// The corpus reader: snapshot reads of whole documents with their
// annotations, the change feed and waiting for revisions.
//
// A snapshot read as of revision R reads the versions current at R
// (created_rev <= R AND (deleted_rev IS NULL OR deleted_rev > R)) and the
// layer statuses of layer_history at R, so a long stream is a series of
// short reads, each in its own short read transaction, that all see the same
// corpus. One chunk of documents costs a fixed number of queries, whatever
// the number of documents and annotations in it:
//
//  1. the documents (keyset by id, with their texts when asked for);
//  2. the layer statuses of those documents as of R;
//  3. their annotations as of R, in (document, id) order;
//  4. the clusters as of R that hold any of those annotations (after,
//     when the annotations' ids are sparse, a count that chooses how);
//  5. the times and users of the revisions that made those versions
//     (see corpusColumns);
//  6. only when kinds or labels narrow the annotations: the layers'
//     annotation counts as of R (otherwise step 3 counts them).
//
// Retention (Prune) removes versions closed at or before a horizon and
// records it in meta; a read as of an older revision fails with
// REVISION_EXPIRED rather than return a corpus with holes.

// ReadCorpus returns up to limit documents of f.Project with ids after
// `after`, in id order, matching f as of revision asOf (0: the newest), each
// with its annotations in id order, the clusters holding any of them
// (whole) and its layers as of asOf. See the comment at the top of the file
// for the queries a call makes.
func (s *Store) ReadCorpus(ctx context.Context, f scholia.CorpusFilter, after string, limit int, asOf int64) ([]scholia.CorpusDocument, error) {
	if f.Project == "" {
		return nil, scholia.Invalid("a project is required", scholia.FieldViolation{Field: "project_id", Description: "required"})
	}
	if asOf < 0 {
		return nil, scholia.Errorf(scholia.CodeInvalid, "INVALID_REVISION", "revision %d is negative", asOf)
	}
	limit = clampLimit(limit)
	tx, newest, oldest, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rev := asOf
	switch {
	case asOf == 0:
		rev = newest
	case asOf > newest:
		return nil, revisionTooNew(asOf, newest)
	}
	if rev < oldest {
		return nil, revisionExpired(rev, oldest)
	}
	out, err := readChunk(ctx, tx, f, after, limit, rev)
	if err != nil {
		return nil, dbError("read the corpus", err)
	}
	return out, nil
}

// readChunk runs the queries of one chunk in q.
func readChunk(ctx context.Context, q querier, f scholia.CorpusFilter, after string, limit int, rev int64) ([]scholia.CorpusDocument, error) {
	// 1. The documents.
	dq := documentsQuery(f, after, limit, rev)
	rows, err := q.QueryContext(ctx, dq.sql, dq.args...)
	if err != nil {
		return nil, err
	}
	var out []scholia.CorpusDocument
	for rows.Next() {
		var text sql.NullString
		d, err := scanDocument(rows, &text)
		if err != nil {
			rows.Close()
			return nil, err
		}
		d.Text = text.String
		out = append(out, scholia.CorpusDocument{Document: d})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	index := make(map[string]int, len(out))
	docIDs := make([]string, len(out))
	for i := range out {
		index[out[i].Document.ID] = i
		docIDs[i] = out[i].Document.ID
	}
	docs := jsonList(docIDs)

	// 2. The layer statuses as of rev.
	statuses := make([]map[string]layerAt, len(out))
	sq := statusesQuery(f, docs, rev)
	if rows, err = q.QueryContext(ctx, sq.sql, sq.args...); err != nil {
		return nil, err
	}
	for rows.Next() {
		var doc, ann string
		var l layerAt
		if err := rows.Scan(&doc, &ann, &l.status, &l.rev, &l.time); err != nil {
			rows.Close()
			return nil, err
		}
		if l.status == scholia.LayerStatusUnspecified { // forgotten with an earlier document of this id
			continue
		}
		i := index[doc]
		if statuses[i] == nil {
			statuses[i] = map[string]layerAt{}
		}
		statuses[i][ann] = l
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// Done only: the layers done at rev, and the documents that have one.
	// docOf maps a position in docs to the document's index in out.
	layers := ""
	docOf := make([]int, len(out))
	for i := range docOf {
		docOf[i] = i
	}
	if f.DoneOnly {
		var keys, withDone []string
		docOf = docOf[:0]
		for i, st := range statuses {
			has := false
			for ann, l := range st {
				if l.status == scholia.LayerDone {
					keys = append(keys, layerKey(docIDs[i], ann))
					has = true
				} else {
					delete(st, ann)
				}
			}
			if has {
				withDone = append(withDone, docIDs[i])
				docOf = append(docOf, i)
			}
		}
		if len(keys) == 0 {
			return out, nil // no layer is done: no annotations and no layers
		}
		slices.Sort(keys)
		layers, docs = jsonList(keys), jsonList(withDone)
	}

	// 3. The annotations, counted per layer when nothing narrows them.
	// They come by document, then id: a document's annotations are
	// gathered in a scratch slice and copied into one of their exact size
	// when the next document starts. Should rows ever come in another
	// order, those from then on are put in place at the end.
	counts := make([]map[string]int64, len(out))
	countHere := len(f.Kinds) == 0 && len(f.Labels) == 0
	var members []member // of clusters, if any
	aq := annotationsQuery(f, docs, layers, rev)
	if rows, err = q.QueryContext(ctx, aq.sql, aq.args...); err != nil {
		return nil, err
	}
	var scratch, late []scholia.Annotation
	var lateDocs []int
	cur := -1
	flush := func() {
		if cur >= 0 && len(scratch) > 0 {
			out[cur].Annotations = slices.Clone(scratch)
			clear(scratch) // let go of what the copies now hold
			scratch = scratch[:0]
		}
	}
	sc := newAnnotationScanner(f.Project)
	for rows.Next() {
		scratch = append(scratch, scholia.Annotation{})
		a := &scratch[len(scratch)-1]
		pos, err := sc.scan(rows, a)
		if err == nil && (pos < 0 || pos >= int64(len(docOf))) {
			err = fmt.Errorf("annotation %d: document position %d of %d", a.ID, pos, len(docOf))
		}
		if err != nil {
			rows.Close()
			return nil, err
		}
		i := docOf[pos]
		a.Document = out[i].Document.ID // one copy of the id per document
		if countHere {
			if counts[i] == nil {
				counts[i] = map[string]int64{}
			}
			counts[i][a.Annotator]++
		}
		if isMemberKind(a.Kind) {
			members = append(members, member{a.ID, i})
		}
		switch {
		case late == nil && i == cur && (len(scratch) == 1 || a.ID > scratch[len(scratch)-2].ID):
		case late == nil && i > cur:
			if len(scratch) > 1 {
				next := *a
				scratch = scratch[:len(scratch)-1]
				flush()
				scratch = append(scratch, next)
			}
			cur = i
		default:
			late, lateDocs = append(late, *a), append(lateDocs, i)
			scratch = scratch[:len(scratch)-1]
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	flush()
	if late != nil {
		for k, a := range late {
			out[lateDocs[k]].Annotations = append(out[lateDocs[k]].Annotations, a)
		}
		for _, i := range lateDocs {
			slices.SortFunc(out[i].Annotations, func(x, y scholia.Annotation) int { return cmp.Compare(x.ID, y.ID) })
		}
	}

	// Their provenance (gold made by curation, accepted suggestions), as
	// GetAnnotation and ListAnnotations give it.
	if err := chunkDerivedFrom(ctx, q, out); err != nil {
		return nil, err
	}

	// 4. The clusters that hold any of those annotations, each whole.
	if len(members) > 0 && (len(f.Kinds) == 0 || slices.Contains(f.Kinds, scholia.KindCluster)) {
		slices.SortFunc(members, func(x, y member) int { return cmp.Compare(x.id, y.id) })
		ids := make([]int64, len(members))
		for k, m := range members {
			ids[k] = m.id
		}
		byRange, err := clusterRange(ctx, q, ids)
		if err != nil {
			return nil, err
		}
		cq := clustersQuery(f, ids, byRange, rev)
		if rows, err = q.QueryContext(ctx, cq.sql, cq.args...); err != nil {
			return nil, err
		}
		var attached []int
		for rows.Next() {
			var c scholia.Annotation
			if _, err := sc.scan(rows, &c); err != nil {
				rows.Close()
				return nil, err
			}
			attached = attached[:0]
			for _, m := range c.Cluster.Members {
				if k, ok := slices.BinarySearch(ids, m); ok && !slices.Contains(attached, members[k].doc) {
					attached = append(attached, members[k].doc)
				}
			}
			slices.Sort(attached)
			for k, i := range attached {
				if k > 0 {
					c = cloneAnnotation(c) // documents do not share a cluster's slices
				}
				out[i].Clusters = append(out[i].Clusters, c)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}

	// 5. The times and users of the versions' revisions.
	if err := fillRevisions(ctx, q, out); err != nil {
		return nil, err
	}

	// 6. The layers' counts when kinds or labels narrowed the annotations.
	if !countHere {
		cq := countsQuery(f, docs, layers, rev)
		if rows, err = q.QueryContext(ctx, cq.sql, cq.args...); err != nil {
			return nil, err
		}
		for rows.Next() {
			var doc, ann string
			var n int64
			if err := rows.Scan(&doc, &ann, &n); err != nil {
				rows.Close()
				return nil, err
			}
			i := index[doc]
			if counts[i] == nil {
				counts[i] = map[string]int64{}
			}
			counts[i][ann] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}

	// The layers: those with annotations or a status at rev.
	for i := range out {
		if len(statuses[i]) == 0 && len(counts[i]) == 0 {
			continue
		}
		anns := make([]string, 0, len(statuses[i])+len(counts[i]))
		for a := range statuses[i] {
			anns = append(anns, a)
		}
		for a := range counts[i] {
			if _, ok := statuses[i][a]; !ok {
				anns = append(anns, a)
			}
		}
		slices.Sort(anns)
		ls := make([]scholia.Layer, len(anns))
		for k, a := range anns {
			l := scholia.Layer{Project: f.Project, Document: docIDs[i], Annotator: a, Status: scholia.LayerInProgress,
				AnnotationCount: counts[i][a]}
			if st, ok := statuses[i][a]; ok {
				l.Status, l.Rev, l.UpdateTime = st.status, st.rev, nsTime(st.time)
			}
			ls[k] = l
		}
		out[i].Layers = ls
	}
	return out, nil
}

// memberKinds[k] says whether clusters can hold annotations of kind k.
var memberKinds = func() (m [256]bool) {
	for _, k := range scholia.ClusterKinds {
		m[uint8(k)] = true
	}
	return m
}()

// isMemberKind reports whether clusters can hold annotations of kind k.
func isMemberKind(k scholia.Kind) bool { return memberKinds[uint8(k)] }

// chunkDerivedFrom fills in the DerivedFrom of a chunk's annotations with
// one range read of annotation_sources.
func chunkDerivedFrom(ctx context.Context, q querier, docs []scholia.CorpusDocument) error {
	at := map[int64]*scholia.Annotation{}
	var lo, hi int64
	for i := range docs {
		for j := range docs[i].Annotations {
			a := &docs[i].Annotations[j]
			if len(at) == 0 || a.ID < lo {
				lo = a.ID
			}
			hi = max(hi, a.ID)
			at[a.ID] = a
		}
	}
	if len(at) == 0 {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT annotation, source FROM annotation_sources WHERE annotation BETWEEN ? AND ? ORDER BY annotation, source`, lo, hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, src int64
		if err := rows.Scan(&id, &src); err != nil {
			return err
		}
		if a, ok := at[id]; ok {
			a.DerivedFrom = append(a.DerivedFrom, src)
		}
	}
	return rows.Err()
}
