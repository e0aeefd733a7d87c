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

// load makes the rows of all tasks before the page template runs. It
// fetches the cached ones with one GetMulti (a request to each server that
// holds some of them, all sent at once), as Rails' collection caching does,
// instead of one get per row; it renders and stores the others.
func (r *taskRows) load(ctx context.Context, tasks []Task) *cachedRows {
	rows := &cachedRows{html: make(map[int64]template.HTML, len(tasks))}
	if len(tasks) == 0 {
		return rows
	}
	keys := make([]string, len(tasks))
	for i, t := range tasks {
		keys[i] = r.key(t)
	}
	// If the cache fails, whatever was found is still good; the rest is
	// rendered.
	found, _ := r.cache.GetMulti(ctx, keys)
	for i, t := range tasks {
		if html, ok := found[keys[i]]; ok {
			rows.html[t.ID] = template.HTML(html)
			continue
		}
		// The HTML is escaped before it is stored, so a cached row is
		// exactly as safe as a fresh one.
		var buf bytes.Buffer
		if err := r.template.Execute(&buf, t); err != nil {
			rows.err = fmt.Errorf("render row of task %d: %w", t.ID, err)
			return rows
		}
		// Rows never expire: their key changes whenever their content would.
		// If the set fails, the row is rendered again next time.
		r.cache.Set(ctx, keys[i], buf.Bytes(), 0)
		rows.html[t.ID] = template.HTML(buf.String())
	}
	return rows
}

// cachedRows is what the page template calls, {{$.Rows.Row .}}, for each
// task. Go's templates cannot capture a block the way Jinja's {% cache %}
// does, so the cached part is a template of its own, and the rows are
// ready before the page is rendered.
type cachedRows struct {
	html map[int64]template.HTML // each task's row, by id
	err  error                   // why a row could not be rendered
}

// Row returns a task's row, or why it could not be rendered.
func (c *cachedRows) Row(t Task) (template.HTML, error) {
	if html, ok := c.html[t.ID]; ok {
		return html, nil
	}
	if c.err != nil {
		return "", c.err
	}
	return "", fmt.Errorf("no row loaded for task %d", t.ID)
}
