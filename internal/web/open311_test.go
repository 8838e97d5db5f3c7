package web

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"piazza/internal/reports"
)

// jsonKeys returns the sorted keys of a JSON object.
func jsonKeys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

// TestOpen311Conformance walks every GeoReport v2 endpoint in both formats and
// checks field names, types, filters and the error format against the spec.
func TestOpen311Conformance(t *testing.T) {
	e := newReportsEnv(t)
	host := "borgo.example.it"
	c := e.client(host)
	f := e.form(e.category)
	f.Set("lat", "45.1")
	f.Set("lon", "9.1")
	withPin := e.file(t, host, f, exifJPEG(t))
	addressOnly := e.file(t, host, e.form(e.category), nil)
	rep, _ := e.db.ReportByCode(context.Background(), e.borgo.ID, addressOnly)
	if _, err := e.svc.Apply(context.Background(), reports.Change{TenantID: e.borgo.ID, ReportID: rep.ID, Status: reports.Fixed, Body: "Fatto."}); err != nil {
		t.Fatal(err)
	}
	getJSON := func(path string, status int, v any) string {
		t.Helper()
		res := c.get(path)
		if res.StatusCode != status {
			t.Fatalf("%s: status %d, want %d: %s", path, res.StatusCode, status, clip(res.Body))
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s: Content-Type %q", path, ct)
		}
		if err := json.Unmarshal([]byte(res.Body), v); err != nil {
			t.Fatalf("%s: %v in %s", path, err, res.Body)
		}
		return res.Body
	}
	getXML := func(path string, status int, v any) string {
		t.Helper()
		res := c.get(path)
		if res.StatusCode != status || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/xml") {
			t.Fatalf("%s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if !strings.HasPrefix(res.Body, `<?xml version="1.0" encoding="UTF-8"?>`) {
			t.Fatalf("%s: no XML declaration", path)
		}
		if err := xml.Unmarshal([]byte(res.Body), v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return res.Body
	}

	// Discovery: an object, every field present.
	var disc map[string]any
	getJSON("/open311/v2/discovery.json", 200, &disc)
	if jsonKeys(disc) != "changeset contact endpoints key_service" {
		t.Fatalf("discovery keys %s", jsonKeys(disc))
	}
	ep := disc["endpoints"].([]any)[0].(map[string]any)
	if jsonKeys(ep) != "changeset formats specification type url" || ep["specification"] != o311Spec ||
		!strings.HasSuffix(ep["url"].(string), "/open311/v2") || len(ep["formats"].([]any)) != 2 {
		t.Fatalf("endpoint %v", ep)
	}
	var dx struct {
		XMLName   xml.Name `xml:"discovery"`
		Endpoints []struct {
			Formats []string `xml:"formats>format"`
		} `xml:"endpoints>endpoint"`
	}
	getXML("/open311/v2/discovery.xml", 200, &dx)
	if len(dx.Endpoints) != 1 || len(dx.Endpoints[0].Formats) != 2 {
		t.Fatalf("discovery.xml %+v", dx)
	}

	// Services: a top-level array; metadata is a boolean.
	var svcs []map[string]any
	getJSON("/open311/v2/services.json", 200, &svcs)
	if len(svcs) != 1 || jsonKeys(svcs[0]) != "description group keywords metadata service_code service_name type" {
		t.Fatalf("services %v", svcs)
	}
	if _, ok := svcs[0]["metadata"].(bool); !ok || svcs[0]["type"] != "realtime" || svcs[0]["service_code"] != e.category.Code {
		t.Fatalf("service %v", svcs[0])
	}
	var sx struct {
		XMLName  xml.Name `xml:"services"`
		Services []struct {
			Code string `xml:"service_code"`
		} `xml:"service"`
	}
	getXML("/open311/v2/services.xml", 200, &sx)
	if len(sx.Services) != 1 || sx.Services[0].Code != e.category.Code {
		t.Fatalf("services.xml %+v", sx)
	}
	var def map[string]any
	getJSON("/open311/v2/services/"+e.category.Code+".json", 200, &def)
	if jsonKeys(def) != "attributes service_code" {
		t.Fatalf("definition %v", def)
	}

	// Requests: every field of the spec, the right types, no personal data.
	var reqs []map[string]any
	body := getJSON("/open311/v2/requests.json", 200, &reqs)
	if len(reqs) != 2 {
		t.Fatalf("requests %s", body)
	}
	for _, secret := range []string{rpName, rpEmail, "7654321"} {
		if strings.Contains(body, secret) {
			t.Fatalf("requests carry the reporter's %q", secret)
		}
	}
	byID := map[string]map[string]any{}
	for _, r := range reqs {
		byID[r["service_request_id"].(string)] = r
		for _, k := range []string{"service_request_id", "status", "service_name", "service_code", "description", "agency_responsible",
			"service_notice", "requested_datetime", "updated_datetime", "address", "address_id", "zipcode", "media_url"} {
			if _, ok := r[k].(string); !ok {
				t.Errorf("request field %s missing or not a string: %v", k, r[k])
			}
		}
		if _, err := time.Parse(time.RFC3339, r["requested_datetime"].(string)); err != nil {
			t.Errorf("requested_datetime %v", r["requested_datetime"])
		}
	}
	if p := byID[withPin]; p["status"] != "open" || p["lat"] != 45.1 || p["long"] != 9.1 {
		t.Fatalf("request with pin %v", p)
	}
	var one []map[string]any
	getJSON("/open311/v2/requests/"+withPin+".json", 200, &one)
	if len(one) != 1 || !strings.Contains(one[0]["media_url"].(string), "/segnalazioni/foto/") {
		t.Fatalf("one request with its photo: %v", one)
	}
	if a := byID[addressOnly]; a["status"] != "closed" || a["lat"] != nil || a["address"] != "Via Roma 12" {
		t.Fatalf("address-only request %v", a)
	}
	var rx struct {
		XMLName  xml.Name `xml:"service_requests"`
		Requests []struct {
			ID     string  `xml:"service_request_id"`
			Status string  `xml:"status"`
			Lat    float64 `xml:"lat"`
		} `xml:"request"`
	}
	getXML("/open311/v2/requests/"+strings.ToLower(withPin)+".xml", 200, &rx)
	if len(rx.Requests) != 1 || rx.Requests[0].ID != withPin || rx.Requests[0].Lat != 45.1 {
		t.Fatalf("one request %+v", rx)
	}

	// Filters.
	today := time.Now().UTC()
	filters := []struct {
		query string
		n     int
	}{
		{"status=closed", 1},
		{"status=open", 1},
		{"status=open,closed", 2},
		{"service_request_id=" + withPin + "&status=closed", 1}, // the id overrides the rest
		{"service_code=" + e.category.Code, 2},
		{"page_size=1", 1},
		{"page_size=1&page=2", 1},
		{"page_size=1&page=3", 0},
		{"start_date=" + url.QueryEscape(today.Add(-48*time.Hour).Format(time.RFC3339)), 2},
		{"end_date=" + url.QueryEscape(today.Add(-48*time.Hour).Format(time.RFC3339)), 0},
		{"jurisdiction_id=borgo.example.it&status=", 2},
	}
	for _, fl := range filters {
		var got []map[string]any
		getJSON("/open311/v2/requests.json?"+fl.query, 200, &got)
		if len(got) != fl.n {
			t.Errorf("%s: %d requests, want %d", fl.query, len(got), fl.n)
		}
	}

	// Errors: the spec's list, 404 for what does not exist, 400 for the rest.
	errs := []struct {
		path   string
		status int
		want   string
	}{
		{"/open311/v2/services/nope.json", 404, "service_code"},
		{"/open311/v2/requests/AAAA-BBBB-CCCC.json", 404, "service_request_id"},
		{"/open311/v2/requests.json?jurisdiction_id=marina.example.it", 404, "jurisdiction_id"},
		{"/open311/v2/requests.json?start_date=yesterday", 400, "start_date"},
		{"/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", 400, "90 days"},
		{"/open311/v2/requests.json?status=pending", 400, "status"},
		{"/open311/v2/requests.json?page_size=5000", 400, "page_size"},
		{"/open311/v2/requests.json?service_code=nope", 400, "service_code"},
		{"/open311/v2/requests.json?service_request_id=%3Cscript%3E", 400, "service_request_id"},
	}
	for _, x := range errs {
		var list []map[string]any
		getJSON(x.path, x.status, &list)
		if len(list) != 1 || jsonKeys(list[0]) != "code description" || !strings.Contains(list[0]["description"].(string), x.want) {
			t.Errorf("%s: %v", x.path, list)
		}
		if code, _ := list[0]["code"].(float64); int(code) != x.status {
			t.Errorf("%s: code %v", x.path, list[0]["code"])
		}
	}
	var ex struct {
		XMLName xml.Name `xml:"errors"`
		Errors  []struct {
			Code        int    `xml:"code"`
			Description string `xml:"description"`
		} `xml:"error"`
	}
	getXML("/open311/v2/services/nope.xml", 404, &ex)
	if len(ex.Errors) != 1 || ex.Errors[0].Code != 404 {
		t.Fatalf("xml error %+v", ex)
	}
	if res := c.get("/open311/v2/services.html"); res.StatusCode != 404 {
		t.Fatalf("unknown format: %d", res.StatusCode)
	}
	// Marina's endpoint knows nothing of Borgo's requests.
	var other []map[string]any
	mc := e.client("marina.example.it")
	if res := mc.get("/open311/v2/requests.json"); res.StatusCode != 200 || json.Unmarshal([]byte(res.Body), &other) != nil || len(other) != 0 {
		t.Fatalf("Marina's requests: %s", res.Body)
	}
	if res := mc.get("/open311/v2/requests/" + withPin + ".json"); res.StatusCode != 404 {
		t.Fatalf("Borgo's request on Marina: %d", res.StatusCode)
	}
}

// FuzzOpen311Query feeds arbitrary query strings to the GET requests parser: it
// never panics, and what it accepts stays within the spec's bounds.
func FuzzOpen311Query(f *testing.F) {
	for _, s := range []string{"", "status=open", "status=open,closed&page=2&page_size=10", "start_date=2026-01-01T00:00:00Z",
		"service_request_id=K7QH-3M9X-2PTA,abc", "end_date=2026-01-01T00:00:00%2B01:00", "page=-1", "page_size=0",
		"service_code=a,b,,c", "start_date=2026-05-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", "%zz"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fl, codes, msg := o311Query(q, now)
		if msg != "" {
			return
		}
		if fl.Limit < 1 || fl.Limit > o311Max || fl.Offset < 0 {
			t.Fatalf("limit %d offset %d", fl.Limit, fl.Offset)
		}
		if len(fl.Codes) == 0 && (fl.To.Sub(fl.From) > o311Span+time.Second || fl.To.Before(fl.From)) {
			t.Fatalf("span %v–%v", fl.From, fl.To)
		}
		for _, c := range fl.Codes {
			if reports.NormalizeCode(c) != c {
				t.Fatalf("code %q", c)
			}
		}
		if len(codes) > 100 {
			t.Fatalf("%d codes", len(codes))
		}
	})
}
