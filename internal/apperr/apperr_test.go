package apperr

import (
	"errors"
	"fmt"
	"testing"
)

func TestKindOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Kind
	}{
		{"plain error is internal", errors.New("boom"), Internal},
		{"not found", E(NotFound, "x"), NotFound},
		{"wrapped conflict", fmt.Errorf("ctx: %w", E(Conflict, "x")), Conflict},
		{"validation", func() error { var v Validation; v.Add("a", "b"); return v.Err() }(), Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KindOf(tt.err); got != tt.want {
				t.Fatalf("KindOf = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidationEmptyIsNil(t *testing.T) {
	var v Validation
	if v.Err() != nil {
		t.Fatal("empty validation must return nil")
	}
	v.Add("email", "account.email.invalid")
	e := As(v.Err())
	if e == nil || len(e.Fields) != 1 || e.Fields[0].Field != "email" || !v.Has("email") || v.Has("name") {
		t.Fatalf("unexpected validation error %#v", e)
	}
}

func TestWithDoesNotMutate(t *testing.T) {
	base := E(Invalid, "x")
	a := base.With("n", 1)
	if base.Args != nil || a.Args["n"] != 1 {
		t.Fatal("With must copy")
	}
}

func TestCauseIsKeptButUnwrapped(t *testing.T) {
	cause := errors.New("pq: syntax error at SELECT")
	err := Wrap(Internal, "error.internal", cause)
	if !errors.Is(err, cause) {
		t.Fatal("cause must unwrap")
	}
}
