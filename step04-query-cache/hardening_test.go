package main

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// TestNoSecretInTheLog runs the app on MySQL, whose URL carries a password,
// and on memcached with MemCachier credentials, and looks for each secret in
// everything the app logged.
func TestNoSecretInTheLog(t *testing.T) {
	logs := testenv.CaptureLogs(t)

	servers, prefix := testenv.Memcached(t)
	databaseURL := testenv.MySQLURL(t) // carries a database password
	memcachierPassword := "memcachier-pa55word"
	srv, _ := newTestServerEnv(t, map[string]string{
		"DATABASE_URL":        databaseURL,
		"MEMCACHIER_SERVERS":  strings.Join(servers, ","),
		"MEMCACHIER_USERNAME": "workshop-user",
		"MEMCACHIER_PASSWORD": memcachierPassword,
		"CACHE_KEY_PREFIX":    prefix,
	})
	addTask(t, srv.URL, "a task")
	request(t, "GET", srv.URL+"/", nil, nil)
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	dbPassword, _ := u.User.Password()
	for what, secret := range map[string]string{
		"the database password":   dbPassword,
		"the MemCachier password": memcachierPassword,
	} {
		if secret == "" {
			t.Fatalf("%s is empty: the test has nothing to look for", what)
		}
		// The search must find what it looks for, in the forms a leak takes.
		asURL := &url.URL{Scheme: "mysql", User: url.UserPassword("u", secret), Host: "db:3306", Path: "/x"}
		for _, leak := range []string{"dsn=" + asURL.String(), "dsn=u:" + secret + "@tcp(db:3306)/x", "password=" + secret, `err="auth ` + secret + `"`} {
			if !shows(leak, secret) {
				t.Fatalf("the search for %s misses it in %q", what, leak)
			}
		}
		if shows(logs.String(), secret) {
			t.Errorf("the log shows %s", what)
		}
	}
	if !strings.Contains(logs.String(), "memcachier_auth=true") {
		t.Errorf("the test did not run with MemCachier authentication:\n%s", logs.String())
	}
}

// shows reports whether log shows secret. A secret of 16 bytes or more
// cannot occur by chance, so it is looked for anywhere. A shorter one (a
// reader's TEST_MYSQL_DSN may well say root:root, and "root" also names the
// user) is looked for where a secret is written: as the password of a URL
// or DSN (":root@"), or as a whole value or word ("=root", "Passwd:root",
// "\"root\"", "auth root"), so that the user's name, which may equal it,
// does not count where it is written as a user ("root:…@", "user=root").
func shows(log, secret string) bool {
	if len(secret) >= 16 {
		return strings.Contains(log, secret)
	}
	escaped := strings.TrimPrefix(url.UserPassword("", secret).String(), ":")
	for _, s := range []string{secret, escaped} {
		if strings.Contains(log, ":"+s+"@") {
			return true
		}
	}
	word := regexp.MustCompile(`(^|[\s=:"'\[{(,])` + regexp.QuoteMeta(secret) + `($|[\s"'\]}),])`)
	for _, m := range word.FindAllStringIndex(log, -1) {
		if !userKey.MatchString(log[:m[0]+1]) {
			return true
		}
	}
	return false
}

// userKey matches the end of a user name's key: "user=", "User:", "username=".
var userKey = regexp.MustCompile(`(?i)user(name)?[=:]$`)
