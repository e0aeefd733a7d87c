package config

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func lookupFrom(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

func TestParseDefaults(t *testing.T) {
	c, err := Parse(lookupFrom(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DatabaseURL != DefaultDatabaseURL || c.MemcachedServers != nil ||
		c.CacheTimeout != DefaultCacheTimeout || c.TasksQueryDelay != 0 || c.CacheKeyPrefix != "" {
		t.Errorf("defaults: got %+v", c)
	}
}

func TestParseValues(t *testing.T) {
	c, err := Parse(lookupFrom(map[string]string{
		"PORT":              "5000",
		"DATABASE_URL":      "mysql://u:p@db:3307/tasks",
		"MEMCACHED_SERVERS": " a:11211 , b:11212 ",
		"CACHE_KEY_PREFIX":  "app1:",
		"CACHE_TIMEOUT":     "1s",
		"TASKS_QUERY_DELAY": "20ms",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":5000" {
		t.Errorf("Addr = %q, want :5000 from PORT", c.Addr)
	}
	if strings.Join(c.MemcachedServers, ",") != "a:11211,b:11212" {
		t.Errorf("MemcachedServers = %q", c.MemcachedServers)
	}
	if c.CacheKeyPrefix != "app1:" || c.CacheTimeout != time.Second || c.TasksQueryDelay != 20*time.Millisecond {
		t.Errorf("got %+v", c)
	}
}

func TestParseAddrWinsOverPort(t *testing.T) {
	c, err := Parse(lookupFrom(map[string]string{"ADDR": "127.0.0.1:9000", "PORT": "5000"}))
	if err != nil || c.Addr != "127.0.0.1:9000" {
		t.Fatalf("got %q, %v", c.Addr, err)
	}
}

func TestParseMemCachier(t *testing.T) {
	c, err := Parse(lookupFrom(map[string]string{
		"MEMCACHIER_SERVERS":  "mc1.example:11211",
		"MEMCACHIER_USERNAME": "user",
		"MEMCACHIER_PASSWORD": "pass",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.MemcachedServers) != 1 || c.MemcachierUsername != "user" || c.MemcachierPassword != "pass" {
		t.Errorf("got %+v", c)
	}
}

func TestParseMemcachedAuth(t *testing.T) {
	c, err := Parse(lookupFrom(map[string]string{
		"MEMCACHED_SERVERS":  "mc1.example:11211",
		"MEMCACHED_USERNAME": "user",
		"MEMCACHED_PASSWORD": "pass word",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.MemcachedUsername != "user" || c.MemcachedPassword != "pass word" || c.MemcachierUsername != "" {
		t.Errorf("got %+v", c)
	}
}

func TestParseErrorsNameTheVariable(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"ADDR": "8080"}, "ADDR:"},
		{map[string]string{"PORT": "http"}, "PORT:"},
		{map[string]string{"DATABASE_URL": "postgres://x/y"}, "DATABASE_URL:"},
		{map[string]string{"DATABASE_URL": "mysql://u:p@db"}, "DATABASE_URL:"},
		{map[string]string{"DATABASE_URL": "mysql://u:p@db:3306/x?tls=maybe"}, "DATABASE_URL:"},
		{map[string]string{"MEMCACHED_SERVERS": "localhost"}, "MEMCACHED_SERVERS:"},
		{map[string]string{"MEMCACHIER_SERVERS": "a:1,b"}, "MEMCACHIER_SERVERS:"},
		{map[string]string{"MEMCACHIER_USERNAME": "u"}, "MEMCACHIER_PASSWORD:"},
		{map[string]string{"MEMCACHED_USERNAME": "u"}, "MEMCACHED_PASSWORD:"},
		{map[string]string{"MEMCACHED_PASSWORD": "p"}, "MEMCACHED_USERNAME:"},
		{map[string]string{"MEMCACHED_USERNAME": "a user", "MEMCACHED_PASSWORD": "p"}, "MEMCACHED_USERNAME:"},
		{map[string]string{"MEMCACHED_USERNAME": "u", "MEMCACHED_PASSWORD": "p", "MEMCACHIER_USERNAME": "u", "MEMCACHIER_PASSWORD": "p"}, "MEMCACHED_USERNAME:"},
		{map[string]string{"CACHE_TIMEOUT": "5"}, "CACHE_TIMEOUT:"},
		{map[string]string{"CACHE_KEY_PREFIX": "my app:"}, "CACHE_KEY_PREFIX:"},
		{map[string]string{"CACHE_KEY_PREFIX": strings.Repeat("p", 101)}, "CACHE_KEY_PREFIX:"},
		{map[string]string{"CACHE_TIMEOUT": "0s"}, "CACHE_TIMEOUT:"},
		{map[string]string{"TASKS_QUERY_DELAY": "-1s"}, "TASKS_QUERY_DELAY:"},
		{map[string]string{"SESSION_COOKIE_SECURE": "yes please"}, "SESSION_COOKIE_SECURE:"},
	} {
		_, err := Parse(lookupFrom(tc.env))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%v) = %v, want one line starting with %q", tc.env, err, tc.want)
		}
	}
}

func TestParseDatabaseURL(t *testing.T) {
	for _, tc := range []struct {
		url, dialect, dsn string
	}{
		{"sqlite:instance/task_list.db", SQLite, "instance/task_list.db"},
		{"sqlite:///var/lib/tasks.db", SQLite, "/var/lib/tasks.db"},
		{"mysql://u:p%40ss@db/tasks", MySQL, "u:p@ss@tcp(db:3306)/tasks?parseTime=true"},
		{"mysql://u@127.0.0.1:3307/tasks?timeout=5s", MySQL, "u@tcp(127.0.0.1:3307)/tasks?parseTime=true&timeout=5s"},
	} {
		got, err := ParseDatabaseURL(tc.url)
		if err != nil {
			t.Errorf("ParseDatabaseURL(%q): %v", tc.url, err)
			continue
		}
		if got.Dialect != tc.dialect || got.DSN != tc.dsn {
			t.Errorf("ParseDatabaseURL(%q) = %+v, want %s %q", tc.url, got, tc.dialect, tc.dsn)
		}
	}
}

func TestDatabaseURLNeverShowsPassword(t *testing.T) {
	src, err := ParseDatabaseURL("mysql://u:hunter2@db/tasks")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(src.Display, "hunter2") {
		t.Errorf("Display = %q shows the password", src.Display)
	}
	_, err = ParseDatabaseURL("mysql://u:hunter2@db:xx/tasks")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v shows the password", err)
	}
}

// FuzzParseDatabaseURL: whatever DATABASE_URL holds, parsing answers with a
// usable source or a one-line error, and never shows the password.
func FuzzParseDatabaseURL(f *testing.F) {
	for _, seed := range []string{
		"sqlite:instance/task_list.db",
		"sqlite:///abs/path.db",
		"mysql://u:p@db:3306/tasks?tls=true&timeout=5s",
		"mysql://u:p%40ss@[::1]:3306/tasks",
		"mysql://:@/",
		"postgres://x/y",
		"sqlite://host/db",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		src, err := ParseDatabaseURL(raw)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			return
		}
		if (src.Dialect != MySQL && src.Dialect != SQLite) || src.DSN == "" {
			t.Errorf("ParseDatabaseURL(%q) = %+v", raw, src)
		}
		if src.Dialect == MySQL {
			// The password's place in Display holds the mask, whatever the
			// password was (it may well also appear as the host or database).
			u, _ := url.Parse(raw)
			shown, err := url.Parse(src.Display)
			if err != nil {
				t.Fatalf("Display %q does not parse: %v", src.Display, err)
			}
			if _, hasPassword := u.User.Password(); hasPassword {
				if pw, _ := shown.User.Password(); pw != "xxxxx" {
					t.Errorf("Display %q shows the password", src.Display)
				}
			}
		}
	})
}
