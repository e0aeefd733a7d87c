package database

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// Database dialects: the two kinds of DATABASE_URL, and the folders of
// their migrations.
const (
	MySQL  = "mysql"
	SQLite = "sqlite"
)

// Source is a DATABASE_URL taken apart: which dialect, and the DSN its
// database/sql driver expects.
type Source struct {
	Dialect string // MySQL or SQLite
	DSN     string // for go-sql-driver/mysql, or the SQLite file path
	Display string // the URL with its password hidden, fit for a log line
}

// ParseURL accepts mysql://user:pass@host:port/db?params,
// sqlite:relative/path.db and sqlite:///absolute/path.db.
func ParseURL(raw string) (Source, error) {
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok {
		return Source{}, fmt.Errorf("%q has no scheme (want mysql:// or sqlite:)", raw)
	}
	switch strings.ToLower(scheme) {
	case "mysql":
		return parseMySQLURL(raw)
	case "sqlite", "sqlite3":
		path := rest
		if strings.HasPrefix(rest, "//") {
			// sqlite:///abs/path.db: an empty host, then an absolute path.
			path = strings.TrimPrefix(rest, "//")
			if !strings.HasPrefix(path, "/") {
				return Source{}, fmt.Errorf("%q: write sqlite:relative/path.db or sqlite:///absolute/path.db", raw)
			}
		}
		if path == "" || strings.ContainsAny(path, "?#") {
			return Source{}, fmt.Errorf("%q: want a file path such as sqlite:instance/task_list.db", raw)
		}
		return Source{Dialect: SQLite, DSN: path, Display: "sqlite:" + rest}, nil
	default:
		return Source{}, fmt.Errorf("unknown scheme %q (want mysql:// or sqlite:)", scheme)
	}
}

func parseMySQLURL(raw string) (Source, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL, password included: keep only the reason.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return Source{}, fmt.Errorf("not a valid mysql:// URL: %v", err)
	}
	if u.Host == "" {
		return Source{}, errors.New("mysql:// URL has no host")
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	if dbName == "" || strings.Contains(dbName, "/") {
		return Source{}, fmt.Errorf("mysql:// URL must name one database, as in mysql://user:pass@%s/task_list", u.Host)
	}

	// Let the driver parse the query parameters (tls, timeout, …) so that an
	// unknown or malformed one is reported the way the driver sees it.
	cfg, err := mysql.ParseDSN("/?" + u.RawQuery)
	if err != nil {
		return Source{}, fmt.Errorf("mysql:// URL parameters: %v", err)
	}
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	cfg.DBName = dbName
	cfg.ParseTime = true // DATETIME columns scan into time.Time

	return Source{Dialect: MySQL, DSN: cfg.FormatDSN(), Display: u.Redacted()}, nil
}
