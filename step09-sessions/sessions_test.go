package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

func TestSessionStoreContract(t *testing.T) {
	c := memcachedClient(t)
	store := &sessionStore{cache: c}
	ctx := context.Background()

	if b, found, err := store.FindCtx(ctx, "no-such-token"); found || err != nil || b != nil {
		t.Errorf("Find of a missing token = %q, %v, %v; want not found, no error", b, found, err)
	}
	if err := store.DeleteCtx(ctx, "no-such-token"); err != nil {
		t.Errorf("Delete of a missing token = %v", err)
	}

	if err := store.CommitCtx(ctx, "token-1", []byte("data"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if b, found, err := store.FindCtx(ctx, "token-1"); !found || err != nil || string(b) != "data" {
		t.Errorf("Find after Commit = %q, %v, %v", b, found, err)
	}
	if err := store.DeleteCtx(ctx, "token-1"); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := store.FindCtx(ctx, "token-1"); found {
		t.Error("found a deleted session")
	}

	// An expiry in the past is no session.
	store.CommitCtx(ctx, "token-2", []byte("old"), time.Now().Add(-time.Second))
	if _, found, _ := store.FindCtx(ctx, "token-2"); found {
		t.Error("found a session committed already expired")
	}
	// Over 30 days, memcached reads the expiration as a Unix time: sent as
	// seconds it would mean 1970, and the session would vanish at once.
	store.CommitCtx(ctx, "token-3", []byte("long"), time.Now().Add(60*24*time.Hour))
	if b, found, _ := store.FindCtx(ctx, "token-3"); !found || string(b) != "long" {
		t.Error("a 60-day session is not found right after its commit")
	}
	if n := c.Totals().Errors.Load(); n != 0 {
		t.Errorf("%d cache errors", n)
	}
}

func TestSessionKeyIsAHashOfTheToken(t *testing.T) {
	servers, prefix := testenv.Memcached(t)
	c := memcachedClientFor(t, servers, prefix)
	store := &sessionStore{cache: c}
	token := "secret-token-value"
	store.CommitCtx(context.Background(), token, []byte("data"), time.Now().Add(time.Hour))
	sum := sha256.Sum256([]byte(token))
	if got := rawGet(t, servers[0], prefix+"session:"+hex.EncodeToString(sum[:])); got != "data" {
		t.Errorf("under the hashed key: %q", got)
	}
	if strings.Contains(store.key(token), token) {
		t.Errorf("key %q shows the token", store.key(token))
	}
}

// browser is an HTTP client with its own cookies, like a browser profile.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func load(t *testing.T, b *http.Client, target string) (*http.Response, string) {
	t.Helper()
	resp, err := b.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestFlashIsShownOnceAndOnlyToItsOwner(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			srv, _ := newTestServer(t, databaseURL(t))
			alice, bob := browser(t), browser(t)
			load(t, bob, srv.URL+"/") // bob warms the view cache

			// Alice adds a task; her browser follows the redirect.
			resp, err := alice.PostForm(srv.URL+"/", url.Values{"name": {"alice's task"}})
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(body), "Added “alice&#39;s task”.") {
				t.Fatalf("after her add, alice's page lacks the flash:\n%s", body)
			}
			if resp.Header.Get("X-Cache") == "HIT" || !strings.Contains(resp.Header.Get("Cache-Control"), "no-store") {
				t.Errorf("flash page: X-Cache %q, Cache-Control %q; want it kept out of caches",
					resp.Header.Get("X-Cache"), resp.Header.Get("Cache-Control"))
			}

			// Bob, before and after the view cache is warm again, never sees it.
			for range 3 {
				resp, body := load(t, bob, srv.URL+"/")
				if strings.Contains(body, "Added") {
					t.Errorf("bob sees alice's flash (X-Cache %s)", resp.Header.Get("X-Cache"))
				}
				if !strings.Contains(body, "alice&#39;s task") {
					t.Error("bob does not see the new task")
				}
			}
			// Alice's next page: no flash any more, and a cached page.
			_, body2 := load(t, alice, srv.URL+"/")
			if strings.Contains(body2, "Added") {
				t.Error("alice sees her flash twice")
			}
			resp, _ = load(t, alice, srv.URL+"/")
			if resp.Header.Get("X-Cache") != "HIT" {
				t.Errorf("alice's later pages: X-Cache %q, want HIT once her flash is gone", resp.Header.Get("X-Cache"))
			}

			// Deleting says so too.
			resp, err = alice.PostForm(srv.URL+"/1/delete", nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(body), "Deleted task #1.") {
				t.Errorf("after her delete, alice's page lacks the flash")
			}
		})
	}
}

func TestSessionCookie(t *testing.T) {
	for _, secure := range []bool{false, true} {
		env := map[string]string{"DATABASE_URL": testenv.SQLiteURL(t)}
		if secure {
			env["SESSION_COOKIE_SECURE"] = "true"
		}
		srv, _ := newTestServerEnv(t, env)
		resp, _ := post(t, srv.URL+"/", url.Values{"name": {"x"}}, nil)
		cookies := resp.Cookies()
		if len(cookies) != 1 || cookies[0].Name != "session" {
			t.Fatalf("cookies after a write: %v", cookies)
		}
		c := cookies[0]
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != secure {
			t.Errorf("cookie %s: HttpOnly %v, SameSite %v, Secure %v (want %v)", c, c.HttpOnly, c.SameSite, c.Secure, secure)
		}
		if len(c.Value)*6 < 128 {
			t.Errorf("token %q carries under 128 bits", c.Value)
		}
	}
}

func TestMemcachedOutageLosesFlashesNotPages(t *testing.T) {
	node := testenv.OwnMemcached(t)
	node.Freeze(t) // it accepts connections and never answers
	defer node.Thaw(t)
	dead := node.Addr
	srv, app := newTestServerEnv(t, map[string]string{"DATABASE_URL": testenv.SQLiteURL(t), "MEMCACHED_SERVERS": dead})
	alice := browser(t)
	resp, err := alice.PostForm(srv.URL+"/", url.Values{"name": {"written anyway"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "written anyway") {
		t.Errorf("add with memcached down: %s\n%s", resp.Status, body)
	}
	if got := storedNames(t, app); len(got) != 1 {
		t.Errorf("stored %q", got)
	}
}
