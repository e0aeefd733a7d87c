package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"

	"github.com/go-memcache-workshop/tasklist/shared/cache"
)

// taskRows renders the rows of the task table, each one cached as HTML.
// A row's key is made of a version of the row template, the task's id and
// a hash of its name, so a key always names exactly one rendering: an id
// that the database hands out again, or a changed template, gets a new key
// instead of an old row.
type taskRows struct {
	cache    *cache.Client
	template *template.Template // templates/row.html, a set of its own
	version  string             // hash of the row template's source
}

func newTaskRows(c *cache.Client) (*taskRows, error) {
	source, err := templates.ReadFile("templates/row.html")
	if err != nil {
		return nil, err
	}
	t, err := template.New("row").Parse(string(source))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(source)
	return &taskRows{cache: c, template: t, version: hex.EncodeToString(sum[:4])}, nil
}

func (r *taskRows) key(t Task) string {
	sum := sha256.Sum256([]byte(t.Name))
	return fmt.Sprintf("row:%s:%d:%s", r.version, t.ID, hex.EncodeToString(sum[:8]))
}

// load fetches the cached rows of all tasks with one GetMulti (a request to
// each server that holds some of them, all sent at once), as Rails'
// collection caching does, instead of one get per row.
func (r *taskRows) load(ctx context.Context, tasks []Task) *cachedRows {
	rows := &cachedRows{ctx: ctx, rows: r, keys: make(map[int64]string, len(tasks))}
	if len(tasks) == 0 {
		return rows
	}
	keys := make([]string, len(tasks))
	for i, t := range tasks {
		keys[i] = r.key(t)
		rows.keys[t.ID] = keys[i]
	}
	// If the cache fails, whatever was found is still good; the rest is
	// rendered.
	rows.found, _ = r.cache.GetMulti(ctx, keys)
	return rows
}

// cachedRows is what the page template calls, {{$.Rows.Row .}}, for each
// task. Go's templates cannot capture a block the way Jinja's {% cache %}
// does, so the cached part is a template of its own, rendered to a buffer
// on a miss.
type cachedRows struct {
	// ctx is the request's, for the sets of rows rendered on a miss: a
	// method called from a template cannot take one. A cachedRows lives
	// for one page only.
	ctx   context.Context
	rows  *taskRows
	keys  map[int64]string // each task's key, hashed once per page
	found map[string][]byte
}

// Row returns a task's row: from the cache if it was there, otherwise
// rendered now and stored. The HTML is escaped before it is stored, so a
// cached row is exactly as safe as a fresh one.
func (c *cachedRows) Row(t Task) (template.HTML, error) {
	key, ok := c.keys[t.ID]
	if !ok {
		key = c.rows.key(t)
	}
	if html, ok := c.found[key]; ok {
		return template.HTML(html), nil
	}
	var buf bytes.Buffer
	if err := c.rows.template.Execute(&buf, t); err != nil {
		return "", fmt.Errorf("render row of task %d: %w", t.ID, err)
	}
	// Rows never expire: their key changes whenever their content would.
	// If the set fails, the row is rendered again next time.
	c.rows.cache.Set(c.ctx, key, buf.Bytes(), 0)
	return template.HTML(buf.String()), nil
}
