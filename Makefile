# plinth: build minimal container base images from Debian and Ubuntu packages.
# `make help` lists the targets.

GO        ?= go
BIN       ?= bin/plinth
GOBIN     ?= $(CURDIR)/bin/tools
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
FUZZTIME  ?= 10s
STATICCHECK_VERSION ?= v0.8.2

export CGO_ENABLED ?= 0

.PHONY: help build test test-unit deps lint fuzz bench bench-compare docs clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build bin/plinth (static, -trimpath)
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/plinth

deps: ## install the tools the tests check results with (as root: apt-get; otherwise report what is missing)
	@scripts/install-test-deps

test: deps build ## every test: each fuzz target briefly, offline tests under -race, then all tests (end-to-end with real tools included)
	@FUZZ_CLEAN_CACHE=1 scripts/fuzz-all 20000x
	CGO_ENABLED=1 $(GO) test -count=1 -race -short ./...
	$(GO) test -count=1 -timeout 30m ./...

test-unit: ## offline tests only (-short)
	$(GO) test -short -count=1 ./...

lint: ## go vet + staticcheck (installed into bin/tools)
	$(GO) vet ./...
	@test -x $(GOBIN)/staticcheck || GOBIN=$(GOBIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(GOBIN)/staticcheck ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "run gofmt -w"; exit 1; }

fuzz: ## run every fuzz target for FUZZTIME (default 10s) each
	@scripts/fuzz-all $(FUZZTIME)

bench: ## Go benchmarks of the hot paths
	$(GO) test -run '^$$' -bench . -benchmem ./...

bench-compare: build ## side by side with mmdebstrap and debootstrap (needs root and the network)
	scripts/bench-compare

docs: ## regenerate docs/cli.md from the commands (TestCLIReference fails when it is stale)
	$(GO) test ./cmd/plinth -run '^TestCLIReference$$' -count=1 -args -update

clean: ## remove build outputs
	rm -rf bin out
