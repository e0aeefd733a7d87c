# Shortcuts for the workshop. `make help` lists them. STEP, FROM and TO take a
# chapter number (04) or a folder name (step04-query-cache).

STEP ?= 09
FROM ?= 08
TO   ?= 09

chapter = $(firstword $(wildcard step$(1)-*) $(1))
# The chapter's number: 04 for 04 and for step04-query-cache.
number = $(patsubst step%,%,$(firstword $(subst -, ,$(call chapter,$(1)))))

# Extra flags for go test, e.g. make test TESTFLAGS='-race -count=1'.
TESTFLAGS ?=

# The TEST_*_IMAGE settings this machine needs: none where the default images can be pulled,
# else the ones `make images` builds (built first if missing). See .ci/images/for-tests.sh.
test_images = settings=$$(bash .ci/images/for-tests.sh) && eval "$$settings"

.PHONY: help run test test-step diff diff-code diff-tests bench images image mc observe mermaid

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: ## run a chapter (SQLite and an in-process cache unless configured): make run STEP=04
	go run ./$(call chapter,$(STEP))

test: ## run every test of every chapter on any machine with Docker, registry or not
	@$(test_images) && set -x && go test $(TESTFLAGS) work

test-step: ## run one chapter's tests: make test-step STEP=05
	@$(test_images) && cd $(call chapter,$(STEP)) && set -x && go test $(TESTFLAGS) ./...

# What a chapter diff shows: the files git tracks or would track (no binary
# left by go build, no instance/ database), copied to a scratch folder so
# that git diff --no-index sees nothing else; code and tests first, then
# go.mod and go.sum, fuzz corpora, and the README last; colour only on a
# terminal. $(1): a pattern (grep -E) of files to leave out; $(2), if given,
# a pattern of the files to keep.
chapter_diff = tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	git ls-files -z --cached --others --exclude-standard -- $(call chapter,$(FROM)) $(call chapter,$(TO)) | \
	  grep -z -v -E '$(1)' | grep -z -E '$(or $(2),.)' | xargs -0 -r cp --parents -t "$$tmp" && \
	printf '%s\n' '*.go' '*.html' '*.css' '*/go.mod' '*/go.sum' '*/testdata/*' > "$$tmp/.order" && \
	cd "$$tmp" && { git diff --no-index --color=auto -O.order $(call chapter,$(FROM)) $(call chapter,$(TO)) || true; }

diff: ## show what a chapter changed, code first, README last: make diff FROM=04 TO=05
	@$(call chapter_diff,^$$)

diff-code: ## the technique alone: code, no tests, README, go.sum or fuzz corpora: make diff-code FROM=04 TO=05
	@$(call chapter_diff,/README\.md$$|/go\.sum$$|/testdata/|_test\.go$$)

diff-tests: ## the tests that prove it: make diff-tests FROM=04 TO=05
	@$(call chapter_diff,/testdata/,_test\.go$$)

bench: ## measure every chapter against the limit (Docker); writes bench-results/
	@$(test_images) && set -x && go run ./shared/cmd/bench $(BENCH_FLAGS)

images: ## build the MariaDB and memcached test images from Debian packages (no registry needed)
	bash .ci/images/build.sh

mc: ## look into memcached (MEMCACHED_SERVERS, else 127.0.0.1:11211): make mc ARGS='keys workshop:'
	@go run ./shared/cmd/mc $(ARGS)

image: ## build the app's container image of a chapter: make image STEP=04 (see docs/deploy.md)
	docker build --build-arg STEP=$(call number,$(STEP)) -t tasklist:$(call number,$(STEP)) .

mermaid: ## render every diagram of the Markdown to PNG files to look at: make mermaid OUT=/tmp/diagrams
	bash .ci/mermaid/render.sh "$(or $(OUT),diagrams)"

observe: ## replay a chapter's "What you will observe" (Docker from chapter 04 on): make observe STEP=04
	@case "$(call number,$(STEP))" in 01|02|03) ;; *) $(test_images) ;; esac && go run ./shared/cmd/observe $(STEP)
