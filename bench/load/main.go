// Command load sends HTTP GET requests with a fixed number of concurrent clients
// for a fixed time and reports throughput and latency percentiles. It exists so the
// benchmarks need nothing but Go.
//
//	go run ./bench/load -url http://127.0.0.1:8080/ -host borgofiorito.localhost -c 16 -d 10s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "", "URL to request")
	host := flag.String("host", "", "Host header to send (the tenant)")
	conc := flag.Int("c", 16, "concurrent clients")
	dur := flag.Duration("d", 10*time.Second, "duration")
	warm := flag.Duration("warmup", 2*time.Second, "warm-up (not measured)")
	label := flag.String("label", "", "label for the result line")
	status := flag.Int("status", 200, "expected status code")
	flag.Parse()
	if *url == "" {
		flag.Usage()
		os.Exit(2)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc, DisableCompression: false}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	run := func(d time.Duration) ([]time.Duration, int, int64) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		var mu sync.Mutex
		var lat []time.Duration
		errs := 0
		var bytes int64
		var wg sync.WaitGroup
		for range *conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var local []time.Duration
				localErr := 0
				var localBytes int64
				for ctx.Err() == nil {
					req, _ := http.NewRequest(http.MethodGet, *url, nil)
					if *host != "" {
						req.Host = *host
					}
					req.Header.Set("Accept-Encoding", "gzip")
					start := time.Now()
					res, err := client.Do(req)
					if err != nil {
						if ctx.Err() == nil {
							localErr++
						}
						continue
					}
					n, _ := io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != *status {
						localErr++
						continue
					}
					local = append(local, time.Since(start))
					localBytes += n
				}
				mu.Lock()
				lat = append(lat, local...)
				errs += localErr
				bytes += localBytes
				mu.Unlock()
			}()
		}
		wg.Wait()
		return lat, errs, bytes
	}
	run(*warm)
	lat, errs, bytes := run(*dur)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(q*float64(len(lat)-1))]
	}
	rps := float64(len(lat)) / dur.Seconds()
	avg := int64(0)
	if len(lat) > 0 {
		avg = bytes / int64(len(lat))
	}
	fmt.Printf("%-28s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  errors %d  body %d B\n",
		*label, rps, float64(p(0.5).Microseconds())/1000, float64(p(0.99).Microseconds())/1000, errs, avg)
}
