package main

import (
	"context"
	"fmt"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/database"
)

// Task is one entry of the task list.
type Task struct {
	ID   int64
	Name string
}

// taskStore is what the handlers need from storage. Keeping it this small is
// what lets a cache stand in front of the database in later chapters.
type taskStore interface {
	All(ctx context.Context) ([]Task, error)
	Add(ctx context.Context, name string) error
	Delete(ctx context.Context, id int64) error
}

// sqlTasks keeps tasks in the SQL database.
type sqlTasks struct {
	db *database.DB
	// queryDelay (TASKS_QUERY_DELAY) makes All as slow as an expensive query.
	queryDelay time.Duration
}

func (s *sqlTasks) All(ctx context.Context) ([]Task, error) {
	if err := database.SimulateSlowQuery(ctx, s.queryDelay); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, "SELECT id, name FROM tasks ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("load tasks: %w", err)
	}
	defer rows.Close()
	var tasks []Task
	for rows.Next() {
		var t Task
		if err := rows.Scan(&t.ID, &t.Name); err != nil {
			return nil, fmt.Errorf("load tasks: %w", err)
		}
		tasks = append(tasks, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load tasks: %w", err)
	}
	return tasks, nil
}

func (s *sqlTasks) Add(ctx context.Context, name string) error {
	if _, err := s.db.ExecContext(ctx, "INSERT INTO tasks (name) VALUES (?)", name); err != nil {
		return fmt.Errorf("add task: %w", err)
	}
	return nil
}

// Delete removes a task. A task already gone is not an error: a repeated click does no harm.
func (s *sqlTasks) Delete(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, "DELETE FROM tasks WHERE id = ?", id); err != nil {
		return fmt.Errorf("delete task %d: %w", id, err)
	}
	return nil
}
