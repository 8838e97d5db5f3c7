// Package oidc is Piazza's OpenID Connect relying party: it signs citizens in
// through their comune's identity gateway, which is how SPID and CIE reach a comune
// (a regional or national proxy that speaks OpenID Connect to the comune and SAML or
// the CIE protocol to the identity providers).
//
// The flow is the authorisation code flow with PKCE (S256), a random state and a
// random nonce. The ID token is verified (signature against the provider's JWKS,
// issuer, audience, expiry, nonce) and its claims are mapped to an
// accounts.Identity with the claim names the tenant configured; a claim missing
// from the ID token is looked up at the userinfo endpoint.
//
// Providers are found by discovery and cached per issuer for a while. Each tenant
// has its own settings (tenants.OIDC): issuer, client, scopes and claim names.
package oidc

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"piazza/internal/accounts"
	"piazza/internal/apperr"
	"piazza/internal/session"
	"piazza/internal/tenants"
)

// Settings gives a tenant's sign-in settings with the client secret opened
// (tenants.Service does). It returns NotFound when the tenant has none.
type Settings interface {
	OIDC(ctx context.Context, tenantID int64) (tenants.OIDC, error)
}

// Options configure a relying party.
type Options struct {
	Settings Settings
	// Transport carries every request to the providers. Nil means NewTransport().
	Transport http.RoundTripper
	// Timeout bounds each request to a provider (default 10 s).
	Timeout time.Duration
	// DiscoveryTTL is how long a provider's discovery document and keys are kept
	// (default 15 minutes). A failed discovery is never cached.
	DiscoveryTTL time.Duration
	Now          func() time.Time
}

// RP is the relying party. It is safe for concurrent use.
type RP struct {
	settings Settings
	client   *http.Client
	ttl      time.Duration
	now      func() time.Time

	mu        sync.Mutex
	providers map[string]*provider
}

// provider is a discovered OpenID provider.
type provider struct {
	p          *oidc.Provider
	endSession string
	authStyle  oauth2.AuthStyle
	fetched    time.Time
}

// Errors the web layer shows. Their codes are catalogue keys.
var ErrNotConfigured = apperr.E(apperr.Unavailable, "oidc.not_configured")

// Catalogue keys of the other failures.
const (
	codeUnavailable = "oidc.provider_unavailable" // discovery failed: the provider is down or misconfigured
	codeFailed      = "oidc.failed"               // the provider's answer was refused
)

// New returns a relying party.
func New(o Options) *RP {
	if o.Transport == nil {
		o.Transport = NewTransport()
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.DiscoveryTTL <= 0 {
		o.DiscoveryTTL = 15 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &RP{
		settings: o.Settings,
		client: &http.Client{
			Transport: o.Transport,
			Timeout:   o.Timeout,
			// The protocol's back-channel requests never redirect; following one could
			// send the client secret or codes somewhere else.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		ttl:       o.DiscoveryTTL,
		now:       o.Now,
		providers: map[string]*provider{},
	}
}

// settingsFor returns a tenant's enabled settings, or ErrNotConfigured.
func (rp *RP) settingsFor(ctx context.Context, t *tenants.Tenant) (tenants.OIDC, error) {
	o, err := rp.settings.OIDC(ctx, t.ID)
	if apperr.Is(err, apperr.NotFound) {
		return o, ErrNotConfigured
	}
	if err != nil {
		return o, err
	}
	if !o.Enabled || o.IssuerURL == "" || o.ClientID == "" {
		return o, ErrNotConfigured
	}
	o.Normalize()
	return o, nil
}

// ctx returns a context whose HTTP requests (discovery, keys, token, userinfo) go
// through the RP's client.
func (rp *RP) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, rp.client)
}

// provider returns the discovered provider for an issuer, from the cache while it
// is fresh.
func (rp *RP) provider(ctx context.Context, issuer string) (*provider, error) {
	now := rp.now()
	rp.mu.Lock()
	p, ok := rp.providers[issuer]
	rp.mu.Unlock()
	if ok && now.Sub(p.fetched) < rp.ttl {
		return p, nil
	}
	// Discovery runs outside the lock: a slow provider must not hold up the others.
	// The key set lives as long as the provider, so it is refreshed with it.
	dp, err := oidc.NewProvider(rp.ctx(context.WithoutCancel(ctx)), issuer)
	if err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, codeUnavailable, fmt.Errorf("discovery of %s: %w", issuer, err))
	}
	var meta struct {
		EndSession  string   `json:"end_session_endpoint"`
		AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	}
	if err := dp.Claims(&meta); err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, codeUnavailable, fmt.Errorf("discovery of %s: %w", issuer, err))
	}
	p = &provider{p: dp, endSession: meta.EndSession, authStyle: authStyle(meta.AuthMethods), fetched: now}
	rp.mu.Lock()
	rp.providers[issuer] = p
	rp.mu.Unlock()
	return p, nil
}

// authStyle picks how the client secret is sent to the token endpoint from what
// the provider supports (client_secret_basic is the default of the spec).
func authStyle(methods []string) oauth2.AuthStyle {
	if len(methods) == 0 {
		return oauth2.AuthStyleInHeader
	}
	for _, m := range methods {
		if m == "client_secret_basic" {
			return oauth2.AuthStyleInHeader
		}
	}
	for _, m := range methods {
		if m == "client_secret_post" {
			return oauth2.AuthStyleInParams
		}
	}
	return oauth2.AuthStyleAutoDetect
}

func (rp *RP) config(o tenants.OIDC, p *provider, redirectURL string) *oauth2.Config {
	ep := p.p.Endpoint()
	ep.AuthStyle = p.authStyle
	return &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, Endpoint: ep, RedirectURL: redirectURL, Scopes: o.Scopes}
}

// randomString returns 32 random bytes, URL-safe.
func randomString() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Start begins a sign-in: it returns the provider's authorisation URL and what the
// session must keep to finish (state, nonce, PKCE verifier).
func (rp *RP) Start(ctx context.Context, t *tenants.Tenant, redirectURL string) (string, string, session.PendingLogin, error) {
	o, err := rp.settingsFor(ctx, t)
	if err != nil {
		return "", "", session.PendingLogin{}, err
	}
	p, err := rp.provider(ctx, o.IssuerURL)
	if err != nil {
		return "", "", session.PendingLogin{}, err
	}
	state, nonce, verifier := randomString(), randomString(), oauth2.GenerateVerifier()
	u := rp.config(o, p, redirectURL).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	return u, state, session.PendingLogin{Nonce: nonce, Verifier: verifier, Started: rp.now().UTC()}, nil
}

// Finish exchanges the code for tokens, verifies the ID token and returns the
// identity it asserts, with the raw ID token (the hint for logging out). Every
// failure of the provider's answer is Unauthenticated ("oidc.failed"); the cause is
// wrapped for the log.
func (rp *RP) Finish(ctx context.Context, t *tenants.Tenant, redirectURL string, pending session.PendingLogin, code string) (accounts.Identity, string, error) {
	o, err := rp.settingsFor(ctx, t)
	if err != nil {
		return accounts.Identity{}, "", err
	}
	p, err := rp.provider(ctx, o.IssuerURL)
	if err != nil {
		return accounts.Identity{}, "", err
	}
	if code == "" || len(code) > 2048 {
		return accounts.Identity{}, "", apperr.E(apperr.Unauthenticated, codeFailed)
	}
	hctx := rp.ctx(ctx)
	tok, err := rp.config(o, p, redirectURL).Exchange(hctx, code, oauth2.VerifierOption(pending.Verifier))
	if err != nil {
		return accounts.Identity{}, "", failed("code exchange", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return accounts.Identity{}, "", failed("token response", errors.New("no id_token"))
	}
	idt, err := p.p.Verifier(&oidc.Config{ClientID: o.ClientID, Now: rp.now}).Verify(hctx, raw)
	if err != nil {
		return accounts.Identity{}, "", failed("ID token", err)
	}
	if pending.Nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(pending.Nonce)) != 1 {
		return accounts.Identity{}, "", failed("ID token", errors.New("nonce does not match the authorisation request"))
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return accounts.Identity{}, "", failed("ID token", err)
		}
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return accounts.Identity{}, "", failed("ID token claims", err)
	}
	id, missing := MapClaims(claims, o.Claims)
	if len(missing) > 0 && p.p.UserInfoEndpoint() != "" {
		ui, err := p.p.UserInfo(hctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return accounts.Identity{}, "", failed("userinfo", err)
		}
		// The userinfo answer must be about the person the ID token names
		// (OpenID Connect Core, 5.3.2), or it is a token substitution.
		if ui.Subject != idt.Subject {
			return accounts.Identity{}, "", failed("userinfo", errors.New("subject differs from the ID token's"))
		}
		var more map[string]any
		if err := ui.Claims(&more); err != nil {
			return accounts.Identity{}, "", failed("userinfo claims", err)
		}
		id, _ = Fill(id, more, o.Claims, missing)
	}
	if id.FiscalCode == "" {
		return accounts.Identity{}, "", apperr.E(apperr.Unauthenticated, "oidc.bad_fiscal_code")
	}
	return id, raw, nil
}

func failed(step string, err error) error {
	return apperr.Wrap(apperr.Unauthenticated, codeFailed, fmt.Errorf("oidc %s: %w", step, err))
}

// LogoutURL returns the provider's end-session URL (OpenID Connect RP-Initiated
// Logout) with the ID token as hint and where to come back afterwards, or "" when
// the provider has no end-session endpoint.
func (rp *RP) LogoutURL(ctx context.Context, t *tenants.Tenant, idToken, postLogoutURL string) (string, error) {
	o, err := rp.settingsFor(ctx, t)
	if err != nil {
		return "", err
	}
	p, err := rp.provider(ctx, o.IssuerURL)
	if err != nil {
		return "", err
	}
	return endSessionURL(p.endSession, o.ClientID, idToken, postLogoutURL)
}

func endSessionURL(endpoint, clientID, idToken, postLogoutURL string) (string, error) {
	if endpoint == "" {
		return "", nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", apperr.Wrap(apperr.Unavailable, codeUnavailable, fmt.Errorf("bad end_session_endpoint %q", endpoint))
	}
	q := u.Query()
	if idToken != "" {
		q.Set("id_token_hint", idToken)
	}
	q.Set("client_id", clientID)
	if postLogoutURL != "" {
		q.Set("post_logout_redirect_uri", postLogoutURL)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// MapClaims maps claims to an identity with the tenant's claim names. It returns
// the names of the configured claims that were absent (or not strings), to be
// looked up at the userinfo endpoint.
func MapClaims(claims map[string]any, names tenants.Claims) (accounts.Identity, []string) {
	return Fill(accounts.Identity{}, claims, names, nil)
}

// Fill sets the fields of id that are still empty from claims. When only is not
// nil, only those claim names are considered. It returns the claim names still
// missing.
func Fill(id accounts.Identity, claims map[string]any, names tenants.Claims, only []string) (accounts.Identity, []string) {
	var missing []string
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{names.FiscalCode, &id.FiscalCode},
		{names.GivenName, &id.GivenName},
		{names.FamilyName, &id.FamilyName},
		{names.Email, &id.Email},
		{names.Phone, &id.Phone},
		{names.Level, &id.Level},
	} {
		if f.name == "" || *f.dst != "" {
			continue
		}
		if only != nil && !contains(only, f.name) {
			continue
		}
		if v := stringClaim(claims, f.name); v != "" {
			*f.dst = v
		} else {
			missing = append(missing, f.name)
		}
	}
	return id, missing
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// maxClaimLen bounds a claim value: anything longer is not a name, a fiscal code
// or a contact.
const maxClaimLen = 512

// stringClaim returns a claim that is a non-empty string (trimmed), or "".
func stringClaim(claims map[string]any, name string) string {
	v, ok := claims[name].(string)
	if !ok {
		return ""
	}
	v = strings.TrimSpace(v)
	if len(v) > maxClaimLen {
		return ""
	}
	return v
}
