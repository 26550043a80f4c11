package server

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/pbconv"
)

type adminService struct {
	pb.UnimplementedAdminServiceServer
	*Server
}

func (s *adminService) CreateUser(ctx context.Context, req *pb.CreateUserRequest) (*pb.CreateUserResponse, error) {
	if err := callerFrom(ctx).requireRole("adding users", scholia.RoleAdmin); err != nil {
		return nil, err
	}
	u := req.GetUser()
	var v scholia.Violations
	if err := scholia.ValidateID("user name", u.GetName(), false); err != nil {
		v.Add("user.name", "%s", err)
	} else if u.GetName() == scholia.GoldAnnotator {
		v.Add("user.name", "%q names the curated layer and cannot be a user", scholia.GoldAnnotator)
	}
	if !pbconv.RoleFromPB(u.GetRole()).Valid() {
		v.Add("user.role", "one of ROLE_ADMIN, ROLE_CURATOR, ROLE_ANNOTATOR, ROLE_READER")
	}
	if len(req.GetTokenDescription()) > maxMetaBytes {
		v.Add("token_description", "longer than %d bytes", maxMetaBytes)
	}
	if err := v.Err("the user is not valid"); err != nil {
		return nil, err
	}
	out, err := s.store.CreateUser(ctx, scholia.User{Name: u.GetName(), Role: pbconv.RoleFromPB(u.GetRole())})
	if err != nil {
		return nil, err
	}
	secret, hash := NewToken()
	tok, err := s.store.CreateToken(ctx, out.Name, hash, req.GetTokenDescription())
	if err != nil {
		return nil, err
	}
	return &pb.CreateUserResponse{User: pbconv.UserToPB(out), Token: pbconv.TokenToPB(tok), Secret: secret}, nil
}

// selfOrAdmin refuses callers who are neither the named user nor an admin,
// and resolves an empty name to the caller.
func selfOrAdmin(ctx context.Context, name, what string) (string, error) {
	c := callerFrom(ctx)
	if name == "" || name == c.Name {
		return c.Name, nil
	}
	if c.Role != scholia.RoleAdmin {
		return "", denied("only admins may %s of other users", what)
	}
	return name, nil
}

func (s *adminService) GetUser(ctx context.Context, req *pb.GetUserRequest) (*pb.GetUserResponse, error) {
	name, err := selfOrAdmin(ctx, req.GetName(), "read the accounts")
	if err != nil {
		return nil, err
	}
	u, err := s.store.GetUser(ctx, name)
	if err != nil {
		return nil, err
	}
	return &pb.GetUserResponse{User: pbconv.UserToPB(u)}, nil
}

func (s *adminService) ListUsers(ctx context.Context, req *pb.ListUsersRequest) (*pb.ListUsersResponse, error) {
	if err := callerFrom(ctx).requireRole("listing users", scholia.RoleAdmin); err != nil {
		return nil, err
	}
	n, err := s.pageSize("page_size", req.GetPageSize())
	if err != nil {
		return nil, err
	}
	cur, err := s.tokens.decode("page_token", req.GetPageToken(), "users", "")
	if err != nil {
		return nil, err
	}
	us, err := s.store.ListUsers(ctx, cur.After, n+1)
	if err != nil {
		return nil, err
	}
	resp := &pb.ListUsersResponse{}
	if len(us) > n {
		us = us[:n]
		resp.NextPageToken = s.tokens.encode(pageCursor{List: "users", After: us[n-1].Name})
	}
	for _, u := range us {
		resp.Users = append(resp.Users, pbconv.UserToPB(u))
	}
	return resp, nil
}

func (s *adminService) UpdateUser(ctx context.Context, req *pb.UpdateUserRequest) (*pb.UpdateUserResponse, error) {
	if err := callerFrom(ctx).requireRole("changing users", scholia.RoleAdmin); err != nil {
		return nil, err
	}
	var role *scholia.Role
	if r := pbconv.RoleFromPB(req.GetRole()); r != scholia.RoleUnspecified {
		if !r.Valid() {
			return nil, scholia.Invalid("bad role", scholia.FieldViolation{Field: "role", Description: "not a role"})
		}
		role = &r
	}
	if req.GetName() == callerFrom(ctx).Name && (req.Disabled != nil && *req.Disabled || role != nil && *role != scholia.RoleAdmin) {
		return nil, scholia.Errorf(scholia.CodeFailedPrecondition, "SELF_LOCKOUT", "admins cannot disable themselves or drop their own admin role; ask another admin")
	}
	u, err := s.store.UpdateUser(ctx, req.GetName(), role, req.Disabled)
	if err != nil {
		return nil, err
	}
	return &pb.UpdateUserResponse{User: pbconv.UserToPB(u)}, nil
}

func (s *adminService) CreateToken(ctx context.Context, req *pb.CreateTokenRequest) (*pb.CreateTokenResponse, error) {
	name, err := selfOrAdmin(ctx, req.GetUser(), "make tokens")
	if err != nil {
		return nil, err
	}
	if len(req.GetDescription()) > maxMetaBytes {
		return nil, scholia.Invalid("bad description", scholia.FieldViolation{Field: "description", Description: fmt.Sprintf("longer than %d bytes", maxMetaBytes)})
	}
	secret, hash := NewToken()
	tok, err := s.store.CreateToken(ctx, name, hash, req.GetDescription())
	if err != nil {
		return nil, err
	}
	return &pb.CreateTokenResponse{Token: pbconv.TokenToPB(tok), Secret: secret}, nil
}

func (s *adminService) ListTokens(ctx context.Context, req *pb.ListTokensRequest) (*pb.ListTokensResponse, error) {
	name, err := selfOrAdmin(ctx, req.GetUser(), "list the tokens")
	if err != nil {
		return nil, err
	}
	toks, err := s.store.ListTokens(ctx, name)
	if err != nil {
		return nil, err
	}
	resp := &pb.ListTokensResponse{}
	for _, t := range toks {
		resp.Tokens = append(resp.Tokens, pbconv.TokenToPB(t))
	}
	return resp, nil
}

func (s *adminService) RevokeToken(ctx context.Context, req *pb.RevokeTokenRequest) (*pb.RevokeTokenResponse, error) {
	c := callerFrom(ctx)
	if c.Role != scholia.RoleAdmin {
		// Non-admins may revoke only their own tokens.
		toks, err := s.store.ListTokens(ctx, c.Name)
		if err != nil {
			return nil, err
		}
		own := false
		for _, t := range toks {
			own = own || t.ID == req.GetId()
		}
		if !own {
			return nil, denied("only admins may revoke other users' tokens")
		}
	}
	t, err := s.store.RevokeToken(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.RevokeTokenResponse{Token: pbconv.TokenToPB(t)}, nil
}

func (s *adminService) WhoAmI(ctx context.Context, req *pb.WhoAmIRequest) (*pb.WhoAmIResponse, error) {
	return &pb.WhoAmIResponse{User: pbconv.UserToPB(callerFrom(ctx).User)}, nil
}

// BootstrapAdmin makes the first admin of a new database and writes its
// token to tokenPath, readable by its owner only. On a database that already
// has users it does nothing and returns "". It returns the path written.
func BootstrapAdmin(ctx context.Context, store scholia.Store, tokenPath string) (string, error) {
	n, err := store.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	u, err := store.CreateUser(ctx, scholia.User{Name: "admin", Role: scholia.RoleAdmin})
	if err != nil {
		return "", err
	}
	secret, hash := NewToken()
	if _, err := store.CreateToken(ctx, u.Name, hash, "first admin token, made by the first start"); err != nil {
		return "", err
	}
	// Remove a stale file first so that its old mode cannot survive.
	if err := os.Remove(tokenPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("removing old token file: %w", err)
	}
	f, err := os.OpenFile(tokenPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("writing the admin token: %w", err)
	}
	if _, err := f.WriteString(secret + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("writing the admin token: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("writing the admin token: %w", err)
	}
	return tokenPath, nil
}
