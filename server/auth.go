package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"

	"google.golang.org/grpc/metadata"

	"github.com/scholia-nlp/scholia"
)

// tokenPrefix marks scholia tokens, so that a leaked one is recognisable by
// secret scanners and people.
const tokenPrefix = "sch_"

// NewToken returns a new random bearer token and the hash the store keeps.
// The secret has 256 bits of entropy, so a plain SHA-256 is a safe hash: no
// password-style stretching is needed.
func NewToken() (secret string, hash []byte) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	secret = tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashToken(secret)
}

// HashToken returns the hash under which a token's secret is stored.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

type callerKey struct{}

// caller is the authenticated user of a call.
type caller struct {
	scholia.User
	tokenID   int64
	tokenHash []byte // to check again during long streams
}

func withCaller(ctx context.Context, c *caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// callerFrom returns the call's user; the auth interceptor guarantees one
// on every method that is not public.
func callerFrom(ctx context.Context) *caller {
	c, _ := ctx.Value(callerKey{}).(*caller)
	if c == nil {
		return &caller{}
	}
	return c
}

// bearer extracts the token of the authorization metadata.
func bearer(ctx context.Context) (string, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get("authorization")
	if len(vals) == 0 {
		return "", scholia.Errorf(scholia.CodeUnauthenticated, "NO_TOKEN", "no credentials: send the metadata \"authorization: Bearer <token>\"")
	}
	scheme, tok, ok := strings.Cut(vals[0], " ")
	if !ok || !strings.EqualFold(scheme, "bearer") || strings.TrimSpace(tok) == "" {
		return "", scholia.Errorf(scholia.CodeUnauthenticated, "BAD_AUTHORIZATION", "the authorization metadata must be \"Bearer <token>\"")
	}
	return strings.TrimSpace(tok), nil
}

func (s *Server) authenticate(ctx context.Context) (*caller, error) {
	tok, err := bearer(ctx)
	if err != nil {
		return nil, err
	}
	hash := HashToken(tok)
	u, t, err := s.store.Authenticate(ctx, hash)
	if err != nil {
		if scholia.ErrorCode(err) == scholia.CodeUnauthenticated {
			return nil, scholia.Errorf(scholia.CodeUnauthenticated, "BAD_TOKEN", "the token is not valid: unknown, revoked, or its user is disabled")
		}
		return nil, err
	}
	return &caller{User: u, tokenID: t.ID, tokenHash: hash}, nil
}

// denied is the error for a role that may not do something.
func denied(format string, args ...any) error {
	return scholia.Errorf(scholia.CodePermissionDenied, "PERMISSION_DENIED", format, args...)
}

// projectRequest is a request about one project.
type projectRequest interface{ GetProjectId() string }

// checkMembership refuses a request of an annotator about a project they
// are not a member of. The interceptors run it on every request with a
// project_id; handlers of requests that name the project elsewhere (an
// annotation's id, a nested message) call checkMember themselves.
func (s *Server) checkMembership(ctx context.Context, req any) error {
	if r, ok := req.(projectRequest); ok {
		return s.checkMember(ctx, r.GetProjectId())
	}
	return nil
}

// checkMember refuses an annotator who is not a member of project. A
// project that does not exist stays CodeNotFound.
func (s *Server) checkMember(ctx context.Context, project string) error {
	c := callerFrom(ctx)
	if c.Role != scholia.RoleAnnotator || project == "" {
		return nil
	}
	_, err := s.store.GetMember(ctx, project, c.Name)
	var e *scholia.Error
	if errors.As(err, &e) && e.Reason == "MEMBER_NOT_FOUND" {
		return denied("user %s is not a member of project %q: annotators see only the projects they belong to (a curator adds members, or assigns documents)", c.Name, project)
	}
	return err
}

// checkReadLayer refuses a read of annotator's layer of a document
// (document "" for the layer across the whole project) that the caller may
// not do. Admins, curators and readers read every layer. An annotator
// reads, in the projects they belong to, their own layers and the layers of
// the project's models (suggestions); under blind annotation (the default)
// another annotator's layer of a document, and gold, only once their own
// layer of that document is done; with blind annotation off, every layer.
func (s *Server) checkReadLayer(ctx context.Context, project, document, annotator string) error {
	c := callerFrom(ctx)
	if c.Role != scholia.RoleAnnotator {
		return nil
	}
	if err := s.checkMember(ctx, project); err != nil {
		return err
	}
	if annotator == c.Name {
		return nil
	}
	set, err := s.store.GetWorkflowSettings(ctx, project)
	if err != nil {
		return err
	}
	if !set.BlindAnnotation {
		return nil
	}
	if annotator != scholia.GoldAnnotator {
		if m, err := s.store.GetMember(ctx, project, annotator); err == nil && m.Role == scholia.MemberModel {
			return nil
		}
	}
	if document == "" {
		return denied("blind annotation: annotators read only their own layers, not %s's, across a project; name a document whose layer you have marked done", annotator)
	}
	l, err := s.store.GetLayer(ctx, project, document, c.Name)
	if err != nil {
		return err
	}
	if l.Status != scholia.LayerDone {
		return denied("blind annotation: annotators read only their own layers, not %s's, until their own layer of %s/%s is done", annotator, project, document)
	}
	return nil
}

// checkReadLayers is checkReadLayer for several layers.
func (s *Server) checkReadLayers(ctx context.Context, project, document string, annotators []string) error {
	for _, a := range annotators {
		if err := s.checkReadLayer(ctx, project, document, a); err != nil {
			return err
		}
	}
	return nil
}

// checkWriteLayer refuses writes to a layer that is not the caller's:
// annotators and curators write their own layers, curators also gold, admins
// any layer, readers none.
func (c *caller) checkWriteLayer(annotator string) error {
	switch {
	case c.Role == scholia.RoleAdmin:
		return nil
	case c.Role == scholia.RoleReader:
		return denied("user %s is a reader and may not write annotations", c.Name)
	case annotator == c.Name:
		return nil
	case annotator == scholia.GoldAnnotator && c.Role == scholia.RoleCurator:
		return nil
	case annotator == scholia.GoldAnnotator:
		return denied("user %s is an %s; only curators and admins write the gold layer", c.Name, c.Role)
	}
	return denied("user %s may not write %s's layer: annotators write only their own layers", c.Name, annotator)
}

// requireRole refuses callers whose role is not one of roles.
func (c *caller) requireRole(what string, roles ...scholia.Role) error {
	for _, r := range roles {
		if c.Role == r {
			return nil
		}
	}
	return denied("user %s is %s; %s needs the role %v", c.Name, article(c.Role), what, roles)
}

func article(r scholia.Role) string {
	if r == scholia.RoleAdmin || r == scholia.RoleAnnotator {
		return "an " + r.String()
	}
	return "a " + r.String()
}
