// Package demoidp is the demo identity provider: a real OpenID provider (built on
// ory/fosite: authorisation code flow with PKCE enforced, OpenID Connect, RS256 ID
// tokens) that stands in for the SPID/CIE gateway of the demo comuni. Instead of
// checking an identity it lets the visitor pick one of the three test citizens.
//
// It only ever runs in demo mode on a demo store: New refuses a store that the demo
// loader did not mark, and cmd/piazza creates it only with --demo.
//
// Its clients are the tenants whose OIDC issuer is this provider; client id and
// secret come from the tenants service, redirect URIs are
// http(s)://<tenant host>[:port]/auth/callback and post-logout URIs
// http(s)://<tenant host>[:port]/. Authorisation codes and access tokens are kept
// in memory (one demo node); a restart only cancels sign-ins in progress.
package demoidp

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/storage"
	"github.com/ory/fosite/token/jwt"

	"piazza/internal/apperr"
	"piazza/internal/demo"
	"piazza/internal/tenants"
)

// LevelSpidL2 is the authentication level the provider asserts.
const LevelSpidL2 = "https://www.spid.gov.it/SpidL2"

// FiscalCodeClaim is where SPID and CIE put the fiscal code ("TINIT-" + code).
const FiscalCodeClaim = "https://attributes.eid.gov.it/fiscal_number"

// scopes the provider grants.
var allowedScopes = []string{"openid", "profile", "email", "phone"}

// Tenants is what the provider needs to know its clients.
type Tenants interface {
	List(ctx context.Context) ([]tenants.Tenant, error)
	OIDC(ctx context.Context, tenantID int64) (tenants.OIDC, error)
}

// Options configure the provider.
type Options struct {
	// Issuer is the provider's URL, demo.Issuer(platformHost, port); it serves under
	// the issuer's path.
	Issuer string
	// Store must be a store the demo loader marked (demo.IsDemoStore).
	Store demo.Store
	// Seed derives the signing key and the provider's own secrets
	// (demo.TokenSeed(keys)).
	Seed    []byte
	Tenants Tenants
	// Citizens are the identities offered (default demo.Citizens).
	Citizens []demo.Citizen
	Logger   *slog.Logger
	Now      func() time.Time
}

// Provider is the demo OpenID provider, an http.Handler.
type Provider struct {
	issuer   string
	prefix   string // the issuer's path, e.g. "/demo-idp"
	secure   bool   // the issuer is https
	port     string // the issuer's port, for redirect URIs ("" for the default)
	key      *rsa.PrivateKey
	kid      string
	jwks     []byte
	meta     []byte
	oauth    fosite.OAuth2Provider
	tenants  Tenants
	citizens []demo.Citizen
	secrets  []byte // MAC key for the provider's cookies and client secrets
	log      *slog.Logger
	now      func() time.Time
	cop      *http.CrossOriginProtection
	mux      *http.ServeMux
}

//go:embed templates/*.html templates/style.css
var files embed.FS

var pages = template.Must(template.ParseFS(files, "templates/*.html"))

// New builds the provider. It refuses a store that does not hold the demo.
func New(ctx context.Context, o Options) (*Provider, error) {
	isDemo, err := demo.IsDemoStore(ctx, o.Store)
	if err != nil {
		return nil, err
	}
	if !isDemo {
		return nil, demo.ErrNotDemoStore
	}
	u, err := url.Parse(o.Issuer)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("demoidp: bad issuer %q", o.Issuer)
	}
	if o.Citizens == nil {
		o.Citizens = demo.Citizens
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	key, err := deriveKey(o.Seed)
	if err != nil {
		return nil, err
	}
	p := &Provider{
		issuer: strings.TrimSuffix(o.Issuer, "/"), prefix: strings.TrimSuffix(u.Path, "/"), secure: u.Scheme == "https",
		port: u.Port(), key: key, tenants: o.Tenants, citizens: o.Citizens, log: o.Logger, now: o.Now,
		secrets: mac(o.Seed, "demo-idp/secrets"), cop: http.NewCrossOriginProtection(),
	}
	jwk := jose.JSONWebKey{Key: &key.PublicKey, Algorithm: string(jose.RS256), Use: "sig"}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	p.kid = base64.RawURLEncoding.EncodeToString(thumb)
	jwk.KeyID = p.kid
	if p.jwks, err = json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk}}); err != nil {
		return nil, err
	}
	if p.meta, err = json.Marshal(p.metadata()); err != nil {
		return nil, err
	}
	cfg := &fosite.Config{
		IDTokenIssuer:         p.issuer,
		AccessTokenIssuer:     p.issuer,
		IDTokenLifespan:       time.Hour,
		AccessTokenLifespan:   10 * time.Minute,
		AuthorizeCodeLifespan: 5 * time.Minute,
		GlobalSecret:          mac(o.Seed, "demo-idp/hmac-tokens"),
		EnforcePKCE:           true,
		// Only S256: the plain method would let whoever sees the authorisation
		// request redeem the code.
		EnablePKCEPlainChallengeMethod: false,
		ScopeStrategy:                  fosite.ExactScopeStrategy,
		AudienceMatchingStrategy:       fosite.DefaultAudienceMatchingStrategy,
		ClientSecretsHasher:            secretHasher{key: p.secrets},
		// Redirect URIs are registered exactly (one per tenant host); plain http is
		// accepted because demo installations often run without TLS.
		RedirectSecureChecker: func(context.Context, *url.URL) bool { return true },
	}
	getKey := func(context.Context) (any, error) { return p.key, nil }
	strategy := &compose.CommonStrategy{
		CoreStrategy:               compose.NewOAuth2HMACStrategy(cfg),
		OpenIDConnectTokenStrategy: compose.NewOpenIDConnectStrategy(getKey, cfg),
		Signer:                     &jwt.DefaultSigner{GetPrivateKey: getKey},
	}
	p.oauth = compose.Compose(cfg, &clientStore{MemoryStore: storage.NewMemoryStore(), p: p}, strategy,
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2PKCEFactory,
		compose.OpenIDConnectExplicitFactory,
		compose.OAuth2TokenIntrospectionFactory,
	)
	p.routes()
	return p, nil
}

func mac(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

func (p *Provider) url(path string) string { return p.issuer + path }

func (p *Provider) metadata() map[string]any {
	return map[string]any{
		"issuer":                                p.issuer,
		"authorization_endpoint":                p.url("/authorize"),
		"token_endpoint":                        p.url("/token"),
		"userinfo_endpoint":                     p.url("/userinfo"),
		"jwks_uri":                              p.url("/jwks"),
		"end_session_endpoint":                  p.url("/end_session"),
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      allowedScopes,
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":      []string{"S256"},
		"acr_values_supported":                  []string{LevelSpidL2},
		"claims_supported": []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr",
			FiscalCodeClaim, "given_name", "family_name", "email", "phone_number"},
	}
}

func (p *Provider) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET "+p.prefix+"/.well-known/openid-configuration", p.serveJSON(func() []byte { return p.meta }))
	m.HandleFunc("GET "+p.prefix+"/jwks", p.serveJSON(func() []byte { return p.jwks }))
	m.HandleFunc("GET "+p.prefix+"/authorize", p.authorizePage)
	m.HandleFunc("POST "+p.prefix+"/authorize", p.authorizeChoice)
	m.HandleFunc("POST "+p.prefix+"/token", p.token)
	m.HandleFunc("GET "+p.prefix+"/userinfo", p.userinfo)
	m.HandleFunc("POST "+p.prefix+"/userinfo", p.userinfo)
	m.HandleFunc("GET "+p.prefix+"/end_session", p.endSession)
	m.HandleFunc("POST "+p.prefix+"/end_session", p.endSession)
	m.HandleFunc("GET "+p.prefix+"/style.css", p.style)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		p.page(w, http.StatusNotFound, "error.html", errorData{Title: "Pagina non trovata", TitleEN: "Page not found"}, "")
	})
	p.mux = m
}

// ServeHTTP serves the provider's endpoints under the issuer's path.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	}
	p.mux.ServeHTTP(w, r)
}

func (p *Provider) serveJSON(body func() []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Write(body())
	}
}

func (p *Provider) style(w http.ResponseWriter, r *http.Request) {
	b, _ := files.ReadFile("templates/style.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
}

// page renders an HTML page. formTarget, when set, is an origin the page's form may
// lead to (through the redirect after it is posted).
func (p *Provider) page(w http.ResponseWriter, status int, name string, data any, formTarget string) {
	title := "Provider di identità DEMO — solo per prova"
	switch d := data.(type) {
	case errorData:
		title = d.Title + " – " + title
	case nil:
		title = "Sei uscito – " + title
	}
	form := "'self'"
	if formTarget != "" {
		form += " " + formTarget
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action "+form)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, pageData{Prefix: p.prefix, Title: title, Data: data}); err != nil {
		p.log.Error("demo-idp: render", "page", name, "err", err)
	}
}

type pageData struct {
	Prefix string
	Title  string
	Data   any
}

type errorData struct {
	Title, TitleEN string
	Detail         string // the protocol error, in English (for the developer)
}

// client is a tenant seen as an OAuth 2.0 client.
type client struct {
	*fosite.DefaultClient
	Name       string
	PostLogout []string
}

// client returns the tenant registered with this client id, if its OIDC settings
// point at this provider.
func (p *Provider) client(ctx context.Context, id string) (*client, error) {
	if id == "" || len(id) > 200 {
		return nil, fosite.ErrNotFound
	}
	all, err := p.tenants.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range all {
		o, err := p.tenants.OIDC(ctx, t.ID)
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if strings.TrimSuffix(o.IssuerURL, "/") != p.issuer || o.ClientID != id || o.ClientSecret == "" || !t.Active() {
			continue
		}
		hash, _ := secretHasher{key: p.secrets}.Hash(ctx, []byte(o.ClientSecret))
		return &client{
			DefaultClient: &fosite.DefaultClient{
				ID: id, Secret: hash, RedirectURIs: p.tenantURLs(t, "/auth/callback"),
				GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"}, Scopes: allowedScopes,
			},
			Name: t.Name, PostLogout: p.tenantURLs(t, "/"),
		}, nil
	}
	return nil, fosite.ErrNotFound
}

// tenantURLs lists path on every host of the tenant (and its <slug>.localhost
// names), over http and https, with and without the provider's port.
func (p *Provider) tenantURLs(t tenants.Tenant, path string) []string {
	hosts := []string{t.Slug + ".localhost", "servizi." + t.Slug + ".localhost"}
	for _, h := range t.Hosts {
		if !slices.Contains(hosts, h.Name) {
			hosts = append(hosts, h.Name)
		}
	}
	var out []string
	for _, h := range hosts {
		for _, scheme := range []string{"http", "https"} {
			out = append(out, scheme+"://"+h+path)
			if p.port != "" {
				out = append(out, scheme+"://"+h+":"+p.port+path)
			}
		}
	}
	return out
}

// clientStore is fosite's memory store with the clients taken from the tenants.
type clientStore struct {
	*storage.MemoryStore
	p *Provider
}

func (s *clientStore) GetClient(ctx context.Context, id string) (fosite.Client, error) {
	c, err := s.p.client(ctx, id)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// secretHasher "hashes" client secrets with HMAC-SHA256: the secrets are long
// random-looking strings held by the tenants service, so a slow password hash
// (fosite's default bcrypt) would only slow every token request down.
type secretHasher struct{ key []byte }

func (h secretHasher) Hash(_ context.Context, data []byte) ([]byte, error) {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte("client-secret:"))
	m.Write(data)
	return m.Sum(nil), nil
}

func (h secretHasher) Compare(ctx context.Context, hash, data []byte) error {
	want, _ := h.Hash(ctx, data)
	if !hmac.Equal(hash, want) {
		return errors.New("demoidp: wrong client secret")
	}
	return nil
}

// subject is the pairwise subject identifier of a citizen for a client, as SPID
// and CIE gateways give: stable, and different for each relying party.
func (p *Provider) subject(clientID, fiscalCode string) string {
	return hex.EncodeToString(mac(p.secrets, "sub:"+clientID+"|"+fiscalCode)[:16])
}

// claims are the attributes of a citizen, as in the ID token and at userinfo.
func claims(c demo.Citizen) map[string]any {
	m := map[string]any{
		FiscalCodeClaim: "TINIT-" + c.FiscalCode,
		"given_name":    c.GivenName,
		"family_name":   c.FamilyName,
	}
	if c.Email != "" {
		m["email"] = c.Email
		m["email_verified"] = true
	}
	if c.Phone != "" {
		m["phone_number"] = c.Phone
	}
	return m
}

// randomToken returns a random URL-safe string.
func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Cookies: the provider has its own CSRF cookie (the web layer's protection does not
// reach it) and its own session cookie, which remembers who was chosen until the
// relying party logs out. Both are host-only, HttpOnly, SameSite=Lax and limited
// to the provider's path.
const (
	csrfCookie    = "demo_idp_csrf"
	sessionCookie = "demo_idp_session"
)

func (p *Provider) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: p.prefix + "/", MaxAge: maxAge, HttpOnly: true,
		Secure: p.secure, SameSite: http.SameSiteLaxMode})
}

// csrfToken returns the form token for the browser, setting the cookie if needed.
func (p *Provider) csrfToken(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 && len(c.Value) <= 64 {
		v = c.Value
	} else {
		v = randomToken()
		p.setCookie(w, csrfCookie, v, 0)
	}
	return base64.RawURLEncoding.EncodeToString(mac(p.secrets, "csrf:"+v))
}

func (p *Provider) checkCSRF(r *http.Request) bool {
	if p.cop.Check(r) != nil {
		return false
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) < 32 || len(c.Value) > 64 {
		return false
	}
	want := base64.RawURLEncoding.EncodeToString(mac(p.secrets, "csrf:"+c.Value))
	return hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(want))
}

// sessionValue is "<index>.<mac>": the chosen citizen, bound to their fiscal code.
func (p *Provider) sessionValue(i int) string {
	return strconv.Itoa(i) + "." + base64.RawURLEncoding.EncodeToString(mac(p.secrets, "session:"+strconv.Itoa(i)+":"+p.citizens[i].FiscalCode))
}

// parseSession returns the citizen a session cookie names, if its MAC is right.
func (p *Provider) parseSession(v string) (int, bool) {
	idx, sig, ok := strings.Cut(v, ".")
	if !ok || len(idx) == 0 || len(idx) > 3 {
		return 0, false
	}
	i, err := strconv.Atoi(idx)
	if err != nil || i < 0 || i >= len(p.citizens) || strconv.Itoa(i) != idx {
		return 0, false
	}
	if !hmac.Equal([]byte(v), []byte(p.sessionValue(i))) || sig == "" {
		return 0, false
	}
	return i, true
}

func (p *Provider) currentCitizen(r *http.Request) (int, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return 0, false
	}
	return p.parseSession(c.Value)
}

type authorizeData struct {
	ClientName string
	Citizens   []demo.Citizen
	Current    string // name of the citizen chosen before, if the session is still on
	CSRF       string
	Params     []param // the authorisation request, carried through the form
}

type param struct{ Name, Value string }

// authorizePage validates the authorisation request and shows the choice of test
// citizens.
func (p *Provider) authorizePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ar, err := p.oauth.NewAuthorizeRequest(ctx, r)
	if err == nil {
		err = checkPKCE(ar)
	}
	if err != nil {
		p.authorizeError(w, r, ar, err)
		return
	}
	c := ar.GetClient().(*client)
	d := authorizeData{ClientName: c.Name, Citizens: p.citizens, CSRF: p.csrfToken(w, r)}
	if i, ok := p.currentCitizen(r); ok {
		d.Current = p.citizens[i].GivenName + " " + p.citizens[i].FamilyName
	}
	form := ar.GetRequestForm()
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if k == "csrf" || k == "citizen" || k == "cancel" {
			continue
		}
		for _, v := range form[k] {
			d.Params = append(d.Params, param{k, v})
		}
	}
	p.page(w, http.StatusOK, "authorize.html", d, origin(ar.GetRedirectURI()))
}

// checkPKCE refuses, before anything is shown, a request the token endpoint would
// refuse anyway: PKCE is mandatory and only S256 is accepted.
func checkPKCE(ar fosite.AuthorizeRequester) error {
	f := ar.GetRequestForm()
	if f.Get("code_challenge") == "" {
		return fosite.ErrInvalidRequest.WithHint("PKCE is required: send code_challenge and code_challenge_method=S256.")
	}
	if f.Get("code_challenge_method") != "S256" {
		return fosite.ErrInvalidRequest.WithHint("Only the S256 code_challenge_method is supported.")
	}
	return nil
}

func origin(u *url.URL) string {
	if u == nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// authorizeError answers an authorisation request that cannot go on: back to the
// client with the error when its redirect URI is known and registered, otherwise a
// page here (never a redirect to an unregistered address).
func (p *Provider) authorizeError(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, err error) {
	if ar != nil && ar.IsRedirectURIValid() {
		p.oauth.WriteAuthorizeError(r.Context(), w, ar, err)
		return
	}
	rfc := fosite.ErrorToRFC6749Error(err)
	status := rfc.CodeField
	if status < 400 || status > 499 {
		status = http.StatusBadRequest
	}
	p.page(w, status, "error.html", errorData{Title: "Richiesta di accesso non valida", TitleEN: "Invalid sign-in request",
		Detail: strings.TrimSpace(rfc.ErrorField + ": " + rfc.GetDescription())}, "")
}

// authorizeChoice completes the authorisation with the chosen citizen (or returns
// access_denied when the visitor cancels).
func (p *Provider) authorizeChoice(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		p.page(w, http.StatusBadRequest, "error.html", errorData{Title: "Richiesta non valida", TitleEN: "Bad request"}, "")
		return
	}
	if !p.checkCSRF(r) {
		p.page(w, http.StatusForbidden, "error.html", errorData{Title: "La pagina è scaduta: torna al sito e riprova",
			TitleEN: "This page expired: go back to the site and try again", Detail: "CSRF check failed"}, "")
		return
	}
	ar, err := p.oauth.NewAuthorizeRequest(ctx, r)
	if err == nil {
		err = checkPKCE(ar)
	}
	if err != nil {
		p.authorizeError(w, r, ar, err)
		return
	}
	if r.PostForm.Has("cancel") {
		p.oauth.WriteAuthorizeError(ctx, w, ar, fosite.ErrAccessDenied.WithHint("The person cancelled the sign-in."))
		return
	}
	raw := r.PostFormValue("citizen")
	i, err := strconv.Atoi(raw)
	if err != nil || i < 0 || i >= len(p.citizens) || strconv.Itoa(i) != raw {
		p.page(w, http.StatusBadRequest, "error.html", errorData{Title: "Scegli una delle persone di prova", TitleEN: "Choose one of the test people"}, "")
		return
	}
	for _, s := range ar.GetRequestedScopes() {
		if slices.Contains(allowedScopes, s) {
			ar.GrantScope(s)
		}
	}
	cz := p.citizens[i]
	now := p.now().UTC()
	sub := p.subject(ar.GetClient().GetID(), cz.FiscalCode)
	sess := &openid.DefaultSession{
		Claims: &jwt.IDTokenClaims{
			Subject:                             sub,
			Issuer:                              p.issuer,
			AuthTime:                            now.Truncate(time.Second),
			RequestedAt:                         ar.GetRequestedAt(),
			AuthenticationContextClassReference: LevelSpidL2,
			Extra:                               claims(cz),
		},
		Headers:  &jwt.Headers{Extra: map[string]any{"kid": p.kid}},
		Subject:  sub,
		Username: cz.FiscalCode,
	}
	resp, err := p.oauth.NewAuthorizeResponse(ctx, ar, sess)
	if err != nil {
		p.log.Warn("demo-idp: authorize", "err", err)
		p.oauth.WriteAuthorizeError(ctx, w, ar, err)
		return
	}
	p.setCookie(w, sessionCookie, p.sessionValue(i), 0)
	p.oauth.WriteAuthorizeResponse(ctx, w, ar, resp)
}

// token is the token endpoint: it redeems a code (with the PKCE verifier and the
// client's secret) for an access token and an ID token.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ar, err := p.oauth.NewAccessRequest(ctx, r, openid.NewDefaultSession())
	if err != nil {
		p.log.Info("demo-idp: token request refused", "err", err)
		p.oauth.WriteAccessError(ctx, w, ar, err)
		return
	}
	resp, err := p.oauth.NewAccessResponse(ctx, ar)
	if err != nil {
		p.log.Info("demo-idp: token response refused", "err", err)
		p.oauth.WriteAccessError(ctx, w, ar, err)
		return
	}
	p.oauth.WriteAccessResponse(ctx, w, ar, resp)
}

// userinfo returns the claims of the citizen an access token was issued for.
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	tok := fosite.AccessTokenFromRequest(r)
	if tok == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="demo-idp"`)
		http.Error(w, `{"error":"invalid_request"}`, http.StatusUnauthorized)
		return
	}
	_, ar, err := p.oauth.IntrospectToken(ctx, tok, fosite.AccessToken, openid.NewDefaultSession())
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="demo-idp", error="invalid_token"`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"invalid_token"}`))
		return
	}
	if !ar.GetGrantedScopes().Has("openid") {
		w.Header().Set("WWW-Authenticate", `Bearer realm="demo-idp", error="insufficient_scope"`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"error":"insufficient_scope"}`))
		return
	}
	sess, ok := ar.GetSession().(*openid.DefaultSession)
	if !ok || sess.Claims == nil {
		http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
		return
	}
	out := map[string]any{}
	for k, v := range sess.Claims.Extra {
		out[k] = v
	}
	out["sub"] = sess.Claims.Subject
	if sess.Claims.AuthenticationContextClassReference != "" {
		out["acr"] = sess.Claims.AuthenticationContextClassReference
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// endSession is the end-session endpoint (OpenID Connect RP-Initiated Logout 1.0):
// it ends the provider's own session and sends the browser back to the client's
// post_logout_redirect_uri when the client is known (from a valid id_token_hint or
// client_id) and the address is registered; otherwise it shows a signed-out page.
func (p *Provider) endSession(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		p.page(w, http.StatusBadRequest, "error.html", errorData{Title: "Richiesta non valida", TitleEN: "Bad request"}, "")
		return
	}
	p.setCookie(w, sessionCookie, "", -1)
	clientID := r.Form.Get("client_id")
	if hint := r.Form.Get("id_token_hint"); hint != "" {
		aud, err := p.hintAudience(hint)
		if err != nil || (clientID != "" && !slices.Contains(aud, clientID)) || len(aud) == 0 {
			p.page(w, http.StatusBadRequest, "error.html", errorData{Title: "Richiesta di uscita non valida", TitleEN: "Invalid logout request",
				Detail: "id_token_hint is not a valid ID token of this provider for the client"}, "")
			return
		}
		if clientID == "" {
			clientID = aud[0]
		}
	}
	target := r.Form.Get("post_logout_redirect_uri")
	if target != "" && clientID != "" {
		c, err := p.client(ctx, clientID)
		if err != nil && !errors.Is(err, fosite.ErrNotFound) {
			p.log.Error("demo-idp: end session", "err", err)
		}
		if err == nil && slices.Contains(c.PostLogout, target) {
			if st := r.Form.Get("state"); st != "" {
				u, _ := url.Parse(target)
				q := u.Query()
				q.Set("state", st)
				u.RawQuery = q.Encode()
				target = u.String()
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
	}
	p.page(w, http.StatusOK, "logged-out.html", nil, "")
}

// hintAudience verifies an ID token this provider issued (its expiry does not
// matter: a hint may be old) and returns its audience.
func (p *Provider) hintAudience(raw string) ([]string, error) {
	if len(raw) > 8192 {
		return nil, errors.New("hint too long")
	}
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, err
	}
	payload, err := jws.Verify(&p.key.PublicKey)
	if err != nil {
		return nil, err
	}
	var c struct {
		Iss string          `json:"iss"`
		Aud json.RawMessage `json:"aud"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, err
	}
	if c.Iss != p.issuer {
		return nil, errors.New("hint from another issuer")
	}
	var aud []string
	if err := json.Unmarshal(c.Aud, &aud); err != nil {
		var one string
		if err := json.Unmarshal(c.Aud, &one); err != nil {
			return nil, err
		}
		aud = []string{one}
	}
	return aud, nil
}
