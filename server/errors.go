package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/scholia-nlp/scholia"
)

// errorDomain is the ErrorInfo domain of every error scholia returns.
const errorDomain = "scholia"

var codeMap = map[scholia.Code]codes.Code{
	scholia.CodeInternal:           codes.Internal,
	scholia.CodeInvalid:            codes.InvalidArgument,
	scholia.CodeNotFound:           codes.NotFound,
	scholia.CodeAlreadyExists:      codes.AlreadyExists,
	scholia.CodeAborted:            codes.Aborted,
	scholia.CodeFailedPrecondition: codes.FailedPrecondition,
	scholia.CodePermissionDenied:   codes.PermissionDenied,
	scholia.CodeUnauthenticated:    codes.Unauthenticated,
	scholia.CodeResourceExhausted:  codes.ResourceExhausted,
	scholia.CodeUnavailable:        codes.Unavailable,
}

// toStatus is the one place where errors become gRPC statuses. Domain errors
// keep their message, reason and field violations; anything else is logged
// with an id and reaches the client as INTERNAL with only that id, so no SQL
// text or stack trace ever leaves the server.
func toStatus(ctx context.Context, log *slog.Logger, method string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok && !isDomain(err) {
		return err // already a status, e.g. from grpc itself
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "the call was cancelled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "the call's deadline passed")
	}
	var e *scholia.Error
	if !errors.As(err, &e) || e.Code == scholia.CodeInternal {
		id := errorID()
		log.ErrorContext(ctx, "internal error", "method", method, "error_id", id, "err", err)
		st, _ := status.New(codes.Internal, "internal error (logged as "+id+")").WithDetails(
			&errdetails.ErrorInfo{Reason: "INTERNAL", Domain: errorDomain, Metadata: map[string]string{"error_id": id}})
		return st.Err()
	}
	st := status.New(codeMap[e.Code], e.Message)
	var details []protoadapt.MessageV1
	if e.Reason != "" {
		details = append(details, &errdetails.ErrorInfo{Reason: e.Reason, Domain: errorDomain})
	}
	if len(e.Violations) > 0 {
		br := &errdetails.BadRequest{}
		for _, v := range e.Violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description})
		}
		details = append(details, br)
	}
	if len(details) > 0 {
		if withDetails, derr := st.WithDetails(details...); derr == nil {
			st = withDetails
		}
	}
	return st.Err()
}

func isDomain(err error) bool {
	var e *scholia.Error
	return errors.As(err, &e)
}

func errorID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "err-" + hex.EncodeToString(b[:])
}
