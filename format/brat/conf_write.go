package brat

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/scholia-nlp/scholia"
)

// WriteConf writes a schema as a brat annotation.conf with the default
// claim mapping. See WriteConfWith.
func WriteConf(w io.Writer, s *scholia.Schema) error {
	return WriteConfWith(w, s, ConfOptions{})
}

// WriteConfWith writes a schema as a brat annotation.conf that brat accepts
// for every document Write produces from annotations valid under the
// schema, and that ParseConfWith reads back into the same schema apart from
// what annotation.conf cannot say: descriptions and the schema's name.
//
// Roles are written with the cardinality "*" (any number), since scholia
// does not limit it; a role that takes any filler is written
// <ENTITY>|<EVENT>. When the schema has claim types, stances or
// check-worthiness values, the claim event type (with its Source, Content
// and Cue roles and the content and cue entity types) and the claim.*
// attributes are written. Equiv equivalences over entities and over
// events, for clusters, and an <OVERLAP> line allowing any overlap, as scholia does,
// are added. Free-text attributes (without a value list), which brat
// cannot declare, are written as "#scholia:free-attribute" comment lines
// that brat ignores and ParseConfWith reads.
func WriteConfWith(w io.Writer, s *scholia.Schema, opts ConfOptions) error {
	if s == nil {
		return fmt.Errorf("brat: no schema")
	}
	m := opts.Claims.withDefaults()
	claims := len(s.ClaimTypes)+len(s.ClaimStances)+len(s.CheckWorthinessValues) > 0
	bw := bufio.NewWriter(w)
	name := s.Name
	if name == "" {
		name = "(unnamed)"
	}
	fmt.Fprintf(bw, "# annotation.conf for the scholia schema %s.\n", name)
	if claims {
		fmt.Fprintf(bw, "# Claims are %s events: the trigger is the cue, %s the claim's span, %s the claimant.\n", m.EventType, m.Content, m.Source)
	}
	bw.WriteString("\n[entities]\n")
	for _, e := range s.EntityTypes {
		if strings.ContainsAny(e.Name, " \t\n") {
			return fmt.Errorf("brat: entity type %q contains white space", e.Name)
		}
		fmt.Fprintln(bw, e.Name)
	}
	if claims {
		fmt.Fprintln(bw, m.ContentType)
		if m.CueType != m.ContentType {
			fmt.Fprintln(bw, m.CueType)
		}
	}
	kindTypes := func(ks []scholia.Kind, any string) string {
		if len(ks) == 0 {
			return any
		}
		var out []string
		for _, k := range ks {
			switch k {
			case scholia.KindMention:
				out = append(out, "<ENTITY>")
			case scholia.KindEvent:
				out = append(out, "<EVENT>")
			case scholia.KindClaim:
				out = append(out, m.EventType)
			case scholia.KindRelation:
				out = append(out, "<RELATION>")
			}
		}
		return strings.Join(out, "|")
	}
	bw.WriteString("\n[relations]\n")
	for _, r := range s.RelationTypes {
		fmt.Fprintf(bw, "%s\tArg1:%s, Arg2:%s\n", r.Name, kindTypes(r.SourceKinds, "<ANY>"), kindTypes(r.TargetKinds, "<ANY>"))
	}
	bw.WriteString("Equiv\tArg1:<ENTITY>, Arg2:<ENTITY>, <REL-TYPE>:symmetric-transitive\n")
	bw.WriteString("Equiv\tArg1:<EVENT>, Arg2:<EVENT>, <REL-TYPE>:symmetric-transitive\n")
	bw.WriteString("<OVERLAP>\tArg1:<ANY>, Arg2:<ANY>, <OVL-TYPE>:<ANY>\n")
	bw.WriteString("\n[events]\n")
	for _, e := range s.EventTypes {
		var roles []string
		for _, r := range e.Roles {
			f := "<ENTITY>|<EVENT>"
			if len(r.FillerTypes) > 0 {
				f = strings.Join(r.FillerTypes, "|")
			}
			roles = append(roles, r.Name+"*:"+f)
		}
		if len(roles) == 0 {
			fmt.Fprintln(bw, e.Name)
		} else {
			fmt.Fprintf(bw, "%s\t%s\n", e.Name, strings.Join(roles, ", "))
		}
	}
	if claims {
		fmt.Fprintf(bw, "%s\t%s?:<ENTITY>, %s?:%s, %s?:%s\n", m.EventType, m.Source, m.Content, m.ContentType, m.Cue, m.CueType)
	}
	bw.WriteString("\n[attributes]\n")
	for _, a := range s.Attributes {
		arg := kindTypes(slices.DeleteFunc(slices.Clone(a.AppliesTo), func(k scholia.Kind) bool { return k == scholia.KindCluster }), "<ENTITY>|<EVENT>|<RELATION>")
		switch {
		case len(a.Values) == 0:
			fmt.Fprintf(bw, "%s%s\tArg:%s\n", freeAttrComment, a.Name, arg)
		case slices.Equal(a.Values, []string{"true"}):
			fmt.Fprintf(bw, "%s\tArg:%s\n", a.Name, arg)
		default:
			fmt.Fprintf(bw, "%s\tArg:%s, Value:%s\n", a.Name, arg, strings.Join(a.Values, "|"))
		}
	}
	for _, c := range []struct {
		name   string
		values []string
	}{{AttrClaimType, s.ClaimTypes}, {AttrStance, s.ClaimStances}, {AttrCheckWorthiness, s.CheckWorthinessValues}} {
		if len(c.values) > 0 {
			fmt.Fprintf(bw, "%s\tArg:%s, Value:%s\n", c.name, m.EventType, strings.Join(c.values, "|"))
		}
	}
	return bw.Flush()
}
