package sqlite

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/scholia-nlp/scholia"
)

// Users and tokens are not versioned and take no revision: they are not part
// of the corpus, and their changes are not in the change feed.

const userColumns = `name, role, disabled, create_time`

func scanUser(row interface{ Scan(...any) error }) (scholia.User, error) {
	var u scholia.User
	var ct int64
	err := row.Scan(&u.Name, &u.Role, &u.Disabled, &ct)
	u.CreateTime = nsTime(ct)
	return u, err
}

func userNotFound(name string) error {
	return scholia.Errorf(scholia.CodeNotFound, "USER_NOT_FOUND", "user %q does not exist", name)
}

// CreateUser adds a user. A taken name is CodeAlreadyExists; the name of the
// gold layer cannot be taken.
func (s *Store) CreateUser(ctx context.Context, u scholia.User) (scholia.User, error) {
	var v scholia.Violations
	if err := scholia.ValidateID("user name", u.Name, false); err != nil {
		v.Add("user.name", "%s", err.Error())
	} else if strings.EqualFold(u.Name, scholia.GoldAnnotator) {
		v.Add("user.name", "%q is the name of the gold layer and cannot be a user's", u.Name)
	}
	if !u.Role.Valid() {
		v.Add("user.role", "one of admin, curator, annotator or reader is required")
	}
	if err := v.Err("the user is not valid"); err != nil {
		return scholia.User{}, err
	}
	u.CreateTime = nsTime(time.Now().UnixNano())
	_, err := s.w.ExecContext(ctx, `INSERT INTO users (name, role, disabled, create_time) VALUES (?, ?, ?, ?)`,
		u.Name, u.Role, u.Disabled, u.CreateTime.UnixNano())
	if isUnique(err) {
		return scholia.User{}, scholia.Errorf(scholia.CodeAlreadyExists, "USER_EXISTS", "user %q already exists", u.Name)
	}
	if err != nil {
		return scholia.User{}, dbError("create the user", err)
	}
	s.users.Store(u.Name, true)
	return u, nil
}

// GetUser returns a user by name.
func (s *Store) GetUser(ctx context.Context, name string) (scholia.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return u, userNotFound(name)
	}
	if err != nil {
		return u, dbError("read the user", err)
	}
	return u, nil
}

// ListUsers returns up to limit users with names after `after`, by name.
func (s *Store) ListUsers(ctx context.Context, after string, limit int) ([]scholia.User, error) {
	return queryAll(ctx, s.r, "list users", scanUser, `SELECT `+userColumns+` FROM users WHERE name > ? ORDER BY name LIMIT ?`, after, clampLimit(limit))
}

// UpdateUser changes a user's role and disabled flag (nil keeps them).
func (s *Store) UpdateUser(ctx context.Context, name string, role *scholia.Role, disabled *bool) (scholia.User, error) {
	if role != nil && !role.Valid() {
		return scholia.User{}, scholia.Invalid("the role is not valid",
			scholia.FieldViolation{Field: "user.role", Description: "one of admin, curator, annotator or reader is required"})
	}
	var r, d any
	if role != nil {
		r = *role
	}
	if disabled != nil {
		d = *disabled
	}
	u, err := scanUser(s.w.QueryRowContext(ctx,
		`UPDATE users SET role = coalesce(?, role), disabled = coalesce(?, disabled) WHERE name = ? RETURNING `+userColumns, r, d, name))
	s.auth.invalidate() // after the change is committed: the next call sees it
	if errors.Is(err, sql.ErrNoRows) {
		return u, userNotFound(name)
	}
	if err != nil {
		return u, dbError("update the user", err)
	}
	return u, nil
}

// CountUsers returns how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, dbError("count users", err)
	}
	return n, nil
}

const tokenColumns = `id, user, description, create_time, revoke_time`

func scanToken(row interface{ Scan(...any) error }) (scholia.Token, error) {
	var t scholia.Token
	var ct int64
	var rt sql.NullInt64
	err := row.Scan(&t.ID, &t.User, &t.Description, &ct, &rt)
	t.CreateTime = nsTime(ct)
	t.RevokeTime = nullTime(rt)
	return t, err
}

// CreateToken stores the hash of a new token of a user.
func (s *Store) CreateToken(ctx context.Context, user string, hash []byte, description string) (scholia.Token, error) {
	if len(hash) == 0 {
		return scholia.Token{}, scholia.Invalid("the token hash is required", scholia.FieldViolation{Field: "token.hash", Description: "required"})
	}
	now := time.Now().UnixNano()
	tok, err := scanToken(s.w.QueryRowContext(ctx,
		`INSERT INTO tokens (user, hash, description, create_time)
		 SELECT name, ?, ?, ? FROM users WHERE name = ?
		 RETURNING `+tokenColumns, hash, description, now, user))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return tok, userNotFound(user)
	case isUnique(err):
		return tok, scholia.Errorf(scholia.CodeAlreadyExists, "TOKEN_EXISTS", "a token with this hash already exists")
	case err != nil:
		return tok, dbError("create the token", err)
	}
	return tok, nil
}

// ListTokens returns a user's tokens, oldest first.
func (s *Store) ListTokens(ctx context.Context, user string) ([]scholia.Token, error) {
	if _, err := s.GetUser(ctx, user); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.r, "list tokens", scanToken, `SELECT `+tokenColumns+` FROM tokens WHERE user = ? ORDER BY id`, user)
}

// RevokeToken marks a token revoked; revoking twice keeps the first time.
func (s *Store) RevokeToken(ctx context.Context, id int64) (scholia.Token, error) {
	tok, err := scanToken(s.w.QueryRowContext(ctx,
		`UPDATE tokens SET revoke_time = coalesce(revoke_time, ?) WHERE id = ? RETURNING `+tokenColumns, time.Now().UnixNano(), id))
	s.auth.invalidate() // after the change is committed: the next call sees it
	if errors.Is(err, sql.ErrNoRows) {
		return tok, scholia.Errorf(scholia.CodeNotFound, "TOKEN_NOT_FOUND", "token %d does not exist", id)
	}
	if err != nil {
		return tok, dbError("revoke the token", err)
	}
	return tok, nil
}

// Authenticate returns the enabled user owning the unrevoked token with this
// hash; an unknown or revoked token or a disabled user is
// CodeUnauthenticated.
func (s *Store) Authenticate(ctx context.Context, hash []byte) (scholia.User, scholia.Token, error) {
	e, ok, gen := s.auth.get(hash)
	if ok {
		return e.u, e.t, nil
	}
	u, t, err := s.authenticate(ctx, hash)
	if err == nil {
		s.auth.put(hash, u, t, gen)
	}
	return u, t, err
}

// authenticate looks a token up in the database.
func (s *Store) authenticate(ctx context.Context, hash []byte) (scholia.User, scholia.Token, error) {
	var u scholia.User
	var t scholia.Token
	var stored []byte
	var uct, tct int64
	var rt sql.NullInt64
	err := s.r.QueryRowContext(ctx,
		`SELECT t.id, t.hash, t.description, t.create_time, t.revoke_time, u.name, u.role, u.disabled, u.create_time
		 FROM tokens t JOIN users u ON u.name = t.user WHERE t.hash = ?`, hash).
		Scan(&t.ID, &stored, &t.Description, &tct, &rt, &u.Name, &u.Role, &u.Disabled, &uct)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (len(hash) == 0 || subtle.ConstantTimeCompare(stored, hash) != 1) {
		return scholia.User{}, scholia.Token{}, scholia.Errorf(scholia.CodeUnauthenticated, "TOKEN_UNKNOWN", "the token is not valid")
	}
	if err != nil {
		return scholia.User{}, scholia.Token{}, dbError("authenticate", err)
	}
	t.User = u.Name
	t.CreateTime = nsTime(tct)
	t.RevokeTime = nullTime(rt)
	u.CreateTime = nsTime(uct)
	if rt.Valid {
		return scholia.User{}, scholia.Token{}, scholia.Errorf(scholia.CodeUnauthenticated, "TOKEN_REVOKED", "the token was revoked")
	}
	if u.Disabled {
		return scholia.User{}, scholia.Token{}, scholia.Errorf(scholia.CodeUnauthenticated, "USER_DISABLED", "user %q is disabled", u.Name)
	}
	return u, t, nil
}
