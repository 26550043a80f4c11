package storetest

import (
	"testing"
	"time"

	"github.com/scholia-nlp/scholia"
)

var userTests = []test{
	{"CreateAndGet", func(t *testing.T, s scholia.Store) {
		n, err := s.CountUsers(ctx)
		must(t, err)
		if n != 0 {
			t.Fatalf("a new store has %d users", n)
		}
		before := time.Now().Add(-time.Second)
		u, err := s.CreateUser(ctx, scholia.User{Name: "alice", Role: scholia.RoleAnnotator})
		must(t, err)
		if u.Name != "alice" || u.Role != scholia.RoleAnnotator || u.Disabled || u.CreateTime.Before(before) || u.CreateTime.After(time.Now().Add(time.Second)) {
			t.Fatalf("CreateUser returned %+v", u)
		}
		got, err := s.GetUser(ctx, "alice")
		must(t, err)
		if got.Name != u.Name || got.Role != u.Role || got.Disabled != u.Disabled || !got.CreateTime.Equal(u.CreateTime) {
			t.Fatalf("GetUser = %+v, created %+v", got, u)
		}
		_, err = s.CreateUser(ctx, scholia.User{Name: "alice", Role: scholia.RoleReader})
		wantCode(t, err, scholia.CodeAlreadyExists)
		_, err = s.GetUser(ctx, "nobody")
		wantCode(t, err, scholia.CodeNotFound)
		n, err = s.CountUsers(ctx)
		must(t, err)
		if n != 1 {
			t.Fatalf("CountUsers = %d, want 1", n)
		}
	}},
	{"InvalidUsers", func(t *testing.T, s scholia.Store) {
		for _, tc := range []struct {
			user   scholia.User
			fields []string
		}{
			{scholia.User{Name: "gold", Role: scholia.RoleCurator}, []string{"user.name"}},
			{scholia.User{Name: "", Role: scholia.RoleAnnotator}, []string{"user.name"}},
			{scholia.User{Name: "a b", Role: scholia.RoleAnnotator}, []string{"user.name"}},
			{scholia.User{Name: "-dash", Role: scholia.RoleAnnotator}, []string{"user.name"}},
			{scholia.User{Name: "ok", Role: scholia.RoleUnspecified}, []string{"user.role"}},
			{scholia.User{Name: "gold", Role: 9}, []string{"user.name", "user.role"}},
		} {
			_, err := s.CreateUser(ctx, tc.user)
			wantFields(t, err, tc.fields...)
		}
		n, err := s.CountUsers(ctx)
		must(t, err)
		if n != 0 {
			t.Fatalf("invalid users were created: CountUsers = %d", n)
		}
	}},
	{"ListPagination", func(t *testing.T, s scholia.Store) {
		for _, name := range []string{"eve", "bob", "dave", "alice", "carol"} {
			_, err := s.CreateUser(ctx, scholia.User{Name: name, Role: scholia.RoleReader})
			must(t, err)
		}
		var pages [][]string
		after := ""
		for {
			page, err := s.ListUsers(ctx, after, 2)
			must(t, err)
			var names []string
			for _, u := range page {
				names = append(names, u.Name)
			}
			pages = append(pages, names)
			if len(page) < 2 {
				break
			}
			after = page[len(page)-1].Name
		}
		equal(t, "pages of users", pages, [][]string{{"alice", "bob"}, {"carol", "dave"}, {"eve"}})
	}},
	{"Update", func(t *testing.T, s scholia.Store) {
		_, err := s.CreateUser(ctx, scholia.User{Name: "alice", Role: scholia.RoleAnnotator})
		must(t, err)
		curatorRole, yes, no := scholia.RoleCurator, true, false
		u, err := s.UpdateUser(ctx, "alice", &curatorRole, nil)
		must(t, err)
		if u.Role != scholia.RoleCurator || u.Disabled {
			t.Fatalf("after a role change: %+v", u)
		}
		u, err = s.UpdateUser(ctx, "alice", nil, &yes)
		must(t, err)
		if u.Role != scholia.RoleCurator || !u.Disabled {
			t.Fatalf("after disabling: %+v", u)
		}
		got, err := s.GetUser(ctx, "alice")
		must(t, err)
		if got.Role != scholia.RoleCurator || !got.Disabled {
			t.Fatalf("GetUser after updates: %+v", got)
		}
		u, err = s.UpdateUser(ctx, "alice", nil, &no)
		must(t, err)
		if u.Disabled {
			t.Fatalf("after enabling: %+v", u)
		}
		_, err = s.UpdateUser(ctx, "nobody", &curatorRole, nil)
		wantCode(t, err, scholia.CodeNotFound)
		bad := scholia.Role(42)
		_, err = s.UpdateUser(ctx, "alice", &bad, nil)
		wantFields(t, err, "user.role")
	}},
	{"Tokens", func(t *testing.T, s scholia.Store) {
		_, err := s.CreateUser(ctx, scholia.User{Name: "alice", Role: scholia.RoleAnnotator})
		must(t, err)
		h1, h2 := []byte("hash-one-0123456789abcdef0123456"), []byte("hash-two-0123456789abcdef0123456")
		t1, err := s.CreateToken(ctx, "alice", h1, "laptop")
		must(t, err)
		if t1.ID == 0 || t1.User != "alice" || t1.Description != "laptop" || t1.CreateTime.IsZero() || !t1.RevokeTime.IsZero() {
			t.Fatalf("CreateToken = %+v", t1)
		}
		t2, err := s.CreateToken(ctx, "alice", h2, "ci")
		must(t, err)
		if t2.ID <= t1.ID {
			t.Fatalf("token ids %d then %d do not increase", t1.ID, t2.ID)
		}
		_, err = s.CreateToken(ctx, "alice", h1, "again")
		wantCode(t, err, scholia.CodeAlreadyExists)
		_, err = s.CreateToken(ctx, "nobody", []byte("hash-three"), "")
		wantCode(t, err, scholia.CodeNotFound)

		list, err := s.ListTokens(ctx, "alice")
		must(t, err)
		if len(list) != 2 || list[0].ID != t1.ID || list[1].ID != t2.ID || list[0].Description != "laptop" {
			t.Fatalf("ListTokens = %+v", list)
		}

		u, tok, err := s.Authenticate(ctx, h1)
		must(t, err)
		if u.Name != "alice" || u.Role != scholia.RoleAnnotator || tok.ID != t1.ID || tok.User != "alice" {
			t.Fatalf("Authenticate = %+v, %+v", u, tok)
		}
		_, _, err = s.Authenticate(ctx, []byte("hash-unknown-0123456789abcdef012"))
		wantCode(t, err, scholia.CodeUnauthenticated)
		_, _, err = s.Authenticate(ctx, nil)
		wantCode(t, err, scholia.CodeUnauthenticated)

		r1, err := s.RevokeToken(ctx, t1.ID)
		must(t, err)
		if r1.RevokeTime.IsZero() {
			t.Fatalf("RevokeToken = %+v: no revoke time", r1)
		}
		_, _, err = s.Authenticate(ctx, h1)
		wantCode(t, err, scholia.CodeUnauthenticated)
		time.Sleep(2 * time.Millisecond)
		r1again, err := s.RevokeToken(ctx, t1.ID)
		must(t, err)
		if !r1again.RevokeTime.Equal(r1.RevokeTime) {
			t.Fatalf("revoking twice changed the revoke time from %v to %v", r1.RevokeTime, r1again.RevokeTime)
		}
		_, err = s.RevokeToken(ctx, 999999)
		wantCode(t, err, scholia.CodeNotFound)

		// The other token still works, until its user is disabled.
		if _, _, err := s.Authenticate(ctx, h2); err != nil {
			t.Fatalf("the unrevoked token: %v", err)
		}
		yes, no := true, false
		_, err = s.UpdateUser(ctx, "alice", nil, &yes)
		must(t, err)
		_, _, err = s.Authenticate(ctx, h2)
		wantCode(t, err, scholia.CodeUnauthenticated)
		_, err = s.UpdateUser(ctx, "alice", nil, &no)
		must(t, err)
		if _, _, err := s.Authenticate(ctx, h2); err != nil {
			t.Fatalf("after enabling the user again: %v", err)
		}
		list, err = s.ListTokens(ctx, "alice")
		must(t, err)
		if len(list) != 2 || list[0].RevokeTime.IsZero() || !list[1].RevokeTime.IsZero() {
			t.Fatalf("ListTokens after revoking the first: %+v", list)
		}
	}},
}
