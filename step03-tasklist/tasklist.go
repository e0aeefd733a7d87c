package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-memcache-workshop/tasklist/shared/web"
)

const (
	maxNameLength = 500             // characters, as the tasks table allows
	maxFormBytes  = 64 << 10        // far above a 500-character name, far below harm
	writeTimeout  = 5 * time.Second // a write's own deadline: a client who leaves must not abort it
)

// indexPage is what templates/index.html shows.
type indexPage struct {
	Tasks []Task
	Name  string // a rejected name, shown again so the user loses nothing
	Error string
}

// listTasks shows every task with a form to add one.
func (a *app) listTasks(w http.ResponseWriter, r *http.Request) {
	a.renderIndex(w, r, http.StatusOK, indexPage{})
}

// addTask stores a new task, then redirects to the list (post/redirect/get),
// so that reloading the page does not add the task twice.
func (a *app) addTask(w http.ResponseWriter, r *http.Request) {
	// A body declared too large is refused unread (no "100 Continue" is sent).
	var err error = &http.MaxBytesError{Limit: maxFormBytes}
	if r.ContentLength <= maxFormBytes {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		err = r.ParseForm()
	}
	if err != nil {
		status := http.StatusBadRequest
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			status = http.StatusRequestEntityTooLarge
		}
		http.Error(w, http.StatusText(status), status)
		return
	}
	name := r.PostForm.Get("name")
	if problem := checkName(name); problem != "" {
		page := indexPage{Name: strings.ToValidUTF8(name, "\uFFFD"), Error: problem}
		a.renderIndex(w, r, http.StatusUnprocessableEntity, page)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), writeTimeout)
	defer cancel()
	err = a.tasks.Add(ctx, strings.TrimSpace(name))
	if err != nil {
		a.unavailable(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// deleteTask removes a task and redirects to the list; a non-numeric id is a 404.
func (a *app) deleteTask(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		http.NotFound(w, r)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), writeTimeout)
	defer cancel()
	err = a.tasks.Delete(ctx, id)
	if err != nil {
		a.unavailable(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// checkName returns what is wrong with a task name, or "" if nothing is.
func checkName(name string) string {
	if !utf8.ValidString(name) {
		return "The task name is not valid UTF-8 text."
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "Please enter a task name."
	case utf8.RuneCountInString(name) > maxNameLength:
		return fmt.Sprintf("A task name can be at most %d characters long.", maxNameLength)
	case strings.ContainsFunc(name, unicode.IsControl):
		return "A task name cannot contain control characters such as tabs or line breaks."
	}
	return ""
}

// renderIndex shows the task list with the given status, message and form value.
func (a *app) renderIndex(w http.ResponseWriter, r *http.Request, status int, page indexPage) {
	tasks, err := a.tasks.All(r.Context())
	if err != nil {
		a.unavailable(w, r, err)
		return
	}
	page.Tasks = tasks
	web.Render(w, r, a.indexTemplate, status, page)
}

// unavailable answers 503 when storage fails: details to the log, an apology to the user.
func (a *app) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() == nil || !errors.Is(err, context.Canceled) { // a visitor who left is no failure
		slog.ErrorContext(r.Context(), "storage failed", "path", r.URL.Path, "err", err)
	}
	http.Error(w, "The task list is unavailable right now. Please try again in a moment.", http.StatusServiceUnavailable)
}
