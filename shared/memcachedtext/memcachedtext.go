// Package memcachedtext lets tools look into a memcached server (counters,
// keys, values) over its text protocol, which client libraries do not cover.
// The mc and observe commands and the test harness use it.
package memcachedtext

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

// Conn is one connection to one memcached server, speaking the text
// protocol (https://github.com/memcached/memcached/blob/master/doc/protocol.txt).
type Conn struct {
	nc net.Conn
	r  *bufio.Reader
}

// ErrNotFound is returned by the Print functions and DeleteKey when the
// server has no such key.
var ErrNotFound = errors.New("not found")

// Dial connects to addr and, unless login is empty, sends it first: the
// request that logs a connection in (cache.Login's Command), which the
// server must answer with STORED. Every exchange on the connection must end
// within timeout of Dial.
func Dial(addr string, login string, timeout time.Duration) (*Conn, error) {
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	nc.SetDeadline(time.Now().Add(timeout))
	c := &Conn{nc: nc, r: bufio.NewReader(nc)}
	if login != "" {
		reply, err := c.Simple(login)
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

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }

// send writes one request line (\r\n added).
func (c *Conn) send(request string) error {
	_, err := io.WriteString(c.nc, request+"\r\n")
	return err
}

// line reads one reply line without its \r\n, and turns the protocol's
// error replies into errors.
func (c *Conn) line() (string, error) {
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

// Simple sends a request whose reply is one line (OK, RESET, DELETED...)
// and returns that line.
func (c *Conn) Simple(request string) (string, error) {
	if err := c.send(request); err != nil {
		return "", err
	}
	return c.line()
}

// lines sends a request whose reply is lines up to END.
func (c *Conn) lines(request string) ([]string, error) {
	if err := c.send(request); err != nil {
		return nil, err
	}
	first, err := c.line()
	if err != nil {
		return nil, err
	}
	return c.untilEnd(first)
}

// untilEnd returns line and the reply lines that follow it, up to END.
func (c *Conn) untilEnd(line string) ([]string, error) {
	var lines []string
	for line != "END" {
		lines = append(lines, line)
		var err error
		if line, err = c.line(); err != nil {
			return nil, err
		}
	}
	return lines, nil
}

// Stats returns the server's "STAT name value" lines, in its order.
func (c *Conn) Stats() ([][2]string, error) {
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

// PrintStats writes every counter, one "name=value" a line, or only those
// named, in the order named, on one line (as the chapters' transcripts show
// them).
func PrintStats(c *Conn, names []string, out io.Writer) error {
	stats, err := c.Stats()
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

// Item is one line of "lru_crawler metadump".
type Item struct {
	Key  string // decoded
	Exp  int64  // Unix time on the server's clock; -1 for never
	Size int    // bytes the item takes in memory: key, value and header
}

// Items lists every item, by walking the server's hash table (lru_crawler
// metadump hash). A walk of its LRUs (metadump all) skips items that are
// being read or moved between LRUs meanwhile (with 16 clients reading 200
// keys, 12 and then 44 of 50 such listings came back short). memcached
// before 1.6.10 knows only the LRU walk, and gets that.
func (c *Conn) Items() ([]Item, error) {
	lines, err := c.metadump()
	if err != nil {
		return nil, err
	}
	items := make([]Item, 0, len(lines))
	for _, l := range lines {
		var it Item
		for _, field := range strings.Fields(l) {
			name, value, _ := strings.Cut(field, "=")
			switch name {
			case "key":
				// memcached percent-encodes every byte outside A-Z a-z 0-9 - . _ ~
				k, err := url.PathUnescape(value)
				if err != nil {
					k = value
				}
				it.Key = k
			case "exp":
				it.Exp, _ = strconv.ParseInt(value, 10, 64)
			case "size":
				it.Size, _ = strconv.Atoi(value)
			}
		}
		if it.Key == "" {
			return nil, fmt.Errorf("unexpected metadump line %q", l)
		}
		items = append(items, it)
	}
	return items, nil
}

// metadump returns the lines of a metadump, asking again while the crawler
// is busy with another client's request. Its refusals (BUSY, BADCLASS,
// NOTSTARTED) are one line with no END after it.
func (c *Conn) metadump() ([]string, error) {
	mode := "hash"
	for try := 0; ; try++ {
		if err := c.send("lru_crawler metadump " + mode); err != nil {
			return nil, err
		}
		first, err := c.line()
		if err != nil {
			return nil, err
		}
		refusal, _, _ := strings.Cut(first, " ")
		switch {
		case refusal == "BADCLASS" && mode == "hash":
			mode = "all"
			continue
		case refusal == "BUSY" && try < 20:
			time.Sleep(100 * time.Millisecond)
			continue
		case refusal == "BUSY" || refusal == "BADCLASS" || refusal == "NOTSTARTED":
			return nil, fmt.Errorf("server answered %q", first)
		}
		return c.untilEnd(first)
	}
}

// PrintKeys writes the keys that start with prefix, sorted, with their size
// and time to expiry (counted on the server's clock).
func PrintKeys(c *Conn, prefix string, out io.Writer) error {
	items, err := c.Items()
	if err != nil {
		return err
	}
	now, err := c.Time()
	if err != nil {
		return err
	}
	WriteKeys(out, items, prefix, now)
	return nil
}

// Time returns the server's clock, in Unix seconds: what an Item's Exp
// counts from.
func (c *Conn) Time() (int64, error) {
	stats, err := c.Stats()
	if err != nil {
		return 0, err
	}
	for _, s := range stats {
		if s[0] == "time" {
			return strconv.ParseInt(s[1], 10, 64)
		}
	}
	return 0, errors.New("the server's stats have no time")
}

// WriteKeys writes the items whose keys start with prefix, sorted, in a
// table of key, size and time to expiry from now, or "(no keys)".
func WriteKeys(out io.Writer, items []Item, prefix string, now int64) {
	items = slices.DeleteFunc(slices.Clone(items), func(it Item) bool { return !strings.HasPrefix(it.Key, prefix) })
	if len(items) == 0 {
		fmt.Fprintln(out, "(no keys)")
		return
	}
	slices.SortFunc(items, func(a, b Item) int { return strings.Compare(a.Key, b.Key) })
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "KEY\tSIZE\tEXPIRES")
	for _, it := range items {
		fmt.Fprintf(w, "%s\t%d\t%s\n", printable(it.Key), it.Size, expires(it.Exp, now))
	}
	w.Flush()
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

// PrintValue writes the value stored under key, and a newline; ErrNotFound
// when there is none.
func PrintValue(c *Conn, key string, out io.Writer) error {
	return printItem(c, "get", key, out)
}

// PrintValueAndToken writes the value stored under key and the CAS token
// that a "cas" of the key must quote.
func PrintValueAndToken(c *Conn, key string, out io.Writer) error {
	return printItem(c, "gets", key, out)
}

func printItem(c *Conn, verb, key string, out io.Writer) error {
	if err := c.send(verb + " " + key); err != nil {
		return err
	}
	header, err := c.line()
	if err != nil {
		return err
	}
	if header == "END" {
		return ErrNotFound
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

// StoreValue sends a storage command (set, add, or cas with its token) and
// writes memcached's one-word answer: STORED, NOT_STORED, EXISTS or
// NOT_FOUND.
func StoreValue(c *Conn, verb, key, value string, ttl int, token string, out io.Writer) error {
	request := fmt.Sprintf("%s %s 0 %d %d", verb, key, ttl, len(value))
	if token != "" {
		request += " " + token
	}
	reply, err := c.Simple(request + "\r\n" + value)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, reply)
	return err
}

// DeleteKey removes key and says so; ErrNotFound when there is none.
func DeleteKey(c *Conn, key string, out io.Writer) error {
	reply, err := c.Simple("delete " + key)
	if err != nil {
		return err
	}
	if reply == "NOT_FOUND" {
		return ErrNotFound
	}
	fmt.Fprintln(out, reply)
	return nil
}
