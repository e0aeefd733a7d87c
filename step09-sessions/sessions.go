package main

import (
	"context"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
	"github.com/go-memcache-workshop/tasklist/shared/config"
)

// Sessions here carry one thing, a flash message from a write to the page
// after its redirect, so they are short: a session ends 30 minutes after
// its last use, and after 12 hours in any case.
const (
	sessionIdleTimeout = 30 * time.Minute
	sessionLifetime    = 12 * time.Hour
)

const flashKey = "flash"

func newSessions(c *cache.Client, cfg config.Config) *scs.SessionManager {
	sessions := scs.New()
	sessions.Store = &sessionStore{cache: c}
	sessions.IdleTimeout = sessionIdleTimeout
	sessions.Lifetime = sessionLifetime
	sessions.Cookie.Name = "session"
	sessions.Cookie.HttpOnly = true                 // out of reach of scripts
	sessions.Cookie.SameSite = http.SameSiteLaxMode // not sent on other sites' posts
	sessions.Cookie.Secure = cfg.SessionCookieSecure
	sessions.Cookie.Persist = false // gone when the browser closes
	return sessions
}

// flash leaves a message for the next page this browser loads.
func (a *app) flash(ctx context.Context, message string) {
	a.sessions.Put(ctx, flashKey, message)
}

// popFlash takes the waiting message, if any. A session that held nothing
// else is ended, so the browser drops its cookie and later pages need no
// session lookup at all.
func (a *app) popFlash(ctx context.Context) string {
	message := a.sessions.PopString(ctx, flashKey)
	if message != "" && len(a.sessions.Keys(ctx)) == 0 {
		a.sessions.Destroy(ctx)
	}
	return message
}

// hasFlash tells the view cache that this browser's next page is its own.
func (a *app) hasFlash(r *http.Request) bool {
	return a.sessions.Exists(r.Context(), flashKey)
}
