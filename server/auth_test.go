package server_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectpb "google.golang.org/grpc/reflection/grpc_reflection_v1"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/server"
	"github.com/scholia-nlp/scholia/sqlite"
)

// scholiaMethods lists every method of every scholia service, from the
// generated descriptors, so that a new method cannot escape the auth tests.
func scholiaMethods(t *testing.T) []protoreflect.MethodDescriptor {
	var out []protoreflect.MethodDescriptor
	protoregistry.GlobalFiles.RangeFilesByPackage("scholia.v1", func(fd protoreflect.FileDescriptor) bool {
		for i := 0; i < fd.Services().Len(); i++ {
			sd := fd.Services().Get(i)
			for j := 0; j < sd.Methods().Len(); j++ {
				out = append(out, sd.Methods().Get(j))
			}
		}
		return true
	})
	if len(out) < 25 {
		t.Fatalf("found only %d methods; the descriptors are not registered", len(out))
	}
	return out
}

// invoke calls a method with an empty request and the given authorization.
func invoke(ctx context.Context, conn *grpc.ClientConn, md protoreflect.MethodDescriptor, auth string) error {
	return invokeWith(ctx, conn, md, auth, dynamicpb.NewMessage(md.Input()))
}

func TestEveryMethodNeedsAValidToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// A revoked token: make one for a user, then revoke it.
	resp, err := e.admin.Admin.CreateUser(ctx, &pb.CreateUserRequest{User: &pb.User{Name: "ann", Role: pb.Role_ROLE_ANNOTATOR}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.Admin.RevokeToken(ctx, &pb.RevokeTokenRequest{Id: resp.GetToken().GetId()}); err != nil {
		t.Fatal(err)
	}
	// A disabled user's token.
	resp2, err := e.admin.Admin.CreateUser(ctx, &pb.CreateUserRequest{User: &pb.User{Name: "bob", Role: pb.Role_ROLE_CURATOR}})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := e.admin.Admin.UpdateUser(ctx, &pb.UpdateUserRequest{Name: "bob", Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	conn := e.client("").Conn()
	cases := []struct{ name, auth string }{
		{"no token", ""},
		{"not bearer", "Basic dXNlcjpwYXNz"},
		{"empty bearer", "Bearer "},
		{"unknown token", "Bearer sch_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"revoked token", "Bearer " + resp.GetSecret()},
		{"disabled user", "Bearer " + resp2.GetSecret()},
	}
	for _, md := range scholiaMethods(t) {
		for _, c := range cases {
			t.Run(string(md.Name())+"/"+c.name, func(t *testing.T) {
				err := invoke(ctx, conn, md, c.auth)
				if got := status.Code(err); got != codes.Unauthenticated {
					t.Fatalf("got %v (%v), want Unauthenticated", got, err)
				}
			})
		}
	}
}

func TestHealthAndReflectionNeedNoToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	conn := e.client("").Conn()
	h, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || h.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health: %v %v", h, err)
	}
	stream, err := reflectpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectpb.ServerReflectionRequest{MessageRequest: &reflectpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	r, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, s := range r.GetListServicesResponse().GetService() {
		found[s.GetName()] = true
	}
	for _, want := range []string{"scholia.v1.AnnotationService", "scholia.v1.DocumentService", "scholia.v1.ProjectService", "scholia.v1.AdminService", "grpc.health.v1.Health"} {
		if !found[want] {
			t.Errorf("reflection does not list %s (got %v)", want, found)
		}
	}
}

func TestBootstrapAdminWritesAPrivateTokenFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "new.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	path := filepath.Join(dir, "new.db.admin-token")
	// A stale file from an earlier database, readable by everyone.
	if err := os.WriteFile(path, []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := server.BootstrapAdmin(ctx, st, path)
	if err != nil || got != path {
		t.Fatalf("BootstrapAdmin = %q, %v", got, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("token file mode %o, want 600", mode)
	}
	b, _ := os.ReadFile(path)
	tok := strings.TrimSpace(string(b))
	u, _, err := st.Authenticate(ctx, server.HashToken(tok))
	if err != nil || u.Name != "admin" || u.Role != scholia.RoleAdmin {
		t.Fatalf("the written token authenticates as %+v, %v", u, err)
	}
	// A second start writes nothing and keeps the token.
	if got, err := server.BootstrapAdmin(ctx, st, path); err != nil || got != "" {
		t.Fatalf("second BootstrapAdmin = %q, %v", got, err)
	}
	if b2, _ := os.ReadFile(path); string(b2) != string(b) {
		t.Error("the second start changed the token file")
	}
}
