// Command clickday is the click-day benchmark: citizens who prepared their
// applications (drafts with an attachment) all press "Invia" at the same moment
// for the same service of one comune. It drives a real piazza server over HTTP,
// kills it with SIGKILL halfway through, restarts it and finishes; then it checks
// that every application that got a receipt is stored with its attachment and a
// protocol number, and that the year's protocol numbers are unique and gapless. In
// the same run it measures the raw durable INSERT rate of the same database with
// rows of the same size: the baseline the submissions are compared with.
//
//	go build -o /tmp/piazza ./cmd/piazza
//	go run ./bench/clickday -bin /tmp/piazza -n 4000 -c 64                  # SQLite, synchronous=NORMAL
//	go run ./bench/clickday -bin /tmp/piazza -sync full                     # SQLite, synchronous=FULL
//	go run ./bench/clickday -bin /tmp/piazza -pg postgres://…               # PostgreSQL, synchronous_commit=on
package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"piazza/internal/accounts"
	"piazza/internal/audit"
	"piazza/internal/forms"
	"piazza/internal/secret"
	"piazza/internal/services"
	"piazza/internal/session"
	"piazza/internal/store"
	"piazza/internal/tenants"
)

const host = "clickday.localhost"

// bonusForm is the service's form: two steps, as short as a real click-day form
// (a bonus with an ISEE attestation): the data, the attachment, the declaration.
const bonusForm = `{
  "key": "bonus",
  "title": "Bonus bici",
  "steps": [
    {"id": "dati", "title": "Dati", "fields": [
      {"name": "nome", "type": "text", "label": "Nome e cognome", "required": true, "maxLength": 200},
      {"name": "iban", "type": "iban", "label": "IBAN", "required": true},
      {"name": "importo", "type": "amount", "label": "Importo richiesto", "required": true}
    ]},
    {"id": "allegati", "title": "Allegati", "fields": [
      {"name": "isee", "type": "file", "label": "Attestazione ISEE", "required": true, "accept": ["application/pdf"], "maxBytes": 1048576, "maxFiles": 1}
    ]},
    {"id": "dichiarazione", "kind": "declaration", "title": "Dichiarazione", "intro": "Dichiaro, consapevole delle sanzioni del D.P.R. 445/2000, che i dati sono veri.", "fields": [
      {"name": "vero", "type": "accept", "label": "Dichiaro che i dati sono veri"}
    ]}
  ]
}`

type citizen struct {
	n      int
	client *http.Client
	code   string
	csrf   string
	// receipt is set when the server answered the submission with its receipt page.
	receipt bool
	latency time.Duration
	other   string // where a submission without a receipt was sent
}

func main() {
	bin := flag.String("bin", "", "the piazza binary (go build -o … ./cmd/piazza)")
	pg := flag.String("pg", "", "PostgreSQL URL (empty: SQLite in a temporary directory)")
	syncMode := flag.String("sync", "normal", "SQLite synchronous setting: normal or full")
	n := flag.Int("n", 3000, "citizens, each submitting one application")
	conc := flag.Int("c", 64, "concurrent citizens")
	kill := flag.Bool("kill", true, "SIGKILL the server halfway through and restart it")
	port := flag.Int("port", 18181, "port of the server")
	flag.Parse()
	if *bin == "" {
		fail(errors.New("-bin is required"))
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "piazza-clickday")
	check(err)
	// CLICKDAY_KEEP=1 keeps the data directory (and its server.log) for a look.
	if os.Getenv("CLICKDAY_KEEP") == "" {
		defer os.RemoveAll(dir)
	} else {
		fmt.Fprintln(os.Stderr, "data in", dir)
	}
	opts := store.Options{DataDir: dir, MaxConns: *conc + 4, SQLiteFull: *syncMode == "full"}
	env := []string{"PIAZZA_SQLITE_SYNCHRONOUS=" + *syncMode}
	label := "SQLite, synchronous=" + strings.ToUpper(*syncMode) + " (WAL)"
	if *pg != "" {
		schema := fmt.Sprintf("clickday_%d", time.Now().UnixNano())
		admin, err := sql.Open("pgx", *pg)
		check(err)
		_, err = admin.Exec("CREATE SCHEMA " + schema)
		check(err)
		defer func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE"); admin.Close() }()
		u, _ := url.Parse(*pg)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		opts.URL = u.String()
		env = append(env, "PIAZZA_DATABASE_URL="+opts.URL)
		label = "PostgreSQL, synchronous_commit=on"
	}

	fmt.Fprintf(os.Stderr, "seeding %d citizens…\n", *n)
	tokens := seed(ctx, opts, *n)

	srv := &server{bin: *bin, dir: dir, port: *port, env: env}
	running = srv
	check(srv.start())
	defer srv.stop()

	// The citizens fill their drafts beforehand (not timed).
	fmt.Fprintf(os.Stderr, "preparing %d drafts over HTTP…\n", *n)
	cs := make([]*citizen, *n)
	pdf := fakePDF(16 << 10)
	run(*conc, *n, func(i int) {
		c := &citizen{n: i, client: newClient(*port, tokens[i])}
		check(c.prepare(*port, pdf))
		cs[i] = c
	})

	// Click day: everybody presses "Invia".
	fmt.Fprintf(os.Stderr, "submitting…\n")
	var done atomic.Int64
	var downtime time.Duration
	killed := make(chan struct{})
	if *kill {
		go func() {
			for done.Load() < int64(*n/2) {
				time.Sleep(time.Millisecond)
			}
			t := time.Now()
			srv.kill()
			check(srv.start())
			downtime = time.Since(t)
			close(killed)
		}()
	} else {
		close(killed)
	}
	start := time.Now()
	run(*conc, *n, func(i int) {
		c := cs[i]
		for attempt := 0; ; attempt++ {
			t := time.Now()
			ok, retry, err := c.submit(*port)
			if err == nil && !retry {
				c.receipt, c.latency = ok, time.Since(t)
				break
			}
			if attempt > 200 {
				fail(fmt.Errorf("citizen %d: no answer after %d attempts: %v", i, attempt, err))
			}
			time.Sleep(50 * time.Millisecond)
		}
		done.Add(1)
	})
	elapsed := time.Since(start)
	<-killed
	srv.stop()

	// The baseline: the same database's raw durable INSERT rate, one row per
	// transaction, rows the size of a stored submission, same concurrency.
	baseRate := baseline(ctx, opts, *conc, 3*time.Second, "bench_raw")
	baseOne := baseline(ctx, opts, 1, 3*time.Second, "bench_raw_one")

	// Verification.
	var lat []time.Duration
	receipts := 0
	for _, c := range cs {
		if c.receipt {
			receipts++
			lat = append(lat, c.latency)
		}
	}
	slices.Sort(lat)
	others := map[string]int{}
	for _, c := range cs {
		if !c.receipt {
			others[codeRE.ReplaceAllString(c.other, "/area-personale/pratiche/{code}/")]++
		}
	}
	if len(others) > 0 {
		fmt.Fprintf(os.Stderr, "answers without a receipt: %v\n", others)
	}
	problems := verify(ctx, opts, cs)

	rate := float64(receipts) / elapsed.Seconds()
	rateUp := float64(receipts) / (elapsed - downtime).Seconds()
	fmt.Printf("%s — %d citizens, %d concurrent, kill -9 halfway: %v\n", label, *n, *conc, *kill)
	fmt.Printf("  baseline: raw durable INSERT, one row per transaction, %d connections: %.0f rows/s; one connection: %.0f rows/s\n", *conc, baseRate, baseOne)
	fmt.Printf("  submissions with receipt: %d of %d in %s (server down %s)\n", receipts, *n, elapsed.Round(time.Millisecond), downtime.Round(time.Millisecond))
	fmt.Printf("  submissions/s: %.0f over the whole run, %.0f while the server was up; ratio to the baselines %.2f (%d connections) and %.2f (one)\n", rate, rateUp, rateUp/baseRate, *conc, rateUp/baseOne)
	if len(lat) > 0 {
		p := func(q float64) float64 { return float64(lat[int(float64(len(lat)-1)*q)].Microseconds()) / 1000 }
		fmt.Printf("  latency of a submission: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", p(0.5), p(0.99), p(1))
	}
	if len(problems) > 0 {
		fmt.Printf("  VERIFICATION FAILED (%d problems):\n", len(problems))
		for _, p := range problems[:min(len(problems), 20)] {
			fmt.Println("   ", p)
		}
		os.Exit(1)
	}
	fmt.Printf("  verified: every receipted application stored with its attachment and protocol number; numbers 1..%d unique and gapless\n", receipts)
}

// seed creates the comune, its office, the form and the published card, and the
// citizens with a session each; it returns the session tokens.
func seed(ctx context.Context, opts store.Options, n int) []string {
	ctx = audit.WithActor(ctx, audit.Actor{Kind: audit.ActorSystem, Label: "clickday"})
	db, err := store.Open(ctx, opts)
	check(err)
	defer db.Close()
	_, err = db.Migrate(ctx)
	check(err)
	t := tenants.Tenant{Slug: "clickday", Name: "Comune di Click Day", Kind: tenants.KindComune, PrimaryColor: "#0066CC",
		Status: tenants.StatusActive, Modules: []tenants.Module{tenants.ModuleSite, tenants.ModuleServices},
		Hosts: []tenants.Host{{Name: host, Kind: tenants.HostSite}}}
	check(db.CreateTenant(ctx, &t))
	o := accounts.Office{TenantID: t.ID, Slug: "bonus", Name: "Ufficio Bonus"}
	check(db.CreateOffice(ctx, &o))
	fm := forms.NewService(db, db, nil)
	check(fm.Adopt(ctx, t.ID, "bonus", []byte(bonusForm)))
	svc := services.New(db, db, fm, db, nil)
	c := services.Card{TenantID: t.ID, Slug: "bonus-bici", Title: "Bonus bici", Summary: "Un contributo per comprare una bicicletta.",
		Status: services.StatusActive, Category: "mobilita-e-trasporti", Topics: []string{"mobilita-sostenibile"},
		Audiences: []services.Audience{services.AudienceCitizens}, WhoFor: "Residenti", HowTo: "Domanda online", Needed: "ISEE",
		Outcome: "Il contributo", Timing: "Dalle 9:00 del giorno di apertura", Access: "Con SPID o CIE", Conditions: "Bando comunale",
		OfficeID: o.ID, MaxResponseDays: 30, Channel: services.ChannelOnline, FormKey: "bonus"}
	check(svc.Save(ctx, &c))
	check(svc.SetPublished(ctx, t.ID, c.ID, true))
	tokens := make([]string, n)
	now := time.Now().UTC()
	check(db.Atomic(ctx, func(ctx context.Context) error {
		for i := range n {
			cit, err := db.UpsertCitizen(ctx, t.ID, accounts.Identity{FiscalCode: fmt.Sprintf("CLKDAY%010d", i), GivenName: "Cittadino",
				FamilyName: fmt.Sprint(i), Email: fmt.Sprintf("c%d@example.it", i)}, now)
			if err != nil {
				return err
			}
			tok, hash := secret.Token()
			if err := db.CreateSession(ctx, &session.Session{TokenHash: hash, TenantID: t.ID, Kind: session.Citizen, CitizenID: cit.ID,
				CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(6 * time.Hour)}); err != nil {
				return err
			}
			tokens[i] = tok
		}
		return nil
	}))
	return tokens
}

type server struct {
	bin, dir string
	port     int
	env      []string
	cmd      *exec.Cmd
}

func (s *server) start() error {
	if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port)); err == nil {
		c.Close()
		return fmt.Errorf("port %d is taken by another process (-port)", s.port)
	}
	s.cmd = exec.Command(s.bin, "serve", "--data", s.dir, "--addr", fmt.Sprintf("127.0.0.1:%d", s.port), "--log-level", "error", "--job-workers", "0")
	s.cmd.Env = append(os.Environ(), s.env...)
	log, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		return err
	}
	for range 300 {
		if res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", s.port)); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	return fmt.Errorf("the server did not start:\n%s", b)
}

func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
}

func (s *server) stop() {
	if s.cmd != nil && s.cmd.ProcessState == nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		s.cmd.Wait()
	}
}

// newClient is a citizen's browser: cookies (the session), no automatic redirects,
// every host name connected to the local server.
func newClient(port int, token string) *http.Client {
	jar, _ := cookiejar.New(nil)
	u := &url.URL{Scheme: "http", Host: fmt.Sprintf("%s:%d", host, port), Path: "/"}
	jar.SetCookies(u, []*http.Cookie{{Name: "piazza_session", Value: token, Path: "/"}})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}, MaxIdleConnsPerHost: 2}
	return &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var (
	csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	codeRE = regexp.MustCompile(`/area-personale/pratiche/([0-9A-Z-]{14})/`)
)

func base(port int) string { return fmt.Sprintf("http://%s:%d", host, port) }

// prepare fills the citizen's draft: start, the two steps, the summary.
func (c *citizen) prepare(port int, pdf []byte) error {
	res, err := c.client.Get(base(port) + "/servizi/mobilita-e-trasporti/bonus-bici/richiesta")
	if err != nil {
		return err
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	m := codeRE.FindStringSubmatch(loc)
	if res.StatusCode != http.StatusSeeOther || m == nil {
		return fmt.Errorf("start: %d %s", res.StatusCode, loc)
	}
	c.code = m[1]
	steps := []struct {
		id     string
		fields map[string]string
		file   bool
	}{
		{"dati", map[string]string{"nome": fmt.Sprintf("Cittadino %d", c.n), "iban": "IT60X0542811101000000123456", "importo": "250,00"}, false},
		{"allegati", map[string]string{}, true},
		{"dichiarazione", map[string]string{"vero": "yes"}, false},
	}
	for _, st := range steps {
		page := fmt.Sprintf("%s/area-personale/pratiche/%s/compila/%s", base(port), c.code, st.id)
		body, err := c.get(page)
		if err != nil {
			return err
		}
		tok := csrfRE.FindStringSubmatch(body)
		if tok == nil {
			return fmt.Errorf("step %s: no form", st.id)
		}
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.WriteField("csrf", tok[1])
		w.WriteField("_nav", "next")
		for k, v := range st.fields {
			w.WriteField(k, v)
		}
		if st.file {
			f, _ := w.CreateFormFile("isee", "isee.pdf")
			f.Write(pdf)
		}
		w.Close()
		req, _ := http.NewRequest(http.MethodPost, page, &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		res, err := c.client.Do(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			return fmt.Errorf("step %s: %d\n%s", st.id, res.StatusCode, b)
		}
	}
	body, err := c.get(fmt.Sprintf("%s/area-personale/pratiche/%s/riepilogo", base(port), c.code))
	if err != nil {
		return err
	}
	tok := csrfRE.FindStringSubmatch(body)
	if tok == nil || !strings.Contains(body, "/invia") {
		return errors.New("summary: no submit form")
	}
	c.csrf = tok[1]
	return nil
}

func (c *citizen) get(u string) (string, error) {
	res, err := c.client.Get(u)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		return "", fmt.Errorf("GET %s: %d", u, res.StatusCode)
	}
	return string(b), err
}

// submit presses "Invia". ok: the receipt came back; retry: the server was not
// there (killed) and the citizen tries again.
func (c *citizen) submit(port int) (ok, retry bool, err error) {
	form := url.Values{"csrf": {c.csrf}}
	u := fmt.Sprintf("%s/area-personale/pratiche/%s/invia", base(port), c.code)
	res, err := c.client.PostForm(u, form)
	if err != nil {
		return false, true, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	loc := res.Header.Get("Location")
	switch {
	case res.StatusCode == http.StatusSeeOther && strings.HasSuffix(loc, "/inviata"):
		return true, false, nil
	case res.StatusCode == http.StatusSeeOther:
		// Already submitted (its first attempt committed, but the answer was lost in
		// the kill): the application page, without a receipt for this attempt.
		c.other = loc
		return false, false, nil
	case res.StatusCode >= 500:
		return false, true, fmt.Errorf("status %d", res.StatusCode)
	}
	return false, false, fmt.Errorf("submit: %d %s", res.StatusCode, loc)
}

func run(conc, n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}

// baseline measures single-row durable INSERTs of about a stored submission's size.
func baseline(ctx context.Context, opts store.Options, conc int, d time.Duration, table string) float64 {
	db, err := store.Open(ctx, opts)
	check(err)
	defer db.Close()
	check(store.ExecRaw(ctx, db, "CREATE TABLE "+table+" (id BIGINT NOT NULL, tenant_id BIGINT NOT NULL, at TEXT NOT NULL, answers TEXT NOT NULL)"))
	payload := strings.Repeat("x", 1500)
	var count atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Since(start) < d; i++ {
				check(store.ExecRaw(ctx, db, "INSERT INTO "+table+" (id, tenant_id, at, answers) VALUES (?, ?, ?, ?)", w*1_000_000+i, 1, time.Now().UTC().Format(time.RFC3339Nano), payload))
				count.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(count.Load()) / time.Since(start).Seconds()
}

// verify checks what was promised to every citizen who got a receipt.
func verify(ctx context.Context, opts store.Options, cs []*citizen) []string {
	db, err := store.Open(ctx, opts)
	check(err)
	defer db.Close()
	var problems []string
	var tenantID int64
	check(store.QueryRowRaw(ctx, db, "SELECT id FROM tenants WHERE slug = 'clickday'").Scan(&tenantID))
	for _, c := range cs {
		if !c.receipt {
			continue
		}
		a, err := db.ApplicationByCode(ctx, tenantID, c.code)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: receipted but not found: %v", c.code, err))
			continue
		}
		if a.ProtocolNumber == "" || a.Status == "draft" {
			problems = append(problems, fmt.Sprintf("%s: receipted but %s without a protocol number", c.code, a.Status))
		}
		files, err := db.ApplicationFiles(ctx, tenantID, a.ID)
		if err != nil || len(files) != 1 || files[0].SubmissionID == 0 || len(files[0].SHA256) != 64 {
			problems = append(problems, fmt.Sprintf("%s: attachment not stored with the submission: %+v %v", c.code, files, err))
			continue
		}
		if _, err := os.Stat(filepath.Join(opts.DataDir, "files", files[0].BlobKey)); err != nil {
			problems = append(problems, fmt.Sprintf("%s: attachment file missing: %v", c.code, err))
		}
	}
	var count, distinct, lo, hi int64
	check(store.QueryRowRaw(ctx, db, "SELECT COUNT(*), COUNT(DISTINCT number), COALESCE(MIN(number), 0), COALESCE(MAX(number), 0) FROM protocol_records WHERE tenant_id = ?", tenantID).
		Scan(&count, &distinct, &lo, &hi))
	var stored int64
	check(store.QueryRowRaw(ctx, db, "SELECT COUNT(*) FROM applications WHERE tenant_id = ? AND protocol_number <> ''", tenantID).Scan(&stored))
	if count != distinct || lo != 1 || hi != count {
		problems = append(problems, fmt.Sprintf("protocol numbers: %d records, %d distinct, from %d to %d", count, distinct, lo, hi))
	}
	if stored != count {
		problems = append(problems, fmt.Sprintf("%d registered applications but %d protocol records", stored, count))
	}
	return problems
}

// fakePDF is a file that passes for a PDF attestation.
func fakePDF(size int) []byte {
	b := bytes.Repeat([]byte("0123456789abcdef\n"), size/17+1)[:size]
	copy(b, "%PDF-1.4\n")
	return b
}

func check(err error) {
	if err != nil {
		fail(err)
	}
}

// running is the server to stop when the benchmark fails.
var running *server

func fail(err error) {
	fmt.Fprintln(os.Stderr, "clickday:", err)
	if running != nil {
		running.stop()
	}
	os.Exit(1)
}
