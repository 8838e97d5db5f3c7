package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"piazza/internal/app"
	"piazza/internal/demo"
	"piazza/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeDemoOnPortZero starts `serve --demo --addr 127.0.0.1:0` twice on the same
// store: each time the demo tenants' identity provider issuer, the banner and the
// served pages must use the port the server really got, not "0" nor the port of the
// previous run.
func TestServeDemoOnPortZero(t *testing.T) {
	dataDir := t.TempDir()
	dbURL := ""
	if base := storetest.PostgresURL(); base != "" {
		dbURL = storetest.NewSchema(t, base)
	}
	for run := 1; run <= 2; run++ {
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan string, 1)
		done := make(chan int, 1)
		var stdout, stderr syncBuffer
		issuers := map[string]string{} // tenant slug -> issuer, read by the hook
		var platformHost string
		capture := func(ctx context.Context, a *app.App) error {
			platformHost = a.Config.PlatformHost
			all, err := a.Tenants.List(ctx)
			if err != nil {
				return err
			}
			for _, tn := range all {
				o, err := a.Tenants.OIDC(ctx, tn.ID)
				if err != nil {
					return err
				}
				issuers[tn.Slug] = o.IssuerURL
			}
			return nil
		}
		args := []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data", dataDir, "--log-format", "text", "--shutdown-timeout", "5s"}
		if dbURL != "" {
			args = append(args, "--database-url", dbURL)
		}
		go func() {
			done <- Main(ctx, Env{
				Args: args, Getenv: func(string) string { return "" },
				Stdout: &stdout, Stderr: &stderr, Stdin: strings.NewReader(""),
				Ready: ready, Hooks: append(DefaultHooks(), capture),
			})
		}()
		var addr string
		select {
		case addr = <-ready:
		case code := <-done:
			cancel()
			t.Fatalf("run %d: serve exited with %d before listening:\n%s", run, code, stderr.String())
		case <-time.After(2 * time.Minute):
			cancel()
			t.Fatalf("run %d: serve did not start:\n%s", run, stderr.String())
		}
		_, port, err := net.SplitHostPort(addr)
		if err != nil || port == "0" {
			cancel()
			t.Fatalf("run %d: bound address %q", run, addr)
		}

		want := demo.Issuer(platformHost, port)
		if len(issuers) != 2 {
			t.Errorf("run %d: the hook saw tenants %v, want the two demo comuni", run, issuers)
		}
		for slug, got := range issuers {
			if got != want {
				t.Errorf("run %d: tenant %s issuer = %q, want %q", run, slug, got, want)
			}
		}
		if !strings.Contains(stdout.String(), "http://borgofiorito.localhost:"+port) {
			t.Errorf("run %d: banner does not show the bound port %s:\n%s", run, port, stdout.String())
		}

		req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
		req.Host = "borgofiorito.localhost:" + port
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("run %d: GET /: %v", run, err)
		} else {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Borgo Fiorito") {
				t.Errorf("run %d: GET / = %d, want 200 with the comune's name", run, resp.StatusCode)
			}
		}

		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("run %d: exit code %d:\n%s", run, code, stderr.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("run %d: serve did not stop", run)
		}
	}
}
