-- +goose Up
-- No AUTOINCREMENT, as in the original app: SQLite may then hand out the id
-- of a deleted newest row again, which chapter 07 has to deal with.
CREATE TABLE tasks (
    id   INTEGER PRIMARY KEY,
    name TEXT    NOT NULL
);

-- +goose Down
DROP TABLE tasks;
