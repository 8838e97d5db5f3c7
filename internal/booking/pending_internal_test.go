package booking

import (
	"encoding/base64"
	"strings"
	"testing"

	"piazza/internal/secret"
)

// FuzzPendingToken feeds the confirmation token's decoder with signed bodies of any
// content (the MAC is right, so the JSON and the request are what is tested) and
// with raw tokens: it never panics, and what it accepts is a valid request.
func FuzzPendingToken(f *testing.F) {
	kr, err := secret.New([]byte(strings.Repeat("k", 32)))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(`{"t":1,"o":2,"s":"2026-11-24T09:30","tp":"Carta d'identità","n":"Mario Rossi","e":"mario@example.it","l":"it","c":"K7QH-3M9X-2PTA","x":1790000000}`, "")
	f.Add(`{"t":1,"o":2,"s":"2026-11-24T09:30","tp":"","n":"","e":"@","l":"xx","c":"nope","x":-1}`, "a.b")
	f.Add(`{"t":1,"z":1}`, "....")
	f.Add(`[]`, "e30.AAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, body, raw string) {
		tok := base64.RawURLEncoding.EncodeToString([]byte(body)) + "." + base64.RawURLEncoding.EncodeToString(kr.MAC(pendingPurpose, []byte(body))[:18])
		for _, s := range []string{tok, raw} {
			p, err := decodePending(kr, s)
			if err != nil {
				continue
			}
			if p.Validate() != nil || NormalizeCode(p.Code) != p.Code || p.TenantID <= 0 || p.OfficeID <= 0 || p.Start.IsZero() {
				t.Fatalf("accepted %+v from %q", p, s)
			}
		}
	})
}
