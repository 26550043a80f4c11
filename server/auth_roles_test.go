package server_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/server"
)

// roleTable lists, for every method, a request and the code each role
// gets for it, in the order admin, curator, annotator, reader.
// PermissionDenied means the role may not do this; any other code means the
// call got past the role checks: the requests are valid, or fail only on
// something else (a stale etag gives ABORTED, which changes nothing). In the
// requests, $ANN is a mention in the annotator's layer and $TOKEN a token
// of the user "spare"; the roles run in order, so the curator's
// CreateDocument finds the admin's.
//
// A new method must get a row: the test fails for a method without one and
// prints the codes it observed with an empty request (set
// SCHOLIA_PRINT_ROLE_TABLE=1 to print every row's codes).
var roleTable = map[string]struct {
	req   string // the request in the protobuf JSON mapping; "" is empty
	codes [4]codes.Code
}{
	"AdminService/Backup":      {"", [4]codes.Code{OK, PD, PD, PD}},
	"AdminService/CreateToken": {`{"user": "reader"}`, [4]codes.Code{OK, PD, PD, OK}},
	"AdminService/CreateUser":  {`{"user": {"name": "newbie", "role": "ROLE_READER"}}`, [4]codes.Code{OK, PD, PD, PD}},
	"AdminService/GetUser":     {`{"name": "reader"}`, [4]codes.Code{OK, PD, PD, OK}},
	"AdminService/ListTokens":  {`{"user": "reader"}`, [4]codes.Code{OK, PD, PD, OK}},
	"AdminService/ListUsers":   {"", [4]codes.Code{OK, PD, PD, PD}},
	"AdminService/RevokeToken": {`{"id": $TOKEN}`, [4]codes.Code{OK, PD, PD, PD}},
	"AdminService/UpdateUser":  {`{"name": "spare", "role": "ROLE_READER"}`, [4]codes.Code{OK, PD, PD, PD}},
	"AdminService/WhoAmI":      {"", [4]codes.Code{OK, OK, OK, OK}},

	"ProjectService/CreateProject":    {`{"project": {"id": "q"}}`, [4]codes.Code{OK, PD, PD, PD}},
	"ProjectService/DeleteProject":    {`{"projectId": "p"}`, [4]codes.Code{FP, PD, PD, PD}},
	"ProjectService/GetBuiltinSchema": {"", [4]codes.Code{OK, OK, OK, OK}},
	"ProjectService/GetProject":       {`{"projectId": "p"}`, [4]codes.Code{OK, OK, OK, OK}},
	"ProjectService/ListProjects":     {"", [4]codes.Code{OK, OK, OK, OK}},
	"ProjectService/UpdateProject":    {`{"project": {"id": "p", "title": "T"}, "updateMask": "title"}`, [4]codes.Code{OK, PD, PD, PD}},

	"DocumentService/CreateDocument":  {`{"document": {"projectId": "p", "id": "d2", "text": "x"}}`, [4]codes.Code{OK, codes.AlreadyExists, PD, PD}},
	"DocumentService/DeleteDocument":  {`{"projectId": "p", "documentId": "d", "etag": "1"}`, [4]codes.Code{AB, AB, PD, PD}},
	"DocumentService/ImportDocuments": {`{"options": {"projectId": "p", "dryRun": true}}`, [4]codes.Code{OK, OK, PD, PD}},
	"DocumentService/GetDocument":     {`{"projectId": "p", "documentId": "d"}`, [4]codes.Code{OK, OK, OK, OK}},
	"DocumentService/ListDocuments":   {`{"projectId": "p"}`, [4]codes.Code{OK, OK, OK, OK}},
	"DocumentService/UpdateDocument":  {`{"document": {"projectId": "p", "id": "d", "title": "t"}, "updateMask": "title", "etag": "1"}`, [4]codes.Code{AB, AB, PD, PD}},

	"AnnotationService/BatchCreateAnnotations": {`{"annotations": [` + roleMention + `]}`, [4]codes.Code{OK, OK, OK, PD}},
	"AnnotationService/CreateAnnotation":       {`{"annotation": ` + roleMention + `}`, [4]codes.Code{OK, OK, OK, PD}},
	"AnnotationService/DeleteAnnotation":       {`{"id": $ANN, "etag": "1"}`, [4]codes.Code{AB, PD, AB, PD}},
	"AnnotationService/GetAnnotation":          {`{"id": $ANN}`, [4]codes.Code{OK, OK, OK, OK}},
	"AnnotationService/GetLayer":               {`{"projectId": "p", "documentId": "d", "annotator": "annotator"}`, [4]codes.Code{OK, OK, OK, OK}},
	"AnnotationService/ListAnnotations":        {`{"projectId": "p"}`, [4]codes.Code{OK, OK, OK, OK}},
	"AnnotationService/ListLayers":             {`{"projectId": "p"}`, [4]codes.Code{OK, OK, OK, OK}},
	"AnnotationService/UpdateAnnotation":       {`{"annotation": {"id": $ANN, "mention": {"label": "ORG"}}, "updateMask": "mention.label", "etag": "1"}`, [4]codes.Code{AB, PD, AB, PD}},
	"AnnotationService/UpdateLayer":            {`{"layer": {"projectId": "p", "documentId": "d", "status": "LAYER_STATUS_DONE"}}`, [4]codes.Code{OK, OK, OK, PD}},

	"CorpusService/StreamCorpus": {`{"projectId": "p"}`, [4]codes.Code{OK, OK, OK, OK}},
	"CorpusService/WatchChanges": {`{"projectId": "p"}`, [4]codes.Code{OK, OK, OK, OK}},

	"EvaluationService/ComputeAgreement": {`{"projectId": "p", "annotators": ["admin", "annotator"]}`, [4]codes.Code{OK, OK, PD, OK}},
	"EvaluationService/ScoreAnnotator":   {`{"projectId": "p", "reference": "admin", "candidate": "annotator"}`, [4]codes.Code{OK, OK, PD, OK}},

	"AnnotationService/ListAnnotationRevisions": {`{"id": $ANN}`, [4]codes.Code{OK, OK, OK, OK}},

	"WorkflowService/AddProjectMember":       {`{"projectId": "p", "user": "spare"}`, [4]codes.Code{OK, OK, PD, PD}},
	"WorkflowService/RemoveProjectMember":    {`{"projectId": "p", "user": "reader"}`, [4]codes.Code{NF, NF, PD, PD}},
	"WorkflowService/ListProjectMembers":     {`{"projectId": "p"}`, [4]codes.Code{OK, OK, PD, OK}},
	"WorkflowService/GetWorkflowSettings":    {`{"projectId": "p"}`, [4]codes.Code{OK, OK, OK, OK}},
	"WorkflowService/UpdateWorkflowSettings": {`{"settings": {"projectId": "p", "blindAnnotation": true}}`, [4]codes.Code{OK, OK, PD, PD}},
	"WorkflowService/AssignDocuments":        {`{"projectId": "p", "assignments": [{"documentId": "d", "annotator": "annotator"}]}`, [4]codes.Code{OK, OK, PD, PD}},
	"WorkflowService/SpreadAssignments":      {`{"projectId": "p", "k": 1, "annotators": ["annotator"]}`, [4]codes.Code{OK, OK, PD, PD}},
	"WorkflowService/UnassignDocument":       {`{"projectId": "p", "documentId": "d", "annotator": "reader"}`, [4]codes.Code{NF, NF, PD, PD}},
	"WorkflowService/ListAssignments":        {`{"projectId": "p"}`, [4]codes.Code{OK, OK, OK, OK}},
	"WorkflowService/ListQueue":              {`{"projectId": "p", "annotator": "annotator"}`, [4]codes.Code{OK, OK, OK, OK}},
	"WorkflowService/GetCurationDiff":        {`{"projectId": "p", "documentId": "d"}`, [4]codes.Code{OK, OK, PD, OK}},
	"WorkflowService/MergeAgreed":            {`{"projectId": "p", "documentIds": ["d"]}`, [4]codes.Code{OK, OK, PD, PD}},
	"WorkflowService/AcceptCandidate":        {`{"annotationId": 999999}`, [4]codes.Code{NF, NF, PD, PD}},
	"WorkflowService/RejectCandidate":        {`{"annotationId": 999999}`, [4]codes.Code{NF, NF, PD, PD}},
	"WorkflowService/ListSuggestions":        {`{"projectId": "p", "documentId": "d", "model": "reader"}`, [4]codes.Code{FP, FP, FP, FP}},
	"WorkflowService/AcceptSuggestion":       {`{"suggestionId": $ANN}`, [4]codes.Code{FP, FP, FP, PD}},
	"WorkflowService/RejectSuggestion":       {`{"suggestionId": $ANN}`, [4]codes.Code{FP, FP, FP, PD}},
	"WorkflowService/GetSuggestionStats":     {`{"projectId": "p", "model": "annotator"}`, [4]codes.Code{OK, OK, PD, OK}},
	"WorkflowService/GetActivity":            {`{"projectId": "p"}`, [4]codes.Code{OK, OK, PD, OK}},
}

// Short names for the table.
const (
	OK = codes.OK
	PD = codes.PermissionDenied
	AB = codes.Aborted
	FP = codes.FailedPrecondition
	NF = codes.NotFound
)

const roleMention = `{"projectId": "p", "documentId": "d", "mention": {"label": "PER", "spans": [{"start": 0, "end": 6, "text": "Lavrov"}]}}`

var roleNames = [4]string{"admin", "curator", "annotator", "reader"}

// TestEveryMethodByRole calls every method of every service with a token of
// each role and checks the code against roleTable.
func TestEveryMethodByRole(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.project("p", "d", rolesText)
	var tokens [4]string
	tok, err := os.ReadFile(e.store.(interface{ Path() string }).Path() + ".admin-token")
	if err != nil {
		t.Fatal(err)
	}
	tokens[0] = strings.TrimSpace(string(tok))
	for i, r := range []pb.Role{pb.Role_ROLE_CURATOR, pb.Role_ROLE_ANNOTATOR, pb.Role_ROLE_READER} {
		resp, err := e.admin.Admin.CreateUser(ctx, &pb.CreateUserRequest{User: &pb.User{Name: roleNames[i+1], Role: r}})
		if err != nil {
			t.Fatal(err)
		}
		tokens[i+1] = resp.GetSecret()
	}
	e.member("p", "annotator") // annotators see only the projects they belong to
	spare, err := e.admin.Admin.CreateUser(ctx, &pb.CreateUserRequest{User: &pb.User{Name: "spare", Role: pb.Role_ROLE_READER}})
	if err != nil {
		t.Fatal(err)
	}
	ann, err := e.client(tokens[2]).Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: mention("p", "d", "", 0, 6, "Lavrov", "PER")})
	if err != nil {
		t.Fatal(err)
	}
	vars := strings.NewReplacer("$ANN", fmt.Sprint(ann.GetAnnotation().GetId()), "$TOKEN", fmt.Sprint(spare.GetToken().GetId()))
	conn := e.client("").Conn()
	observed := map[string][4]codes.Code{}
	for _, md := range scholiaMethods(t) {
		name := string(md.Parent().Name()) + "/" + string(md.Name())
		row, ok := roleTable[name]
		in := dynamicpb.NewMessage(md.Input())
		if ok && row.req != "" {
			if err := protojson.Unmarshal([]byte(vars.Replace(row.req)), in); err != nil {
				t.Fatalf("%s: bad request in roleTable: %v", name, err)
			}
		}
		var got [4]codes.Code
		for i := range roleNames {
			got[i] = status.Code(invokeWith(ctx, conn, md, "Bearer "+tokens[i], in))
		}
		observed[name] = got
		switch {
		case !ok:
			t.Errorf("%s has no row in roleTable; with an empty request it returned %s", name, codeRow(got))
		case got != row.codes:
			t.Errorf("%s: got %s, want %s (admin, curator, annotator, reader)", name, codeRow(got), codeRow(row.codes))
		}
		for i, c := range got {
			if c == codes.Unauthenticated || c == codes.Internal || c == codes.Unknown || c == codes.Unimplemented {
				t.Errorf("%s as %s: %v", name, roleNames[i], c)
			}
		}
	}
	for name := range roleTable {
		if _, ok := observed[name]; !ok {
			t.Errorf("roleTable has a row for %s, which is not a method", name)
		}
	}
	if os.Getenv("SCHOLIA_PRINT_ROLE_TABLE") != "" {
		var names []string
		for n := range observed {
			names = append(names, n)
		}
		slices.Sort(names)
		var b strings.Builder
		for _, n := range names {
			fmt.Fprintf(&b, "\t%q: %s\n", n, codeRow(observed[n]))
		}
		t.Logf("observed:\n%s", b.String())
	}
}

func codeRow(c [4]codes.Code) string {
	short := map[codes.Code]string{OK: "OK", PD: "PD", AB: "AB", FP: "FP", NF: "NF"}
	var parts []string
	for _, x := range c {
		if n, ok := short[x]; ok {
			parts = append(parts, n)
		} else {
			parts = append(parts, "codes."+x.String())
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// invokeWith calls a method with a request and the given authorization
// (none when auth is empty).
func invokeWith(ctx context.Context, conn *grpc.ClientConn, md protoreflect.MethodDescriptor, auth string, in proto.Message) error {
	if auth != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", auth)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	name := "/" + string(md.Parent().FullName()) + "/" + string(md.Name())
	out := dynamicpb.NewMessage(md.Output())
	if md.IsStreamingClient() || md.IsStreamingServer() {
		desc := &grpc.StreamDesc{ServerStreams: md.IsStreamingServer(), ClientStreams: md.IsStreamingClient()}
		s, err := conn.NewStream(ctx, desc, name)
		if err != nil {
			return err
		}
		// io.EOF from SendMsg means the server has ended the stream (a
		// refusal can come before the request is read): RecvMsg has the
		// status.
		if err := s.SendMsg(in); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		_ = s.CloseSend()
		return s.RecvMsg(out)
	}
	return conn.Invoke(ctx, name, in, out)
}

// TestRevocationTakesEffectOnTheNextCall: a token that has just worked (and
// may be remembered by the store's authentication cache) stops working on
// the very next call after it is revoked or its user disabled, also on an
// open WatchChanges stream.
func TestRevocationTakesEffectOnTheNextCall(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	e.project("p", "d", rolesText)
	resp, err := e.admin.Admin.CreateUser(ctx, &pb.CreateUserRequest{User: &pb.User{Name: "job", Role: pb.Role_ROLE_READER}})
	if err != nil {
		t.Fatal(err)
	}
	job := e.client(resp.GetSecret())
	second, err := e.admin.Admin.CreateToken(ctx, &pb.CreateTokenRequest{User: "job"})
	if err != nil {
		t.Fatal(err)
	}
	job2 := e.client(second.GetSecret())
	watch, err := job2.Corpus.WatchChanges(ctx, &pb.WatchChangesRequest{ProjectId: "p", HeartbeatSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := watch.Recv(); err != nil { // the document's creation
		t.Fatal(err)
	}
	for range 3 {
		if _, err := job.Admin.WhoAmI(ctx, &pb.WhoAmIRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.admin.Admin.RevokeToken(ctx, &pb.RevokeTokenRequest{Id: resp.GetToken().GetId()}); err != nil {
		t.Fatal(err)
	}
	_, err = job.Admin.WhoAmI(ctx, &pb.WhoAmIRequest{})
	wantCode(t, err, codes.Unauthenticated)
	// The other token works until the user is disabled.
	if _, err := job2.Admin.WhoAmI(ctx, &pb.WhoAmIRequest{}); err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := e.admin.Admin.UpdateUser(ctx, &pb.UpdateUserRequest{Name: "job", Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	_, err = job2.Admin.WhoAmI(ctx, &pb.WhoAmIRequest{})
	wantCode(t, err, codes.Unauthenticated)
	// The open watch ends at its next heartbeat.
	for {
		m, err := watch.Recv()
		if err == nil && m.GetHeartbeat() {
			continue
		}
		wantCode(t, err, codes.Unauthenticated)
		break
	}
}

// TestTokensAreStoredHashed looks for a token's secret in every byte the
// database wrote (the file and its WAL): it must not be there, only its
// SHA-256.
func TestTokensAreStoredHashed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	resp, err := e.admin.Admin.CreateUser(ctx, &pb.CreateUserRequest{User: &pb.User{Name: "ann", Role: pb.Role_ROLE_ANNOTATOR}})
	if err != nil {
		t.Fatal(err)
	}
	secret := resp.GetSecret()
	if !strings.HasPrefix(secret, "sch_") || len(secret) < 40 {
		t.Fatalf("secret %q", secret)
	}
	path := e.store.(interface{ Path() string }).Path()
	var all []byte
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	hash := server.HashToken(secret)
	if !bytes.Contains(all, hash) {
		t.Fatal("the token's hash is not in the database files: the test looks in the wrong place")
	}
	if bytes.Contains(all, []byte(secret)) || bytes.Contains(all, []byte(strings.TrimPrefix(secret, "sch_"))) {
		t.Fatal("the token's secret is stored in the database")
	}
}

// TestRoleNumbersDoNotWrap: a role number outside the domain's int8 (257
// would wrap round to 1, admin) is refused, not taken for another role.
func TestRoleNumbersDoNotWrap(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.admin.Admin.CreateUser(ctx, &pb.CreateUserRequest{User: &pb.User{Name: "sneaky", Role: pb.Role(257)}})
	wantCode(t, err, codes.InvalidArgument)
	e.user("plain", pb.Role_ROLE_READER)
	_, err = e.admin.Admin.UpdateUser(ctx, &pb.UpdateUserRequest{Name: "plain", Role: pb.Role(257)})
	wantCode(t, err, codes.InvalidArgument)
	u, err := e.admin.Admin.GetUser(ctx, &pb.GetUserRequest{Name: "plain"})
	if err != nil || u.GetUser().GetRole() != pb.Role_ROLE_READER {
		t.Fatalf("plain is %v, %v", u.GetUser().GetRole(), err)
	}
}
