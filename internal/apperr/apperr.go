// Package apperr defines the error vocabulary shared by every Piazza package.
//
// A domain error carries a Kind, which the web layer maps to an HTTP status, and a
// Code, which is a key in the message catalogues: it is safe to show to people once
// translated. The wrapped cause (Err) is for logs only and never reaches a response.
// Any error that is not an *Error is Internal, and people see only a generic message.
package apperr

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

const (
	Internal        Kind = iota // a bug or an outage: logged, never explained to the user
	Invalid                     // the input is wrong: show the field errors
	NotFound                    // no such object, or not visible to this caller
	Conflict                    // the object exists already, or changed meanwhile
	Forbidden                   // signed in but not allowed
	Unauthenticated             // sign in first
	TooManyRequests             // throttled: try again later
	Unavailable                 // temporarily switched off (e.g. suspended tenant)
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not_found"
	case Conflict:
		return "conflict"
	case Forbidden:
		return "forbidden"
	case Unauthenticated:
		return "unauthenticated"
	case TooManyRequests:
		return "too_many_requests"
	case Unavailable:
		return "unavailable"
	default:
		return "internal"
	}
}

// FieldError is one problem with one input field. Code is a catalogue key.
type FieldError struct {
	Field string
	Code  string
	Args  map[string]any
}

// Error is a classified error with a catalogue key that is safe to show.
type Error struct {
	Kind   Kind
	Code   string         // message catalogue key, e.g. "error.tenant_not_found"
	Args   map[string]any // template data for the message
	Fields []FieldError   // for Invalid: per-field problems, in form order
	Err    error          // the cause; logged, never shown
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, " [%s: %s]", f.Field, f.Code)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an error of the given kind with a catalogue key.
func E(kind Kind, code string) *Error { return &Error{Kind: kind, Code: code} }

// Wrap builds an error of the given kind that keeps cause for the logs.
func Wrap(kind Kind, code string, cause error) *Error {
	return &Error{Kind: kind, Code: code, Err: cause}
}

// With returns a copy of e with one more message argument.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Args = make(map[string]any, len(e.Args)+1)
	for k, v := range e.Args {
		c.Args[k] = v
	}
	c.Args[key] = value
	return &c
}

// Common errors.
var (
	ErrNotFound        = E(NotFound, "error.not_found")
	ErrConflict        = E(Conflict, "error.conflict")
	ErrForbidden       = E(Forbidden, "error.forbidden")
	ErrUnauthenticated = E(Unauthenticated, "error.unauthenticated")
)

// KindOf reports the kind of err: Internal for anything that is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is an *Error of the given kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// As returns the *Error inside err, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Validation collects field errors; Err returns nil when there are none.
type Validation struct {
	fields []FieldError
}

// Add records a problem with a field.
func (v *Validation) Add(field, code string) {
	v.fields = append(v.fields, FieldError{Field: field, Code: code})
}

// AddArgs records a problem with message arguments.
func (v *Validation) AddArgs(field, code string, args map[string]any) {
	v.fields = append(v.fields, FieldError{Field: field, Code: code, Args: args})
}

// Has reports whether field already has a problem.
func (v *Validation) Has(field string) bool {
	for _, f := range v.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns an Invalid error listing the problems, or nil.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Code: "error.invalid", Fields: append([]FieldError(nil), v.fields...)}
}
