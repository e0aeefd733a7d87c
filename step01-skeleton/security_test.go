package main

import (
	"net/http"
	"strings"
	"testing"
)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	srv := newTestServer(t)
	for _, path := range []string{"/healthz", "/nowhere"} {
		_, header, _ := request(t, "GET", srv.URL+path, nil, nil)
		checkSecurityHeaders(t, "GET "+path, header)
	}
}

// checkSecurityHeaders asserts what the headers forbid, not that they equal
// the app's own constant: a policy loosened to allow scripts or framing
// must fail here, whatever its spelling.
func checkSecurityHeaders(t testing.TB, what string, header http.Header) {
	t.Helper()
	csp := map[string][]string{} // directive -> its sources
	for directive := range strings.SplitSeq(header.Get("Content-Security-Policy"), ";") {
		if f := strings.Fields(strings.ToLower(directive)); len(f) > 0 {
			csp[f[0]] = f[1:]
		}
	}
	// A fetch directive missing from the policy falls back to default-src.
	sources := func(directive string) []string {
		if s, ok := csp[directive]; ok {
			return s
		}
		return csp["default-src"]
	}
	for directive, sources := range map[string][]string{
		"script-src":      sources("script-src"),  // no scripts, inline or not
		"object-src":      sources("object-src"),  // no plugins
		"frame-ancestors": csp["frame-ancestors"], // no framing (no fallback)
		"base-uri":        csp["base-uri"],        // no <base> to redirect relative URLs (no fallback)
	} {
		if strings.Join(sources, " ") != "'none'" {
			t.Errorf("%s: Content-Security-Policy %q allows %s %q, want 'none'", what, header.Get("Content-Security-Policy"), directive, sources)
		}
	}
	for name, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "strict-origin-when-cross-origin",
	} {
		if got := header.Get(name); got != want {
			t.Errorf("%s: %s = %q, want %q", what, name, got, want)
		}
	}
}
