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

.PHONY: help run test test-step diff bench images image mc observe

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: ## run a chapter (SQLite and an in-process cache unless configured): make run STEP=04
	go run ./$(call chapter,$(STEP))

test: ## run every test of every chapter on any machine with Docker, registry or not
	@$(test_images) && set -x && go test $(TESTFLAGS) work

test-step: ## run one chapter's tests: make test-step STEP=05
	@$(test_images) && cd $(call chapter,$(STEP)) && set -x && go test $(TESTFLAGS) ./...

diff: ## show what a chapter changed: make diff FROM=04 TO=05
	git diff --no-index --color=always $(call chapter,$(FROM)) $(call chapter,$(TO)) || true

bench: ## measure every chapter against the limit (Docker); writes bench-results/
	@$(test_images) && set -x && go run ./shared/cmd/bench $(BENCH_FLAGS)

images: ## build the MariaDB and memcached test images from Debian packages (no registry needed)
	bash .ci/images/build.sh

mc: ## look into memcached (MEMCACHED_SERVERS, else 127.0.0.1:11211): make mc ARGS='keys workshop:'
	@go run ./shared/cmd/mc $(ARGS)

image: ## build the app's container image of a chapter: make image STEP=04 (see docs/deploy.md)
	docker build --build-arg STEP=$(call number,$(STEP)) -t tasklist:$(call number,$(STEP)) .

observe: ## replay a chapter's "What you will observe" (Docker from chapter 04 on): make observe STEP=04
	@case "$(call number,$(STEP))" in 01|02|03) ;; *) $(test_images) ;; esac && go run ./shared/cmd/observe $(STEP)
