# Shortcuts for the workshop. `make help` lists them. STEP, FROM and TO take a
# chapter number (04) or a folder name (step04-query-cache).

STEP ?= 09
FROM ?= 08
TO   ?= 09

chapter = $(firstword $(wildcard step$(1)-*) $(1))

.PHONY: help run test test-step diff bench images mc

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: ## run a chapter (SQLite and an in-process cache unless configured): make run STEP=04
	go run ./$(call chapter,$(STEP))

test: ## run every test of every chapter (Docker starts MySQL and memcached)
	go test work

test-step: ## run one chapter's tests: make test-step STEP=05
	cd $(call chapter,$(STEP)) && go test ./...

diff: ## show what a chapter changed: make diff FROM=04 TO=05
	git diff --no-index --color=always $(call chapter,$(FROM)) $(call chapter,$(TO)) || true

bench: ## measure every chapter against the limit (Docker); writes bench-results/
	go run ./shared/cmd/bench $(BENCH_FLAGS)

images: ## build the MariaDB and memcached test images from Debian packages (no registry needed)
	bash .ci/images/build.sh

mc: ## look into memcached (MEMCACHED_SERVERS, else 127.0.0.1:11211): make mc ARGS='keys workshop:'
	@go run ./shared/cmd/mc $(ARGS)
