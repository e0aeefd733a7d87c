package main

import "net/http"

// contentSecurityPolicy allows the page its own stylesheet and forms, and
// nothing else: no scripts at all, inline or not, no plugins, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// secureHeaders tells browsers to refuse what this app never does, so that
// a mistake elsewhere (an unescaped name, say) cannot run code.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")                  // no guessing a type from content
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin") // paths stay on this site
		next.ServeHTTP(w, r)
	})
}
