package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/scholia-nlp/scholia"
)

// Tests of the workflow: members, settings, assignments, copies with
// provenance, decisions, versions and activity.

// meet makes a Contact.Meet event "met" of d1 in a layer.
func meet(t *testing.T, annotator string, args ...scholia.Argument) scholia.Annotation {
	return scholia.Annotation{Project: "news", Document: "d1", Annotator: annotator, Kind: scholia.KindEvent,
		Label: "Contact.Meet", Spans: []scholia.Span{span(t, text1, "met", 0)}, Arguments: args}
}

var workflowTests = []test{
	{"Members", func(t *testing.T, s scholia.Store) {
		setup(t, s)
		_, err := s.GetMember(ctx, "news", "alice")
		wantReason(t, err, scholia.CodeNotFound, "MEMBER_NOT_FOUND")
		_, err = s.GetMember(ctx, "nope", "alice")
		wantCode(t, err, scholia.CodeNotFound)
		m, err := s.AddMember(ctx, curator, scholia.Member{Project: "news", User: "alice"})
		must(t, err)
		if m.Role != scholia.MemberAnnotator || m.Rev != revision(t, s) || m.UpdateTime.IsZero() {
			t.Fatalf("AddMember = %+v", m)
		}
		_, err = s.AddMember(ctx, curator, scholia.Member{Project: "news", User: "bob", Role: scholia.MemberModel})
		must(t, err)
		_, err = s.AddMember(ctx, curator, scholia.Member{Project: "news", User: "zed"})
		wantCode(t, err, scholia.CodeNotFound)
		_, err = s.AddMember(ctx, curator, scholia.Member{Project: "news", User: scholia.GoldAnnotator})
		wantCode(t, err, scholia.CodeInvalid)
		_, err = s.AddMember(ctx, curator, scholia.Member{Project: "nope", User: "alice"})
		wantCode(t, err, scholia.CodeNotFound)
		got, err := s.GetMember(ctx, "news", "bob")
		must(t, err)
		if got.Role != scholia.MemberModel || got.Project != "news" || got.User != "bob" {
			t.Fatalf("GetMember = %+v", got)
		}
		ms, err := s.ListMembers(ctx, "news")
		must(t, err)
		if len(ms) != 2 || ms[0].User != "alice" || ms[1].User != "bob" {
			t.Fatalf("ListMembers = %+v", ms)
		}
		_, err = s.CreateProject(ctx, curator, scholia.Project{ID: "other"})
		must(t, err)
		ps, err := s.ListMemberProjects(ctx, "alice", "", 10)
		must(t, err)
		if len(ps) != 1 || ps[0].ID != "news" {
			t.Fatalf("ListMemberProjects = %+v", ps)
		}
		must(t, s.RemoveMember(ctx, curator, "news", "alice"))
		wantCode(t, s.RemoveMember(ctx, curator, "news", "alice"), scholia.CodeNotFound)
		ps, err = s.ListMemberProjects(ctx, "alice", "", 10)
		must(t, err)
		if len(ps) != 0 {
			t.Fatalf("after RemoveMember: %+v", ps)
		}
	}},
	{"Settings", func(t *testing.T, s scholia.Store) {
		setup(t, s)
		ws, err := s.GetWorkflowSettings(ctx, "news")
		must(t, err)
		if !ws.BlindAnnotation || ws.Rev != 0 {
			t.Fatalf("defaults: %+v", ws)
		}
		ws.BlindAnnotation = false
		out, err := s.SetWorkflowSettings(ctx, curator, ws, 0)
		must(t, err)
		if out.BlindAnnotation || out.Rev != revision(t, s) {
			t.Fatalf("SetWorkflowSettings = %+v", out)
		}
		_, err = s.SetWorkflowSettings(ctx, curator, ws, out.Rev-1)
		wantReason(t, err, scholia.CodeAborted, "STALE_ETAG")
		got, err := s.GetWorkflowSettings(ctx, "news")
		must(t, err)
		if got.BlindAnnotation || got.Rev != out.Rev {
			t.Fatalf("read back: %+v", got)
		}
		_, err = s.GetWorkflowSettings(ctx, "nope")
		wantCode(t, err, scholia.CodeNotFound)
	}},
	{"Assignments", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		f.doc("d3", "Third.")
		_, err := s.CreateUser(ctx, scholia.User{Name: "dan", Role: scholia.RoleAnnotator})
		must(t, err)
		as, err := s.Assign(ctx, curator, "news", []scholia.Assignment{{Document: "d2", Annotator: "alice"}})
		must(t, err)
		if len(as) != 1 || as[0].AssignedBy != "carol" || as[0].Rev != f.rev() {
			t.Fatalf("Assign = %+v", as)
		}
		if m, err := s.GetMember(ctx, "news", "alice"); err != nil || m.Role != scholia.MemberAnnotator {
			t.Fatalf("assigning does not make a member: %+v, %v", m, err)
		}
		as, err = s.Assign(ctx, curator, "news", []scholia.Assignment{{Document: "d2", Annotator: "alice"}})
		must(t, err)
		if len(as) != 0 {
			t.Fatalf("assigning twice made %+v", as)
		}
		_, err = s.Assign(ctx, curator, "news", []scholia.Assignment{{Document: "d9", Annotator: "alice"}})
		wantCode(t, err, scholia.CodeNotFound)
		_, err = s.Assign(ctx, curator, "news", []scholia.Assignment{{Document: "d1", Annotator: "zed"}})
		wantCode(t, err, scholia.CodeNotFound)
		_, err = s.Spread(ctx, curator, "news", 4, []string{"alice", "bob", "dan"}, nil)
		wantReason(t, err, scholia.CodeFailedPrecondition, "TOO_FEW_ANNOTATORS")
		// alice has d2 already: the least loaded go first, ties by name.
		as, err = s.Spread(ctx, curator, "news", 2, []string{"alice", "bob", "dan"}, nil)
		must(t, err)
		var got []string
		for _, a := range as {
			got = append(got, a.Document+":"+a.Annotator)
		}
		equal(t, "spread", got, []string{"d1:bob", "d1:dan", "d2:bob", "d3:alice", "d3:dan"})
		_, err = s.SetLayerStatus(ctx, alice, "news", "d2", "alice", scholia.LayerDone, 0)
		must(t, err)
		f.create(alice, mention(t, "d2", text2, "alice", "PER", "Zo\u00eb", 0))
		all, err := s.ListAssignments(ctx, scholia.AssignmentFilter{Project: "news", Annotator: "alice"})
		must(t, err)
		if len(all) != 2 || all[0].Document != "d2" || all[0].Status != scholia.LayerDone || all[0].AnnotationCount != 1 ||
			all[1].Document != "d3" || all[1].Status != scholia.LayerInProgress {
			t.Fatalf("alice's assignments: %+v", all)
		}
		open, err := s.ListAssignments(ctx, scholia.AssignmentFilter{Project: "news", Annotator: "alice", OpenOnly: true})
		must(t, err)
		if len(open) != 1 || open[0].Document != "d3" {
			t.Fatalf("alice's queue: %+v", open)
		}
		must(t, s.Unassign(ctx, curator, "news", "d3", "alice"))
		wantCode(t, s.Unassign(ctx, curator, "news", "d3", "alice"), scholia.CodeNotFound)
		byDoc, err := s.ListAssignments(ctx, scholia.AssignmentFilter{Project: "news", Document: "d1"})
		must(t, err)
		if len(byDoc) != 2 || byDoc[0].Annotator != "bob" || byDoc[1].Annotator != "dan" {
			t.Fatalf("d1's assignments: %+v", byDoc)
		}
		// Removing a member ends their assignments.
		must(t, s.RemoveMember(ctx, curator, "news", "bob"))
		byDoc, err = s.ListAssignments(ctx, scholia.AssignmentFilter{Project: "news", Annotator: "bob"})
		must(t, err)
		if len(byDoc) != 0 {
			t.Fatalf("bob's assignments after removal: %+v", byDoc)
		}
	}},
	{"CopyWithProvenance", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		a := f.create(alice, mention(t, "d1", text1, "alice", "PER", "Obama", 0), mention(t, "d1", text1, "alice", "PER", "Putin", 0),
			meet(t, "alice", arg("Entity", -1), arg("Entity", -2)))
		b := f.create(bob, mention(t, "d1", text1, "bob", "PER", "Obama", 0), mention(t, "d1", text1, "bob", "ORG", "Putin", 0))
		// Copying the event copies its arguments; bob's Obama agrees with
		// alice's and is recorded with it.
		out, err := s.CopyAnnotations(ctx, curator, "news", scholia.GoldAnnotator, []scholia.CopyItem{
			{Source: a[0].ID, SourceRev: a[0].Rev, DerivedFrom: []int64{b[0].ID}}, {Source: a[2].ID}})
		must(t, err)
		if len(out) != 3 {
			t.Fatalf("copied %s", show(out))
		}
		g0, g1, g2 := out[0], out[1], out[2]
		if g0.Annotator != scholia.GoldAnnotator || g0.Label != "PER" || !slices.Equal(g0.DerivedFrom, []int64{a[0].ID, b[0].ID}) ||
			g1.Spans[0].Text != "Putin" || !slices.Equal(g1.DerivedFrom, []int64{a[1].ID}) ||
			g2.Kind != scholia.KindEvent || !slices.Equal(g2.DerivedFrom, []int64{a[2].ID}) ||
			!slices.Equal(g2.Arguments, []scholia.Argument{arg("Entity", g0.ID), arg("Entity", g1.ID)}) || g2.UpdateUser != "carol" {
			t.Fatalf("copied %s", show(out))
		}
		got, err := s.GetAnnotation(ctx, g2.ID)
		must(t, err)
		sameAnnotation(t, "read back", got, g2)
		list := listAll(t, s, scholia.AnnotationFilter{Project: "news", Annotators: []string{scholia.GoldAnnotator}}, 10, 0)
		sameAnnotations(t, "gold", list, out)
		// A second copy of the same source is refused; a stale etag too.
		_, err = s.CopyAnnotations(ctx, curator, "news", scholia.GoldAnnotator, []scholia.CopyItem{{Source: a[0].ID}})
		wantReason(t, err, scholia.CodeFailedPrecondition, "ALREADY_COPIED")
		_, err = s.CopyAnnotations(ctx, curator, "news", scholia.GoldAnnotator, []scholia.CopyItem{{Source: b[1].ID, SourceRev: b[1].Rev - 1}})
		wantReason(t, err, scholia.CodeAborted, "STALE_ETAG")
		// bob's ORG Putin is copied as a new annotation (another label).
		// bob's Obama, whose key gold has, is linked to g0 instead.
		out, err = s.CopyAnnotations(ctx, curator, "news", "alice", []scholia.CopyItem{{Source: b[0].ID}})
		must(t, err)
		if len(out) != 1 || out[0].ID != a[0].ID || !slices.Equal(out[0].DerivedFrom, []int64{b[0].ID}) {
			t.Fatalf("linking: %s", show(out))
		}
		// Decisions: rejected and copied.
		must(t, s.Reject(ctx, curator, "news", scholia.GoldAnnotator, []int64{b[1].ID}))
		err = s.Reject(ctx, curator, "news", scholia.GoldAnnotator, []int64{a[0].ID})
		wantReason(t, err, scholia.CodeFailedPrecondition, "ALREADY_COPIED")
		ds, err := s.Decisions(ctx, "news", scholia.GoldAnnotator, []int64{a[0].ID, b[0].ID, a[1].ID, b[1].ID})
		must(t, err)
		equal(t, "decisions", ds, map[int64]scholia.Decision{
			a[0].ID: {Source: a[0].ID, Derived: []int64{g0.ID}}, b[0].ID: {Source: b[0].ID, Derived: []int64{g0.ID}},
			a[1].ID: {Source: a[1].ID, Derived: []int64{g1.ID}}, b[1].ID: {Source: b[1].ID, Rejected: true}})
		// Copying clears a rejection.
		out, err = s.CopyAnnotations(ctx, curator, "news", scholia.GoldAnnotator, []scholia.CopyItem{{Source: b[1].ID}})
		must(t, err)
		ds, err = s.Decisions(ctx, "news", scholia.GoldAnnotator, []int64{b[1].ID})
		must(t, err)
		equal(t, "decision after copy", ds, map[int64]scholia.Decision{b[1].ID: {Source: b[1].ID, Derived: []int64{out[0].ID}}})
		// Counts per label of bob's layer, as a model's suggestions.
		ld, err := s.LabelDecisions(ctx, "news", "bob")
		must(t, err)
		equal(t, "label decisions", ld, []scholia.LabelDecisions{
			{Kind: scholia.KindMention, Label: "ORG", Current: 1, Accepted: 1}, // the copy cleared the rejection
			{Kind: scholia.KindMention, Label: "PER", Current: 1, Accepted: 2}})
		// Relations and clusters are not copied.
		c := f.create(alice, scholia.Annotation{Project: "news", Annotator: "alice", Kind: scholia.KindCluster, Label: "entity",
			Cluster: &scholia.ClusterFields{Members: []int64{a[0].ID}}})
		_, err = s.CopyAnnotations(ctx, curator, "news", scholia.GoldAnnotator, []scholia.CopyItem{{Source: c[0].ID}})
		wantReason(t, err, scholia.CodeFailedPrecondition, "NOT_COPYABLE")
	}},
	{"VersionsAndActivity", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		m := f.create(alice, mention(t, "d1", text1, "alice", "PER", "Obama", 0))[0]
		up, err := s.UpdateAnnotation(ctx, bob, m.ID, m.Rev, func(a *scholia.Annotation) error { a.Label = "ORG"; return nil })
		must(t, err)
		del, err := s.DeleteAnnotation(ctx, curator, m.ID, up.Rev)
		must(t, err)
		vs, err := s.AnnotationVersions(ctx, m.ID)
		must(t, err)
		if len(vs) != 2 {
			t.Fatalf("%d versions", len(vs))
		}
		v0, v1 := vs[0], vs[1]
		if v0.Annotation.Label != "PER" || v0.Annotation.Rev != m.Rev || v0.Annotation.UpdateUser != "alice" || v0.DeleteRev != 0 ||
			v1.Annotation.Label != "ORG" || v1.Annotation.Rev != up.Rev || v1.Annotation.UpdateUser != "bob" ||
			v1.DeleteRev != del || v1.DeleteUser != "carol" || v1.DeleteTime.IsZero() {
			t.Fatalf("versions %+v", vs)
		}
		_, err = s.AnnotationVersions(ctx, m.ID+100)
		wantCode(t, err, scholia.CodeNotFound)
		f.create(bob, mention(t, "d1", text1, "bob", "PER", "Putin", 0))
		_, err = s.SetLayerStatus(ctx, bob, "news", "d1", "bob", scholia.LayerDone, 0)
		must(t, err)
		_, err = s.Assign(ctx, curator, "news", []scholia.Assignment{{Document: "d1", Annotator: "bob"}, {Document: "d2", Annotator: "bob"}})
		must(t, err)
		act, err := s.Activity(ctx, "news")
		must(t, err)
		var got []string
		for _, a := range act {
			var created, done int64
			for _, h := range a.Hours {
				created += h.AnnotationsCreated
				done += h.DocumentsDone
			}
			got = append(got, fmt.Sprintf("%s %d %d %d %d %d", a.Annotator, a.AnnotationsCreated, a.DocumentsDone, a.DocumentsAssigned, created, done))
		}
		equal(t, "activity", got, []string{"alice 1 0 0 1 0", "bob 1 1 2 1 1"})
	}},
}
