package database

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
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
	Dialect string   // MySQL or SQLite
	DSN     string   // for go-sql-driver/mysql, or the SQLite file path
	Display string   // the URL with its password hidden, fit for a log line
	Notes   []string // parameters that were dropped or mapped, one line each
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

	// Let the driver parse the query parameters (tls, timeout, …) so that a
	// malformed one is reported the way the driver sees it.
	cfg, err := mysql.ParseDSN("/?" + u.RawQuery)
	if err != nil {
		return Source{}, fmt.Errorf("mysql:// URL parameters: %v", err)
	}
	notes, err := hostedParams(cfg)
	if err != nil {
		return Source{}, err
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

	return Source{Dialect: MySQL, DSN: cfg.FormatDSN(), Display: u.Redacted(), Notes: notes}, nil
}

// hostedParams handles the parameters the driver does not know. It would
// send each to the server as a session variable, and the first connection
// would fail with "Unknown system variable". Hosted MySQL add-ons put a few
// such parameters in their URLs for other drivers: those are dropped or
// mapped, with a note each. Any other one is an error, at start-up.
func hostedParams(cfg *mysql.Config) (notes []string, err error) {
	for name, value := range cfg.Params {
		switch strings.ToLower(name) {
		case "reconnect": // for Ruby's and PHP's drivers; database/sql reconnects anyway
			notes = append(notes, fmt.Sprintf("parameter %q dropped: database/sql reconnects by itself", name))
		case "ssl-mode", "sslmode":
			tls, ok := sslModes[strings.ToLower(value)]
			if !ok {
				return nil, fmt.Errorf("mysql:// URL parameter %s=%q: want one of disabled, preferred, required, verify_ca, verify_identity", name, value)
			}
			cfg.TLSConfig = tls // the driver's own values: false, preferred, skip-verify, true
			notes = append(notes, fmt.Sprintf("parameter %s=%s read as tls=%s", name, value, tls))
		default:
			return nil, fmt.Errorf("mysql:// URL parameter %q is unknown to go-sql-driver/mysql, which would send it to the server as a session variable; remove it", name)
		}
		delete(cfg.Params, name)
	}
	sort.Strings(notes)
	return notes, nil
}

// sslModes maps MySQL's ssl-mode and PostgreSQL's sslmode values to the
// driver's tls parameter.
var sslModes = map[string]string{
	"disabled": "false", "disable": "false",
	"preferred": "preferred", "prefer": "preferred", "allow": "preferred",
	"required": "skip-verify", "require": "skip-verify", // encrypted, certificate not checked
	"verify_ca": "true", "verify-ca": "true", "verify_identity": "true", "verify-full": "true",
}
