package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/scholia-nlp/scholia"
)

// smallSchema is a schema with two entity types and one event type.
func smallSchema() *scholia.Schema {
	return &scholia.Schema{
		Name:        "small",
		EntityTypes: []scholia.EntityType{{Name: "PER"}, {Name: "GPE"}},
		EventTypes: []scholia.EventType{{Name: "Meet", Roles: []scholia.RoleDefinition{
			{Name: "Entity", FillerTypes: []string{"PER"}}, {Name: "Place", FillerTypes: []string{"GPE"}}}}},
		ClaimStances: []string{"asserts"},
	}
}

var projectTests = []test{
	{"CreateAndGet", func(t *testing.T, s scholia.Store) {
		p, err := s.CreateProject(ctx, curator, scholia.Project{ID: "news", Title: "News", Description: "wire stories"})
		must(t, err)
		if p.ID != "news" || p.Title != "News" || p.Description != "wire stories" || p.SchemaVersion != 1 {
			t.Fatalf("CreateProject = %+v", p)
		}
		if p.Rev != revision(t, s) || p.Rev == 0 {
			t.Fatalf("Rev = %d, store revision %d", p.Rev, revision(t, s))
		}
		if p.CreateTime.IsZero() || !p.UpdateTime.Equal(p.CreateTime) {
			t.Fatalf("times: %v, %v", p.CreateTime, p.UpdateTime)
		}
		equal(t, "default schema", p.Schema, scholia.NewsSchema())
		got, err := s.GetProject(ctx, "news")
		must(t, err)
		equal(t, "GetProject schema", got.Schema, scholia.NewsSchema())
		if got.ID != p.ID || got.Title != p.Title || got.Rev != p.Rev || got.SchemaVersion != 1 || !got.CreateTime.Equal(p.CreateTime) {
			t.Fatalf("GetProject = %+v, created %+v", got, p)
		}
		small, err := s.CreateProject(ctx, curator, scholia.Project{ID: "small", Schema: smallSchema()})
		must(t, err)
		equal(t, "given schema", small.Schema, smallSchema())

		_, err = s.CreateProject(ctx, curator, scholia.Project{ID: "news"})
		wantCode(t, err, scholia.CodeAlreadyExists)
		_, err = s.GetProject(ctx, "nothing")
		wantCode(t, err, scholia.CodeNotFound)
		_, err = s.CreateProject(ctx, curator, scholia.Project{ID: "bad id"})
		wantFields(t, err, "project.id")
		bad := smallSchema()
		bad.EntityTypes = append(bad.EntityTypes, scholia.EntityType{Name: "PER"})
		_, err = s.CreateProject(ctx, curator, scholia.Project{ID: "bad", Schema: bad})
		wantFields(t, err, "project.schema.entity_types[2].name")
		_, err = s.GetProject(ctx, "bad")
		wantCode(t, err, scholia.CodeNotFound)
	}},
	{"ListPagination", func(t *testing.T, s scholia.Store) {
		for _, id := range []string{"p4", "p2", "p5", "p1", "p3"} {
			_, err := s.CreateProject(ctx, curator, scholia.Project{ID: id, Title: "T" + id})
			must(t, err)
		}
		var got []string
		var pages int
		for after := ""; ; pages++ {
			page, err := s.ListProjects(ctx, after, 2)
			must(t, err)
			for _, p := range page {
				if p.Schema != nil {
					t.Fatalf("ListProjects returned a schema for %s", p.ID)
				}
				if p.Title != "T"+p.ID || p.SchemaVersion != 1 || p.Rev == 0 {
					t.Fatalf("listed %+v", p)
				}
				got = append(got, p.ID)
			}
			if len(page) < 2 {
				break
			}
			after = page[len(page)-1].ID
		}
		equal(t, "listed projects", got, []string{"p1", "p2", "p3", "p4", "p5"})
		if pages != 2 {
			t.Fatalf("%d full pages, want 2", pages)
		}
	}},
	{"UpdateWithEtag", func(t *testing.T, s scholia.Store) {
		p, err := s.CreateProject(ctx, curator, scholia.Project{ID: "news", Title: "old"})
		must(t, err)
		u, err := s.UpdateProject(ctx, curator, "news", p.Rev, func(p *scholia.Project) error {
			p.Title = "new"
			return nil
		})
		must(t, err)
		if u.Title != "new" || u.Rev <= p.Rev || u.Rev != revision(t, s) || u.SchemaVersion != 1 || !u.CreateTime.Equal(p.CreateTime) {
			t.Fatalf("UpdateProject = %+v", u)
		}
		equal(t, "schema after a title change", u.Schema, scholia.NewsSchema())
		rev := revision(t, s)
		_, err = s.UpdateProject(ctx, curator, "news", p.Rev, func(p *scholia.Project) error {
			p.Title = "lost update"
			return nil
		})
		e := wantReason(t, err, scholia.CodeAborted, "STALE_ETAG")
		wantContains(t, "message", e.Message, fmt.Sprint(u.Rev))
		if revision(t, s) != rev {
			t.Fatal("a refused update took a revision")
		}
		_, err = s.UpdateProject(ctx, curator, "news", 0, func(p *scholia.Project) error {
			p.ID = "renamed"
			return nil
		})
		wantFields(t, err, "project.id")
		got, err := s.GetProject(ctx, "news")
		must(t, err)
		if got.Title != "new" || got.Rev != u.Rev {
			t.Fatalf("after refused updates: %+v", got)
		}
		// etag 0 updates unconditionally.
		u2, err := s.UpdateProject(ctx, curator, "news", 0, func(p *scholia.Project) error {
			p.Description = "d"
			return nil
		})
		must(t, err)
		if u2.Title != "new" || u2.Description != "d" {
			t.Fatalf("unconditional update = %+v", u2)
		}
		_, err = s.UpdateProject(ctx, curator, "nothing", 0, func(p *scholia.Project) error { return nil })
		wantCode(t, err, scholia.CodeNotFound)
	}},
	{"SchemaChange", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		m := f.create(alice, mention(t, "d1", text1, "alice", "GPE", "Aleppo", 0))[0]
		p, err := s.GetProject(ctx, "news")
		must(t, err)
		rev := f.rev()
		// Dropping GPE would invalidate the mention.
		_, err = s.UpdateProject(ctx, curator, "news", p.Rev, func(p *scholia.Project) error {
			p.Schema.EntityTypes = slices.DeleteFunc(p.Schema.EntityTypes, func(e scholia.EntityType) bool { return e.Name == "GPE" })
			for i := range p.Schema.EventTypes {
				for j := range p.Schema.EventTypes[i].Roles {
					r := &p.Schema.EventTypes[i].Roles[j]
					r.FillerTypes = slices.DeleteFunc(r.FillerTypes, func(s string) bool { return s == "GPE" })
				}
			}
			return nil
		})
		e := wantReason(t, err, scholia.CodeFailedPrecondition, "SCHEMA_REJECTS_ANNOTATIONS")
		wantContains(t, "message", e.Message, fmt.Sprintf("mention %d", m.ID), "mention.label")
		if f.rev() != rev {
			t.Fatal("a refused schema change took a revision")
		}
		got, err := s.GetProject(ctx, "news")
		must(t, err)
		if got.SchemaVersion != 1 || !slices.ContainsFunc(got.Schema.EntityTypes, func(e scholia.EntityType) bool { return e.Name == "GPE" }) {
			t.Fatalf("the refused schema was stored: version %d", got.SchemaVersion)
		}
		// An invalid schema is refused with its field paths.
		_, err = s.UpdateProject(ctx, curator, "news", 0, func(p *scholia.Project) error {
			p.Schema.ClaimStances = append(p.Schema.ClaimStances, "asserts")
			return nil
		})
		wantFields(t, err, "project.schema.claim_stances[5]")
		// Adding a type keeps every annotation valid.
		u, err := s.UpdateProject(ctx, curator, "news", p.Rev, func(p *scholia.Project) error {
			p.Schema.EntityTypes = append(p.Schema.EntityTypes, scholia.EntityType{Name: "EVENT-NAME"})
			return nil
		})
		must(t, err)
		if u.SchemaVersion != 2 || u.Rev != f.rev() {
			t.Fatalf("after adding a type: version %d, rev %d", u.SchemaVersion, u.Rev)
		}
		got, err = s.GetProject(ctx, "news")
		must(t, err)
		if got.SchemaVersion != 2 || got.Schema.EntityTypes[len(got.Schema.EntityTypes)-1].Name != "EVENT-NAME" {
			t.Fatalf("GetProject after the schema change: version %d", got.SchemaVersion)
		}
		// The new type is usable at once.
		f.create(alice, mention(t, "d1", text1, "alice", "EVENT-NAME", "the war", 0))
		// Once the mention is gone, GPE can be dropped.
		_, err = s.DeleteAnnotation(ctx, alice, m.ID, m.Rev)
		must(t, err)
		u, err = s.UpdateProject(ctx, curator, "news", 0, func(p *scholia.Project) error {
			p.Schema = smallSchema()
			p.Schema.EntityTypes = append(p.Schema.EntityTypes, scholia.EntityType{Name: "EVENT-NAME"})
			return nil
		})
		must(t, err)
		if u.SchemaVersion != 3 {
			t.Fatalf("schema version %d, want 3", u.SchemaVersion)
		}
		_, err = s.CreateAnnotations(ctx, alice, []scholia.Annotation{mention(t, "d1", text1, "alice", "ORG", "The UN", 0)})
		wantFields(t, err, "annotation.mention.label")
	}},
	{"Delete", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		p, err := s.GetProject(ctx, "news")
		must(t, err)
		err = s.DeleteProject(ctx, curator, "news", p.Rev)
		wantReason(t, err, scholia.CodeFailedPrecondition, "PROJECT_NOT_EMPTY")
		for _, id := range []string{"d1", "d2"} {
			must(t, s.DeleteDocument(ctx, curator, "news", id, 0))
		}
		err = s.DeleteProject(ctx, curator, "news", p.Rev+100)
		wantReason(t, err, scholia.CodeAborted, "STALE_ETAG")
		rev := f.rev()
		must(t, s.DeleteProject(ctx, curator, "news", p.Rev))
		if f.rev() != rev+1 {
			t.Fatalf("a delete took %d revisions", f.rev()-rev)
		}
		_, err = s.GetProject(ctx, "news")
		wantCode(t, err, scholia.CodeNotFound)
		list, err := s.ListProjects(ctx, "", 10)
		must(t, err)
		if len(list) != 0 {
			t.Fatalf("ListProjects after delete: %+v", list)
		}
		err = s.DeleteProject(ctx, curator, "news", 0)
		wantCode(t, err, scholia.CodeNotFound)
		// The id can be used again, for a new project with nothing in it.
		p2, err := s.CreateProject(ctx, curator, scholia.Project{ID: "news", Schema: smallSchema()})
		must(t, err)
		equal(t, "schema of the new project", p2.Schema, smallSchema())
		docs, err := s.ListDocuments(ctx, "news", "", 10, 0)
		must(t, err)
		if len(docs) != 0 {
			t.Fatalf("the new project has documents: %+v", docs)
		}
	}},
	{"IdempotentCreate", func(t *testing.T, s scholia.Store) {
		w := scholia.WriteMeta{User: "carol", RequestID: "req-1", Fingerprint: "fp-1"}
		p1, err := s.CreateProject(ctx, w, scholia.Project{ID: "news", Title: "first"})
		must(t, err)
		rev := revision(t, s)
		p2, err := s.CreateProject(ctx, w, scholia.Project{ID: "news", Title: "first"})
		must(t, err)
		if revision(t, s) != rev {
			t.Fatal("a retried create took a revision")
		}
		if p2.ID != p1.ID || p2.Title != p1.Title || p2.Rev != p1.Rev || !p2.CreateTime.Equal(p1.CreateTime) || p2.SchemaVersion != 1 {
			t.Fatalf("retry returned %+v, first %+v", p2, p1)
		}
		equal(t, "retried schema", p2.Schema, p1.Schema)
		// The retry answers as created, even after a change.
		_, err = s.UpdateProject(ctx, curator, "news", 0, func(p *scholia.Project) error {
			p.Title = "changed"
			return nil
		})
		must(t, err)
		p3, err := s.CreateProject(ctx, w, scholia.Project{ID: "news", Title: "first"})
		must(t, err)
		if p3.Title != "first" || p3.Rev != p1.Rev {
			t.Fatalf("retry after an update returned %+v", p3)
		}
		w.Fingerprint = "fp-2"
		_, err = s.CreateProject(ctx, w, scholia.Project{ID: "other"})
		wantReason(t, err, scholia.CodeInvalid, "REQUEST_ID_REUSED")
		_, err = s.GetProject(ctx, "other")
		wantCode(t, err, scholia.CodeNotFound)
		// Another user may use the same request id.
		_, err = s.CreateProject(ctx, scholia.WriteMeta{User: "dave", RequestID: "req-1", Fingerprint: "fp-2"}, scholia.Project{ID: "other"})
		must(t, err)
	}},
}
