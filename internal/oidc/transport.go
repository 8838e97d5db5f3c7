package oidc

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxResponseBytes bounds what a provider may send back (discovery, keys, tokens,
// userinfo are a few kilobytes).
const maxResponseBytes = 1 << 20

// NewTransport returns the transport the relying party uses by default: timeouts
// on every phase, the proxy from the environment, responses capped at 1 MiB, and
// host names under .localhost dialled on the loopback interface (RFC 6761, 6.3), so
// the demo identity provider at piazza.localhost works without /etc/hosts entries.
func NewTransport() http.RoundTripper {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy: func(r *http.Request) (*url.URL, error) {
			if IsLocalhost(r.URL.Hostname()) {
				return nil, nil
			}
			return http.ProxyFromEnvironment(r)
		},
		DialContext:           loopbackDialer(d.DialContext),
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   4,
		ForceAttemptHTTP2:     true,
	}
	return limitBody{t}
}

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// loopbackDialer dials names under .localhost on 127.0.0.1, then ::1, and every
// other name normally.
func loopbackDialer(dial dialFunc) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil || !IsLocalhost(host) {
			return dial(ctx, network, addr)
		}
		var errs []error
		for _, ip := range []string{"127.0.0.1", "::1"} {
			c, err := dial(ctx, network, net.JoinHostPort(ip, port))
			if err == nil {
				return c, nil
			}
			errs = append(errs, err)
		}
		return nil, errors.Join(errs...)
	}
}

// IsLocalhost reports whether a host name is localhost or under .localhost, which
// always means this machine (RFC 6761).
func IsLocalhost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

// limitBody caps response bodies.
type limitBody struct{ next http.RoundTripper }

func (l limitBody) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := l.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	res.Body = &cappedBody{r: io.LimitReader(res.Body, maxResponseBytes+1), c: res.Body}
	return res, nil
}

type cappedBody struct {
	r io.Reader
	c io.Closer
	n int64
}

var errTooLarge = errors.New("oidc: provider response larger than 1 MiB")

func (b *cappedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > maxResponseBytes {
		return 0, errTooLarge
	}
	return n, err
}

func (b *cappedBody) Close() error { return b.c.Close() }
