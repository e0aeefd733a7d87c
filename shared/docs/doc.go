// Package docs holds the checks that keep the workshop's READMEs true to
// the code: every relative link resolves, and every Go or HTML excerpt in a
// chapter's README is found, line for line, in that chapter's files. Run
// them with `go test ./docs` in shared (CI does). The transcripts under
// "What you will observe" are checked against real runs by shared/observe's
// test, and chapter 04's memcached primer by shared/cmd/mc's.
package docs
