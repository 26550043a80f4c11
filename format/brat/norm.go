package brat

import (
	"fmt"
	"slices"

	"github.com/scholia-nlp/scholia"
)

// ClustersFromNorms links mentions that share an entity id across the
// documents of a corpus, which brat cannot express (its "*" equivalences
// stay within one file): every set of two or more mentions of one annotator
// whose normalizations (AttrNorm, "norm#2", ...) name the same "RID:EID"
// becomes an entity cluster. The cluster's title is the normalization text
// ("norm.text") of its first member that has one, else the reference.
// Clusters get ids from firstID on, in order of first appearance.
//
// Mention ids must be unique across docs (read each document with its own
// ReadOptions.FirstID range), else the clusters would be ambiguous and an
// error is returned.
func ClustersFromNorms(docs []scholia.AnnotatedDocument, firstID int64) ([]scholia.Annotation, error) {
	type key struct{ annotator, ref string }
	idx := map[key]int{}
	seen := map[int64]string{}
	var out []scholia.Annotation
	for _, d := range docs {
		for i := range d.Annotations {
			a := &d.Annotations[i]
			if a.Kind == scholia.KindCluster {
				continue
			}
			if doc, dup := seen[a.ID]; dup {
				return nil, fmt.Errorf("annotation id %d occurs in documents %q and %q: give each document its own id range", a.ID, doc, d.Document.ID)
			}
			seen[a.ID] = d.Document.ID
			if a.Kind != scholia.KindMention {
				continue
			}
			keys := make([]string, 0, len(a.Attributes))
			for k := range a.Attributes {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				v := a.Attributes[k]
				if base, _ := numbered(k); base != AttrNorm || !validRef(v) {
					continue
				}
				kk := key{a.Annotator, v}
				j, ok := idx[kk]
				if !ok {
					j = len(out)
					idx[kk] = j
					out = append(out, scholia.Annotation{Project: d.Document.Project, Annotator: a.Annotator, Kind: scholia.KindCluster, Label: "entity",
						Cluster: &scholia.ClusterFields{Title: a.Attributes[k+".text"]}})
					if out[j].Cluster.Title == "" {
						out[j].Cluster.Title = v
					}
				}
				c := out[j].Cluster
				if n := len(c.Members); n == 0 || c.Members[n-1] != a.ID {
					c.Members = append(c.Members, a.ID)
				}
			}
		}
	}
	clusters := out[:0]
	for _, c := range out {
		if len(c.Cluster.Members) >= 2 {
			c.ID = firstID
			firstID++
			clusters = append(clusters, c)
		}
	}
	return clusters, nil
}
