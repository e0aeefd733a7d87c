package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"
)

// conn is one connection to one memcached server, speaking the text
// protocol (https://github.com/memcached/memcached/blob/master/doc/protocol.txt).
type conn struct {
	nc net.Conn
	r  *bufio.Reader
}

// credentials are MemCachier's: a "set" of the username whose value is the
// password, on every new connection. Empty for a plain memcached.
type credentials struct{ username, password string }

func dial(addr string, auth credentials, timeout time.Duration) (*conn, error) {
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	nc.SetDeadline(time.Now().Add(timeout))
	c := &conn{nc: nc, r: bufio.NewReader(nc)}
	if auth.username != "" {
		reply, err := c.simple(fmt.Sprintf("set %s 0 0 %d\r\n%s", auth.username, len(auth.password), auth.password))
		if err == nil && reply != "STORED" {
			err = fmt.Errorf("server answered %q", reply)
		}
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("authentication: %w", err)
		}
	}
	return c, nil
}

func (c *conn) close() error { return c.nc.Close() }

// send writes one request line (\r\n added).
func (c *conn) send(request string) error {
	_, err := io.WriteString(c.nc, request+"\r\n")
	return err
}

// line reads one reply line without its \r\n, and turns the protocol's
// error replies into errors.
func (c *conn) line() (string, error) {
	s, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	s = strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
	if s == "ERROR" || strings.HasPrefix(s, "CLIENT_ERROR") || strings.HasPrefix(s, "SERVER_ERROR") {
		return "", fmt.Errorf("server answered %q", s)
	}
	return s, nil
}

// simple sends a request whose reply is one line (OK, RESET, DELETED...).
func (c *conn) simple(request string) (string, error) {
	if err := c.send(request); err != nil {
		return "", err
	}
	return c.line()
}

// lines sends a request whose reply is lines up to END.
func (c *conn) lines(request string) ([]string, error) {
	if err := c.send(request); err != nil {
		return nil, err
	}
	var lines []string
	for {
		s, err := c.line()
		if err != nil {
			return nil, err
		}
		if s == "END" {
			return lines, nil
		}
		lines = append(lines, s)
	}
}

// stats returns the server's "STAT name value" lines, in its order.
func (c *conn) stats() ([][2]string, error) {
	lines, err := c.lines("stats")
	if err != nil {
		return nil, err
	}
	stats := make([][2]string, 0, len(lines))
	for _, l := range lines {
		name, value, ok := strings.Cut(strings.TrimPrefix(l, "STAT "), " ")
		if !ok {
			return nil, fmt.Errorf("unexpected stats line %q", l)
		}
		stats = append(stats, [2]string{name, value})
	}
	return stats, nil
}

// printStats writes every counter, one "name=value" a line, or only those
// named, in the order named, on one line (as the chapters' transcripts show
// them).
func printStats(c *conn, names []string, out io.Writer) error {
	stats, err := c.stats()
	if err != nil {
		return err
	}
	if len(names) == 0 {
		for _, s := range stats {
			fmt.Fprintf(out, "%s=%s\n", s[0], s[1])
		}
		return nil
	}
	fields := make([]string, len(names))
	for i, name := range names {
		j := slices.IndexFunc(stats, func(s [2]string) bool { return s[0] == name })
		if j < 0 {
			return fmt.Errorf("no counter named %q (mc stats lists them all)", name)
		}
		fields[i] = name + "=" + stats[j][1]
	}
	fmt.Fprintln(out, strings.Join(fields, " "))
	return nil
}

// item is one line of "lru_crawler metadump".
type item struct {
	key  string
	exp  int64 // Unix time; -1 for never
	size int   // bytes the item takes in memory: key, value and header
}

// metadump lists every item, asking again while the crawler is busy with
// another client's request.
func (c *conn) metadump() ([]item, error) {
	var lines []string
	for try := 0; ; try++ {
		var err error
		lines, err = c.lines("lru_crawler metadump all")
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "BUSY") || try == 20 {
			return nil, err
		}
		time.Sleep(100 * time.Millisecond)
	}
	items := make([]item, 0, len(lines))
	for _, l := range lines {
		if strings.HasPrefix(l, "BUSY") {
			return nil, fmt.Errorf("server answered %q", l)
		}
		var it item
		for _, field := range strings.Fields(l) {
			name, value, _ := strings.Cut(field, "=")
			switch name {
			case "key":
				// memcached percent-encodes every byte outside A-Z a-z 0-9 - . _ ~
				k, err := url.PathUnescape(value)
				if err != nil {
					k = value
				}
				it.key = k
			case "exp":
				it.exp, _ = strconv.ParseInt(value, 10, 64)
			case "size":
				it.size, _ = strconv.Atoi(value)
			}
		}
		if it.key == "" {
			return nil, fmt.Errorf("unexpected metadump line %q", l)
		}
		items = append(items, it)
	}
	return items, nil
}

// printKeys writes the keys that start with prefix, sorted, with their size
// and time to expiry (counted on the server's clock).
func printKeys(c *conn, prefix string, out io.Writer) error {
	items, err := c.metadump()
	if err != nil {
		return err
	}
	items = slices.DeleteFunc(items, func(it item) bool { return !strings.HasPrefix(it.key, prefix) })
	if len(items) == 0 {
		fmt.Fprintln(out, "(no keys)")
		return nil
	}
	slices.SortFunc(items, func(a, b item) int { return strings.Compare(a.key, b.key) })
	stats, err := c.stats()
	if err != nil {
		return err
	}
	var now int64
	for _, s := range stats {
		if s[0] == "time" {
			now, _ = strconv.ParseInt(s[1], 10, 64)
		}
	}
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "KEY\tSIZE\tEXPIRES")
	for _, it := range items {
		fmt.Fprintf(w, "%s\t%d\t%s\n", printable(it.key), it.size, expires(it.exp, now))
	}
	return w.Flush()
}

func expires(exp, now int64) string {
	switch {
	case exp < 0:
		return "never"
	case exp <= now:
		return "expired"
	default:
		return "in " + (time.Duration(exp-now) * time.Second).String()
	}
}

// printable quotes a key that a terminal would not show as it is.
func printable(key string) string {
	if !utf8.ValidString(key) || strings.ContainsFunc(key, func(r rune) bool { return !strconv.IsPrint(r) }) {
		return strconv.Quote(key)
	}
	return key
}

// printValue writes the value stored under key, and a newline.
func printValue(c *conn, key string, out io.Writer) error {
	return printItem(c, "get", key, out)
}

// printValueAndToken writes the value stored under key and the CAS token
// that a "cas" of the key must quote.
func printValueAndToken(c *conn, key string, out io.Writer) error {
	return printItem(c, "gets", key, out)
}

func printItem(c *conn, verb, key string, out io.Writer) error {
	if err := c.send(verb + " " + key); err != nil {
		return err
	}
	header, err := c.line()
	if err != nil {
		return err
	}
	if header == "END" {
		return errNotFound
	}
	fields := strings.Fields(header)
	want := map[string]int{"get": 4, "gets": 5}[verb]
	if len(fields) != want || fields[0] != "VALUE" {
		return fmt.Errorf("unexpected reply %q", header)
	}
	n, err := strconv.Atoi(fields[3])
	if err != nil || n < 0 {
		return fmt.Errorf("unexpected reply %q", header)
	}
	value := make([]byte, n+2) // and its \r\n
	if _, err := io.ReadFull(c.r, value); err != nil {
		return err
	}
	if end, err := c.line(); err != nil || end != "END" {
		return errors.Join(fmt.Errorf("unexpected reply %q after the value", end), err)
	}
	value = value[:n]
	if !bytes.HasSuffix(value, []byte("\n")) {
		value = append(value, '\n')
	}
	if _, err = out.Write(value); err != nil || verb != "gets" {
		return err
	}
	_, err = fmt.Fprintf(out, "cas token: %s\n", fields[4])
	return err
}

// storeValue sends a storage command (set, add, or cas with its token) and
// writes memcached's one-word answer: STORED, NOT_STORED, EXISTS or
// NOT_FOUND.
func storeValue(c *conn, verb, key, value string, ttl int, token string, out io.Writer) error {
	request := fmt.Sprintf("%s %s 0 %d %d", verb, key, ttl, len(value))
	if token != "" {
		request += " " + token
	}
	reply, err := c.simple(request + "\r\n" + value)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, reply)
	return err
}

// deleteKey removes key and says so.
func deleteKey(c *conn, key string, out io.Writer) error {
	reply, err := c.simple("delete " + key)
	if err != nil {
		return err
	}
	if reply == "NOT_FOUND" {
		return errNotFound
	}
	fmt.Fprintln(out, reply)
	return nil
}
