package eval

import (
	"github.com/scholia-nlp/scholia"
)

// MentionKey identifies a mention (or an event by its trigger, or a claim by
// its span) by its document and exact boundaries, so that clusters can span
// documents. Inner lists the fragments of a discontinuous span ("3-5,9-12")
// and is empty for a contiguous one; [MentionKeyOf] fills it in.
type MentionKey struct {
	Doc   string `json:"doc"`
	Start int64  `json:"start"`
	End   int64  `json:"end"`
	Inner string `json:"inner,omitempty"`
}

// MentionKeyOf returns the key of a span with the given fragments.
func MentionKeyOf(doc string, spans []scholia.Span) MentionKey {
	k := keyOf(spans)
	return MentionKey{Doc: doc, Start: k.start, End: k.end, Inner: k.inner}
}

// CorefOptions configure [ScoreCoref].
type CorefOptions struct {
	// PerDocument scores each document on its own and sums the numerators
	// and denominators, as the CoNLL scorer does over a multi-document file;
	// a cluster that spans documents is cut into its parts per document.
	// By default the whole input is one partition, which is what
	// cross-document coreference needs.
	PerDocument bool
}

// CorefScore is one coreference metric: recall = RecallNum/RecallDen,
// precision = PrecisionNum/PrecisionDen (0 when a denominator is 0, as in
// the CoNLL scorer), F1 their harmonic mean (0 when both are 0).
type CorefScore struct {
	RecallNum    float64 `json:"recall_num"`
	RecallDen    float64 `json:"recall_den"`
	PrecisionNum float64 `json:"precision_num"`
	PrecisionDen float64 `json:"precision_den"`
	Recall       float64 `json:"recall"`
	Precision    float64 `json:"precision"`
	F1           float64 `json:"f1"`
}

func newCorefScore(c [4]float64) CorefScore {
	s := CorefScore{RecallNum: c[0], RecallDen: c[1], PrecisionNum: c[2], PrecisionDen: c[3]}
	s.Recall, s.Precision = ratio(c[0], c[1]), ratio(c[2], c[3])
	s.F1 = f1(s.Precision, s.Recall)
	return s
}

// BLANCScore is BLANC (Recasens & Hovy 2011, generalised to system mentions
// by Luo et al. 2014): the mean of a score over coreference links (pairs of
// mentions in one cluster) and one over non-coreference links (pairs in
// different clusters). Recall, Precision and F1 are the means of the two
// parts' values (F1 is the mean of the two F1s). As in scorer v8.01, when the
// key has no coreference links only the non-coreference part counts, when it
// has no non-coreference links only the coreference part counts, and when
// it has neither everything is 0. The count fields hold the coreference
// part's counts plus the non-coreference part's.
type BLANCScore struct {
	CorefScore
	Coref    CorefScore `json:"coref"`
	NonCoref CorefScore `json:"noncoref"`
}

// CorefReport holds the coreference metrics of the CoNLL reference scorer
// v8.01 (Pradhan et al. 2014).
type CorefReport struct {
	MUC    CorefScore `json:"muc"`
	BCubed CorefScore `json:"bcubed"`
	CEAFm  CorefScore `json:"ceafm"`
	CEAFe  CorefScore `json:"ceafe"`
	BLANC  BLANCScore `json:"blanc"`
	// CoNLL is the mean F1 of MUC, B-cubed and CEAF-e.
	CoNLL float64 `json:"conll"`
	// Mentions scores mention identification: a response mention is
	// correct when a key mention has exactly its boundaries (0 for an empty
	// denominator, as in the scorer).
	Mentions PRF `json:"mentions"`
	// KeyDuplicates and ResponseDuplicates count mentions left out because
	// the same boundaries already occurred earlier in the key or response
	// (the first occurrence is kept, as in the scorer).
	KeyDuplicates      int `json:"key_duplicates"`
	ResponseDuplicates int `json:"response_duplicates"`
	Documents          int `json:"documents"` // 1 unless PerDocument
}

// ScoreCoref scores response clusters against key clusters with the rules of
// the CoNLL reference scorer v8.01:
//
//   - mentions match only by exact boundaries (document, start, end, and
//     fragments);
//   - a mention repeated in the response (in the same or another cluster) is
//     dropped after its first occurrence; likewise in the key;
//   - singletons count: a key singleton must be found for B-cubed, CEAF and
//     BLANC recall, and a response singleton counts in their precision;
//   - MUC (Vilain et al. 1995) counts links: response mentions missing from
//     the key are their own partitions, so twinless mentions inside response
//     clusters lower MUC precision while twinless singletons do not count;
//   - B-cubed, CEAF-m, CEAF-e and BLANC use the original key and response
//     clusters (no Cai & Strube 2010 twinless-mention change): twinless
//     response mentions count in the precision denominators and missing key
//     mentions in the recall denominators;
//   - CEAF aligns key and response entities one to one with an optimal
//     (Kuhn-Munkres) assignment; CEAF-m uses |K∩R| and mention counts,
//     CEAF-e 2|K∩R|/(|K|+|R|) and entity counts.
//
// The metrics come from the sparse contingency table of key and response
// clusters, so they run in O(n) for n mentions, plus the Hungarian algorithm
// on each connected group of overlapping clusters for CEAF.
func ScoreCoref(key, response [][]MentionKey, opts CorefOptions) CorefReport {
	var rep CorefReport
	// Mentions are looked up in one map sized for all of them, keyed by an
	// interned document (hashing a short fixed key is much cheaper than a
	// string per lookup).
	type mkey struct {
		doc        int32
		start, end int64
		inner      string
	}
	type entry struct {
		key  int32 // key mention index, or -1
		resp bool  // already seen in the response
	}
	n := 0
	for _, cl := range key {
		n += len(cl)
	}
	for _, cl := range response {
		n += len(cl)
	}
	docs := newInterner()
	idx := make(map[mkey]entry, n)
	keyOf := func(m MentionKey) mkey { return mkey{docs.id(m.Doc), m.Start, m.End, m.Inner} }
	// Key mentions, first occurrence kept.
	var kDoc []string
	var kClus []int32
	nk := int32(0)
	for _, cl := range key {
		added := false
		for _, m := range cl {
			k := keyOf(m)
			if _, dup := idx[k]; dup {
				rep.KeyDuplicates++
				continue
			}
			idx[k] = entry{key: int32(len(kClus))}
			kDoc = append(kDoc, m.Doc)
			kClus = append(kClus, nk)
			added = true
		}
		if added {
			nk++
		}
	}
	var rDoc []string
	var rClus, rKey []int32
	nr := int32(0)
	for _, cl := range response {
		added := false
		for _, m := range cl {
			k := keyOf(m)
			e, ok := idx[k]
			if !ok {
				e.key = -1
			} else if e.resp {
				rep.ResponseDuplicates++
				continue
			}
			e.resp = true
			idx[k] = e
			rDoc = append(rDoc, m.Doc)
			rClus = append(rClus, nr)
			rKey = append(rKey, e.key)
			added = true
		}
		if added {
			nr++
		}
	}
	var parts []partition
	if opts.PerDocument {
		parts = splitByDocument(kDoc, kClus, rDoc, rClus, rKey)
	} else {
		parts = []partition{{kClus, rClus, rKey, int(nk), int(nr)}}
	}
	var tot corefCounts
	for _, p := range parts {
		tot.add(p.score())
	}
	rep.Documents = len(parts)
	rep.MUC = newCorefScore(tot.muc)
	rep.BCubed = newCorefScore(tot.b3)
	rep.CEAFm = newCorefScore(tot.ceafm)
	rep.CEAFe = newCorefScore(tot.ceafe)
	rep.BLANC = blanc(tot.blancC, tot.blancN)
	rep.CoNLL = (rep.MUC.F1 + rep.BCubed.F1 + rep.CEAFe.F1) / 3
	rep.Mentions = conllPRF(len(kClus), len(rClus), tot.matched)
	return rep
}

// blanc combines the coreference and non-coreference link counts with the
// scorer's rules.
func blanc(c, n [4]float64) BLANCScore {
	s := BLANCScore{Coref: newCorefScore(c), NonCoref: newCorefScore(n)}
	for i := range c {
		v := c[i] + n[i]
		switch i {
		case 0:
			s.RecallNum = v
		case 1:
			s.RecallDen = v
		case 2:
			s.PrecisionNum = v
		case 3:
			s.PrecisionDen = v
		}
	}
	switch {
	case c[1] == 0 && n[1] == 0:
	case c[1] == 0:
		s.Recall, s.Precision, s.F1 = s.NonCoref.Recall, s.NonCoref.Precision, s.NonCoref.F1
	case n[1] == 0:
		s.Recall, s.Precision, s.F1 = s.Coref.Recall, s.Coref.Precision, s.Coref.F1
	default:
		s.Recall = (s.Coref.Recall + s.NonCoref.Recall) / 2
		s.Precision = (s.Coref.Precision + s.NonCoref.Precision) / 2
		s.F1 = (s.Coref.F1 + s.NonCoref.F1) / 2
	}
	return s
}

// partition is one scoring unit (the whole input, or one document): the
// cluster of every key mention, and the cluster and key twin (or -1) of
// every response mention. Clusters are numbered 0..nKey-1 and 0..nResp-1.
type partition struct {
	keyClus, respClus, respKey []int32
	nKey, nResp                int
}

// splitByDocument cuts the mentions into one partition per document,
// renumbering clusters and mentions locally.
func splitByDocument(kDoc []string, kClus []int32, rDoc []string, rClus, rKey []int32) []partition {
	docs := newInterner()
	type local struct {
		p         partition
		kmap      map[int32]int32 // global key cluster -> local
		rmap      map[int32]int32
		kMentions map[int32]int32 // global key mention -> local
	}
	var ls []*local
	get := func(doc string) *local {
		d := docs.id(doc)
		for int(d) >= len(ls) {
			ls = append(ls, &local{kmap: map[int32]int32{}, rmap: map[int32]int32{}, kMentions: map[int32]int32{}})
		}
		return ls[d]
	}
	for i, c := range kClus {
		l := get(kDoc[i])
		lc, ok := l.kmap[c]
		if !ok {
			lc = int32(l.p.nKey)
			l.kmap[c] = lc
			l.p.nKey++
		}
		l.kMentions[int32(i)] = int32(len(l.p.keyClus))
		l.p.keyClus = append(l.p.keyClus, lc)
	}
	for i, c := range rClus {
		l := get(rDoc[i])
		lc, ok := l.rmap[c]
		if !ok {
			lc = int32(l.p.nResp)
			l.rmap[c] = lc
			l.p.nResp++
		}
		k := int32(-1)
		if rKey[i] >= 0 {
			k = l.kMentions[rKey[i]] // same document: the key includes it
		}
		l.p.respClus = append(l.p.respClus, lc)
		l.p.respKey = append(l.p.respKey, k)
	}
	out := make([]partition, len(ls))
	for i, l := range ls {
		out[i] = l.p
	}
	return out
}

// corefCounts are the raw numerators and denominators of one partition
// ([recall num, recall den, precision num, precision den]).
type corefCounts struct {
	muc, b3, ceafm, ceafe [4]float64
	blancC, blancN        [4]float64
	matched               int
}

func (c *corefCounts) add(o corefCounts) {
	for i := 0; i < 4; i++ {
		c.muc[i] += o.muc[i]
		c.b3[i] += o.b3[i]
		c.ceafm[i] += o.ceafm[i]
		c.ceafe[i] += o.ceafe[i]
		c.blancC[i] += o.blancC[i]
		c.blancN[i] += o.blancN[i]
	}
	c.matched += o.matched
}

// cell is one non-empty cell of the key x response contingency table.
type cell struct {
	k, r int32
	n    float64
}

func pairs(n float64) float64 { return n * (n - 1) / 2 }

// score computes all metrics of one partition.
func (p partition) score() corefCounts {
	var c corefCounts
	kSize := make([]float64, p.nKey)
	for _, k := range p.keyClus {
		kSize[k]++
	}
	rSize := make([]float64, p.nResp)
	for _, r := range p.respClus {
		rSize[r]++
	}
	idx := map[[2]int32]int{}
	var cells []cell
	kCommon := make([]float64, p.nKey) // a_K: mentions of K also in the response
	rCommon := make([]float64, p.nResp)
	for i, km := range p.respKey {
		if km < 0 {
			continue
		}
		c.matched++
		kc, rc := p.keyClus[km], p.respClus[i]
		kCommon[kc]++
		rCommon[rc]++
		key := [2]int32{kc, rc}
		j, ok := idx[key]
		if !ok {
			j = len(cells)
			idx[key] = j
			cells = append(cells, cell{kc, rc, 0})
		}
		cells[j].n++
	}
	nKeyM, nRespM := float64(len(p.keyClus)), float64(len(p.respClus))
	var keyLinks, respLinks, keyPairs, respPairs float64
	for _, s := range kSize {
		keyLinks += s - 1
		keyPairs += pairs(s)
	}
	for _, s := range rSize {
		respLinks += s - 1
		respPairs += pairs(s)
	}
	var mucCorrect, b3r, b3p, corrC float64
	for _, x := range cells {
		mucCorrect += x.n - 1
		b3r += x.n * x.n / kSize[x.k]
		b3p += x.n * x.n / rSize[x.r]
		corrC += pairs(x.n)
	}
	c.muc = [4]float64{mucCorrect, keyLinks, mucCorrect, respLinks}
	c.b3 = [4]float64{b3r, nKeyM, b3p, nRespM}
	phiM, phiE := ceaf(cells, kSize, rSize, p.nKey, p.nResp)
	c.ceafm = [4]float64{phiM, nKeyM, phiM, nRespM}
	c.ceafe = [4]float64{phiE, float64(p.nKey), phiE, float64(p.nResp)}
	// BLANC: links among the mentions both sides have.
	corrN := pairs(float64(c.matched)) + corrC
	for _, a := range kCommon {
		corrN -= pairs(a)
	}
	for _, b := range rCommon {
		corrN -= pairs(b)
	}
	c.blancC = [4]float64{corrC, keyPairs, corrC, respPairs}
	c.blancN = [4]float64{corrN, pairs(nKeyM) - keyPairs, corrN, pairs(nRespM) - respPairs}
	return c
}

// ceaf returns the total CEAF-m and CEAF-e similarity of the optimal
// one-to-one alignments. Clusters that share no mention have similarity 0,
// so the assignment is solved separately on each connected group of the
// bipartite "shares a mention" graph.
func ceaf(cells []cell, kSize, rSize []float64, nKey, nResp int) (phiM, phiE float64) {
	parent := make([]int32, nKey+nResp)
	for i := range parent {
		parent[i] = int32(i)
	}
	var find func(int32) int32
	find = func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, x := range cells {
		a, b := find(x.k), find(int32(nKey)+x.r)
		if a != b {
			parent[a] = b
		}
	}
	groups := map[int32][]int{} // root -> cell indices
	for i, x := range cells {
		root := find(x.k)
		groups[root] = append(groups[root], i)
	}
	for _, g := range groups {
		if len(g) == 1 {
			x := cells[g[0]]
			phiM += x.n
			phiE += 2 * x.n / (kSize[x.k] + rSize[x.r])
			continue
		}
		ks, rs := map[int32]int{}, map[int32]int{}
		for _, i := range g {
			if _, ok := ks[cells[i].k]; !ok {
				ks[cells[i].k] = len(ks)
			}
			if _, ok := rs[cells[i].r]; !ok {
				rs[cells[i].r] = len(rs)
			}
		}
		wm, we := make([][]float64, len(ks)), make([][]float64, len(ks))
		for i := range wm {
			wm[i], we[i] = make([]float64, len(rs)), make([]float64, len(rs))
		}
		for _, i := range g {
			x := cells[i]
			a, b := ks[x.k], rs[x.r]
			wm[a][b] = x.n
			we[a][b] = 2 * x.n / (kSize[x.k] + rSize[x.r])
		}
		_, m := MaxWeightAssignment(wm)
		_, e := MaxWeightAssignment(we)
		phiM += m
		phiE += e
	}
	return phiM, phiE
}

// CorefClusters turns the clusters of one kind ("entity", "event" or
// "claim") among annotations into mention keys for [ScoreCoref]. Members
// are looked up by annotation id among anns (ids must be unique there, as
// store ids are); a member that is missing or has no span is skipped and
// counted in unresolved. With singletons, every annotation of the member
// kind (mentions for "entity", events for "event", claims for "claim") that
// is in no cluster of that kind becomes a cluster of its own, so that
// annotators need not create one-member clusters.
func CorefClusters(anns []scholia.Annotation, kind string, singletons bool) (clusters [][]MentionKey, unresolved int) {
	memberKind := scholia.ClusterKinds[kind]
	byID := make(map[int64]*scholia.Annotation, len(anns))
	for i := range anns {
		byID[anns[i].ID] = &anns[i]
	}
	inCluster := map[int64]bool{}
	for i := range anns {
		a := &anns[i]
		if a.Kind != scholia.KindCluster || a.Label != kind || a.Cluster == nil {
			continue
		}
		var cl []MentionKey
		for _, id := range a.Cluster.Members {
			m, ok := byID[id]
			if !ok || len(m.Spans) == 0 || m.Kind != memberKind {
				unresolved++
				continue
			}
			inCluster[id] = true
			cl = append(cl, MentionKeyOf(m.Document, m.Spans))
		}
		if len(cl) > 0 {
			clusters = append(clusters, cl)
		}
	}
	if singletons {
		for i := range anns {
			a := &anns[i]
			if a.Kind == memberKind && memberKind != scholia.KindUnspecified && len(a.Spans) > 0 && !inCluster[a.ID] {
				clusters = append(clusters, []MentionKey{MentionKeyOf(a.Document, a.Spans)})
			}
		}
	}
	return clusters, unresolved
}
