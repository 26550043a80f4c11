package scholia

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies an error so that the server can map it to a gRPC status
// in one place, whatever layer raised it.
type Code int

// The error codes. Each maps to the gRPC code of the same meaning.
const (
	CodeInternal           Code = iota // a bug or an I/O failure; details are logged, not shown
	CodeInvalid                        // bad input; Violations says what and where
	CodeNotFound                       // the named thing does not exist
	CodeAlreadyExists                  // a create collides with an existing id
	CodeAborted                        // a stale etag: someone else changed the thing
	CodeFailedPrecondition             // the state does not allow the operation
	CodePermissionDenied               // the caller's role does not allow it
	CodeUnauthenticated                // no valid credentials
	CodeResourceExhausted              // a size limit was exceeded
	CodeUnavailable                    // the store is shutting down or busy; retry
)

// FieldViolation is one problem with one field of a request. Field is a path
// in the API's field names, such as "annotation.mention.spans[0].end".
type FieldViolation struct {
	Field       string
	Description string
}

// Error is the error type of the domain. Reason is a stable upper-case
// identifier for programs (for example "STALE_ETAG"); Message is for people.
type Error struct {
	Code       Code
	Reason     string
	Message    string
	Violations []FieldViolation
	Err        error // the wrapped cause, never shown to clients
}

// Error returns the message, followed by the violations.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for _, v := range e.Violations {
		b.WriteString("; ")
		b.WriteString(v.Field)
		b.WriteString(": ")
		b.WriteString(v.Description)
	}
	if e.Err != nil && e.Code == CodeInternal {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an Error with a formatted message.
func Errorf(code Code, reason, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Invalid makes a CodeInvalid error from field violations.
func Invalid(message string, violations ...FieldViolation) *Error {
	return &Error{Code: CodeInvalid, Reason: "INVALID_ARGUMENT", Message: message, Violations: violations}
}

// Internal wraps an unexpected failure. Its cause is logged by the server
// but never sent to a client.
func Internal(op string, err error) *Error {
	return &Error{Code: CodeInternal, Reason: "INTERNAL", Message: op, Err: err}
}

// ErrorCode returns the Code of err: the code of the first *Error in its
// chain, or CodeInternal.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// Violations collects field violations under a path prefix, so validation
// code reads as a list of checks.
type Violations struct {
	list []FieldViolation
}

// Add records one violation of field.
func (v *Violations) Add(field, format string, args ...any) {
	v.list = append(v.list, FieldViolation{Field: field, Description: fmt.Sprintf(format, args...)})
}

// Merge adds violations found under a sub-path.
func (v *Violations) Merge(prefix string, more []FieldViolation) {
	for _, f := range more {
		if prefix != "" {
			if f.Field == "" {
				f.Field = prefix
			} else if strings.HasPrefix(f.Field, "[") {
				f.Field = prefix + f.Field
			} else {
				f.Field = prefix + "." + f.Field
			}
		}
		v.list = append(v.list, f)
	}
}

// List returns the violations collected so far.
func (v *Violations) List() []FieldViolation { return v.list }

// Err returns nil without violations, else a CodeInvalid error saying message.
func (v *Violations) Err(message string) error {
	if len(v.list) == 0 {
		return nil
	}
	return Invalid(message, v.list...)
}
