package database

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url, dialect, dsn string
	}{
		{"sqlite:instance/task_list.db", SQLite, "instance/task_list.db"},
		{"sqlite:///var/lib/tasks.db", SQLite, "/var/lib/tasks.db"},
		{"mysql://u:p%40ss@db/tasks", MySQL, "u:p@ss@tcp(db:3306)/tasks?parseTime=true"},
		{"mysql://u@127.0.0.1:3307/tasks?timeout=5s", MySQL, "u@tcp(127.0.0.1:3307)/tasks?parseTime=true&timeout=5s"},
		// What hosted MySQL add-ons hand out: parameters for other drivers.
		{"mysql://u:p@host:3306/heroku_abc?reconnect=true", MySQL, "u:p@tcp(host:3306)/heroku_abc?parseTime=true"},
		{"mysql://u@db/tasks?ssl-mode=REQUIRED", MySQL, "u@tcp(db:3306)/tasks?parseTime=true&tls=skip-verify"},
		{"mysql://u@db/tasks?sslmode=verify-full&charset=utf8mb4", MySQL, "u@tcp(db:3306)/tasks?charset=utf8mb4&parseTime=true&tls=true"},
		{"mysql://u@db/tasks?tls=preferred&readTimeout=3s", MySQL, "u@tcp(db:3306)/tasks?allowFallbackToPlaintext=true&parseTime=true&readTimeout=3s&tls=preferred"},
	} {
		got, err := ParseURL(tc.url)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.url, err)
			continue
		}
		if got.Dialect != tc.dialect || got.DSN != tc.dsn {
			t.Errorf("ParseURL(%q) = %+v, want %s %q", tc.url, got, tc.dialect, tc.dsn)
		}
	}
}

func TestParseURLStopsAtAParameterTheDriverWouldSendToTheServer(t *testing.T) {
	for raw, name := range map[string]string{
		"mysql://u@db/tasks?useSSL=false":          `"useSSL"`,
		"mysql://u@db/tasks?reconnect=true&pool=5": `"pool"`,
		"mysql://u@db/tasks?ssl-mode=SOMETIMES":    `ssl-mode="SOMETIMES"`,
	} {
		_, err := ParseURL(raw)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("ParseURL(%q) = %v, want an error naming %s", raw, err, name)
		}
	}
	src, err := ParseURL("mysql://u@db/tasks?reconnect=true&ssl-mode=required")
	if err != nil || len(src.Notes) != 2 {
		t.Fatalf("notes %q, err %v: want one per parameter", src.Notes, err)
	}
}

func TestOpenFailsWithOneLineOnABadURL(t *testing.T) {
	// One line, which the caller prefixes with the variable it read.
	for _, raw := range []string{"postgres://x/y", "mysql://u:p@db", "mysql://u:p@db:3306/x?tls=maybe", "mysql://u:p@db/x?pool=5"} {
		_, err := Open(t.Context(), raw)
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("Open(%q) = %v, want an error of one line", raw, err)
		}
	}
}

func TestDatabaseURLNeverShowsPassword(t *testing.T) {
	src, err := ParseURL("mysql://u:hunter2@db/tasks")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(src.Display, "hunter2") {
		t.Errorf("Display = %q shows the password", src.Display)
	}
	_, err = ParseURL("mysql://u:hunter2@db:xx/tasks")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v shows the password", err)
	}
}

// FuzzParseURL: whatever DATABASE_URL holds, parsing answers with a
// usable source or a one-line error, and never shows the password.
func FuzzParseURL(f *testing.F) {
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
		src, err := ParseURL(raw)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			return
		}
		if (src.Dialect != MySQL && src.Dialect != SQLite) || src.DSN == "" {
			t.Errorf("ParseURL(%q) = %+v", raw, src)
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
