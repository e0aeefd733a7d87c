package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-memcache-workshop/tasklist/shared/web"
)

// cachedView is a stored page: the headers that matter and the body, cut
// around the cache panel. The panel reports on the request being served,
// so it is left out of the cache (a "hole") and filled in at serve time.
type cachedView struct {
	contentType string
	etag        string
	before      []byte // body up to the panel
	after       []byte // body after the panel
}

// newCachedView keeps a response worth caching: a 200 that sets no cookie
// and does not forbid storing. Its panel, if any, becomes the hole.
func newCachedView(rec *responseBuffer) (*cachedView, bool) {
	if rec.status != http.StatusOK || rec.header.Get("Set-Cookie") != "" || rec.header.Get("Cache-Control") != "" {
		return nil, false
	}
	body := rec.body.Bytes()
	before, rest, _ := bytes.Cut(body, []byte(web.PanelOpen))
	_, after, closed := bytes.Cut(rest, []byte(web.PanelClose))
	if !closed {
		before, after = body, nil
	}
	sum := sha256.New()
	sum.Write(before)
	sum.Write(after)
	// Weak: the bytes sent differ by the panel, the page does not.
	etag := `W/"` + hex.EncodeToString(sum.Sum(nil)[:12]) + `"`
	return &cachedView{contentType: rec.header.Get("Content-Type"), etag: etag, before: before, after: after}, true
}

// serve writes the page with a panel for this request, or 304 when the
// browser already has it.
func (p *cachedView) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("ETag", p.etag)
	// The browser must ask every time; the ETag makes asking cheap.
	h["Cache-Control"] = noCache
	if etagMatches(r.Header.Get("If-None-Match"), p.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	panel := web.Panel(r.Context())
	h.Set("Content-Type", p.contentType)
	h.Set("Content-Length", strconv.Itoa(len(p.before)+len(panel)+len(p.after)))
	w.WriteHeader(http.StatusOK)
	w.Write(p.before)
	w.Write(panel)
	w.Write(p.after)
}

// etagMatches compares If-None-Match with weak comparison (RFC 9110).
func etagMatches(ifNoneMatch, etag string) bool {
	if ifNoneMatch == "*" {
		return true
	}
	opaque := strings.TrimPrefix(etag, "W/")
	for candidate := range strings.SplitSeq(ifNoneMatch, ",") {
		if strings.TrimPrefix(strings.TrimSpace(candidate), "W/") == opaque {
			return true
		}
	}
	return false
}

// encode lays a page out as: content type, ETag and the length of the part
// before the panel on one line each, then both parts. It is a few copies
// cheaper than JSON with base64 bodies, on the path every hit takes.
func (p *cachedView) encode() []byte {
	b := make([]byte, 0, len(p.contentType)+len(p.etag)+len(p.before)+len(p.after)+32)
	b = fmt.Appendf(b, "%s\n%s\n%d\n", p.contentType, p.etag, len(p.before))
	return append(append(b, p.before...), p.after...)
}

// decodeView reads back what encode laid out, sharing data's memory; ok is
// false if data is not a page.
func decodeView(data []byte) (page cachedView, ok bool) {
	contentType, rest, _ := bytes.Cut(data, []byte("\n"))
	etag, rest, _ := bytes.Cut(rest, []byte("\n"))
	size, body, ok := bytes.Cut(rest, []byte("\n")) // false if any line is missing
	n, err := strconv.Atoi(string(size))
	if !ok || err != nil || n < 0 || n > len(body) {
		return page, false
	}
	return cachedView{contentType: string(contentType), etag: string(etag), before: body[:n], after: body[n:]}, true
}

// responseBuffer holds a handler's response until it is complete.
type responseBuffer struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (b *responseBuffer) Header() http.Header { return b.header }

func (b *responseBuffer) WriteHeader(status int) {
	if !b.wrote {
		b.status, b.wrote = status, true
	}
}

func (b *responseBuffer) Write(p []byte) (int, error) {
	b.wrote = true
	return b.body.Write(p)
}

// sendTo passes an uncached response on unchanged.
func (b *responseBuffer) sendTo(w http.ResponseWriter) {
	maps.Copy(w.Header(), b.header)
	w.WriteHeader(b.status)
	w.Write(b.body.Bytes())
}
