module github.com/go-memcache-workshop/tasklist/step01-skeleton

go 1.26.0

require github.com/go-memcache-workshop/tasklist/shared v0.0.0

require github.com/joho/godotenv v1.5.1 // indirect

// The shared module lives beside the chapters; this keeps the chapter
// buildable on its own (GOWORK=off) as well as inside the workspace.
replace github.com/go-memcache-workshop/tasklist/shared => ../shared
