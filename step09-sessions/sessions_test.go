package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

func TestSessionStoreContract(t *testing.T) {
	c := memcachedClient(t)
	store := &sessionStore{cache: c}
	ctx := t.Context()

	// The store reports no errors, even when the cache fails (see the end):
	// here the results are checked, and the cache's error count below.
	if b, found, _ := store.FindCtx(ctx, "no-such-token"); found || b != nil {
		t.Errorf("Find of a missing token = %q, %v; want not found", b, found)
	}
	store.DeleteCtx(ctx, "no-such-token")

	store.CommitCtx(ctx, "token-1", []byte("data"), time.Now().Add(time.Hour))
	if b, found, _ := store.FindCtx(ctx, "token-1"); !found || string(b) != "data" {
		t.Errorf("Find after Commit = %q, %v", b, found)
	}
	store.DeleteCtx(ctx, "token-1")
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

	// When the cache fails (here every operation does: its context is
	// cancelled), the store answers "no session" and no error, which scs
	// would turn into a 500.
	failing, cancel := context.WithCancel(ctx)
	cancel()
	if b, found, err := store.FindCtx(failing, "token-3"); found || err != nil || b != nil {
		t.Errorf("Find with the cache failing = %q, %v, %v; want not found, no error", b, found, err)
	}
	if err := store.CommitCtx(failing, "token-4", []byte("data"), time.Now().Add(time.Hour)); err != nil {
		t.Errorf("Commit with the cache failing = %v, want no error", err)
	}
	if err := store.DeleteCtx(failing, "token-3"); err != nil {
		t.Errorf("Delete with the cache failing = %v, want no error", err)
	}
}

func TestSessionKeyIsAHashOfTheToken(t *testing.T) {
	servers, prefix := testenv.Memcached(t)
	c := memcachedClientFor(t, servers, prefix)
	store := &sessionStore{cache: c}
	token := "secret-token-value"
	store.CommitCtx(t.Context(), token, []byte("data"), time.Now().Add(time.Hour))
	key := store.key(token)
	if got := rawGet(t, servers[0], prefix+key); got != "data" {
		t.Errorf("under the session's key %s: %q", key, got)
	}
	// The key stands for the token without showing it, and tells tokens apart.
	if strings.Contains(key, token) || store.key(token+"x") == key {
		t.Errorf("key %q: want a hash of the token", key)
	}
	// It is stable: another process (another client and store) finds the session.
	other := &sessionStore{cache: memcachedClientFor(t, servers, prefix)}
	if b, found, _ := other.FindCtx(t.Context(), token); !found || string(b) != "data" {
		t.Errorf("another store finds %q, %v; want the session", b, found)
	}
}

func TestFlashIsShownOnceAndOnlyToItsOwner(t *testing.T) {
	for name, databaseURL := range databases {
		t.Run(name, func(t *testing.T) {
			srv, _ := newTestServer(t, databaseURL(t))
			alice, bob := browser(t), browser(t)
			request(t, "GET", srv.URL+"/", nil, nil, bob) // bob warms the view cache

			// Alice adds a task; her browser follows the redirect.
			if code, header, _ := postForm(t, srv.URL+"/", url.Values{"name": {"alice's task"}}, nil, alice); code != http.StatusSeeOther || header.Get("Location") != "/" {
				t.Fatalf("alice's add: %d to %q, want 303 to /", code, header.Get("Location"))
			}
			_, header, body := request(t, "GET", srv.URL+"/", nil, nil, alice)
			if !strings.Contains(body, "Added “alice&#39;s task”.") {
				t.Fatalf("after her add, alice's page lacks the flash:\n%s", body)
			}
			if header.Get("X-Cache") == "HIT" || !strings.Contains(header.Get("Cache-Control"), "no-store") {
				t.Errorf("flash page: X-Cache %q, Cache-Control %q; want it kept out of caches",
					header.Get("X-Cache"), header.Get("Cache-Control"))
			}

			// Bob, before and after the view cache is warm again, never sees it.
			for range 3 {
				_, header, body := request(t, "GET", srv.URL+"/", nil, nil, bob)
				if strings.Contains(body, "Added") {
					t.Errorf("bob sees alice's flash (X-Cache %s)", header.Get("X-Cache"))
				}
				if !strings.Contains(body, "alice&#39;s task") {
					t.Error("bob does not see the new task")
				}
			}
			// Alice's next page: no flash any more, and a cached page.
			if _, _, body := request(t, "GET", srv.URL+"/", nil, nil, alice); strings.Contains(body, "Added") {
				t.Error("alice sees her flash twice")
			}
			if _, header, _ := request(t, "GET", srv.URL+"/", nil, nil, alice); header.Get("X-Cache") != "HIT" {
				t.Errorf("alice's later pages: X-Cache %q, want HIT once her flash is gone", header.Get("X-Cache"))
			}

			// Deleting says so too.
			postForm(t, srv.URL+"/1/delete", nil, nil, alice)
			if _, _, body := request(t, "GET", srv.URL+"/", nil, nil, alice); !strings.Contains(body, "Deleted task #1.") {
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
		_, header, _ := postForm(t, srv.URL+"/", url.Values{"name": {"x"}}, nil)
		cookies := (&http.Response{Header: header}).Cookies()
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
	if code, _, body := postForm(t, srv.URL+"/", url.Values{"name": {"written anyway"}}, nil, alice); code != http.StatusSeeOther {
		t.Errorf("add with memcached down: %d\n%s", code, body)
	}
	code, _, body := request(t, "GET", srv.URL+"/", nil, nil, alice)
	if code != http.StatusOK || !strings.Contains(body, "written anyway") {
		t.Errorf("add with memcached down, then the list: %d\n%s", code, body)
	}
	// The flash went to the session, which had nowhere to go.
	if strings.Contains(body, "Added") {
		t.Errorf("a flash survived the outage:\n%s", body)
	}
	if got := storedNames(t, app); len(got) != 1 {
		t.Errorf("stored %q", got)
	}
}
