# Exact Keeper. `make run` and `make test` are all a newcomer needs; both
# install what is missing first (Debian packages via apt-get, Go modules via
# the proxy).
GO       ?= go
BIN      ?= bin
# The version is FyneApp.toml's (the one source of the app's name, ID and
# version) with `git describe` as build metadata: 0.1.0+ce2e7a8-dirty.
# VERSION=… on the command line overrides it.
GIT_DESCRIBE := $(shell git describe --tags --always --dirty 2>/dev/null)
ifeq ($(origin VERSION),undefined)
VERSION  := $(shell $(GO) run ./packaging/pkgtool version -describe '$(GIT_DESCRIBE)' || echo dev)
endif
LDFLAGS  := -X github.com/exactkeeper/exactkeeper/internal/version.Override=$(VERSION)
STATICCHECK_VERSION ?= v0.8.2
export PATH := $(PATH):$(shell $(GO) env GOPATH)/bin

.PHONY: run demo build app ctl test lint unit race fuzz reliability reliability-ci deps deps-test clean measure bench bench-long

run: app ## build and start the tray app
	$(BIN)/exactkeeper

demo: app ## the tray app against the built-in Exact Online simulator
	$(BIN)/exactkeeper --demo

build: app ctl

# Two programs: the always-on keeper+tray (no Fyne) and the window.
app: deps
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/exactkeeper ./cmd/exactkeeper
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/exactkeeper-dashboard ./cmd/exactkeeper-dashboard

ctl:
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/exactkeeperctl ./cmd/exactkeeperctl

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

lint: ## gofmt, go.mod tidy, go vet, staticcheck, and the darwin/windows type-check
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy (the diff above): run 'go mod tidy'"; exit 1; }
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: the files above need formatting"; exit 1; }
	$(GO) vet -tags ci ./...
	@command -v staticcheck >/dev/null || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	staticcheck -tags ci ./...
	CGO_ENABLED=0 GOOS=windows $(GO) vet -tags ci ./...
	$(MAKE) --no-print-directory package-darwin-check

test: deps-test lint race ## everything CI runs: real keychain, chromium, Xvfb, dunst
	EXACTKEEPER_TEST_REAL=1 scripts/with-session.sh $(GO) test -tags ci -timeout 25m -count=1 ./...

unit: ## quick tests, no real components
	$(GO) test -tags ci -short ./...

# The packages whose tests need neither cgo nor Fyne (nor the end-to-end
# binaries): their -short tests run again under the race detector.
RACE_PKGS = $(shell $(GO) list -tags ci -f '{{.ImportPath}}{{range .Deps}}{{if or (eq . "fyne.io/fyne/v2") (eq . "fyne.io/systray")}} fyne{{end}}{{end}}' ./... | grep -v -e ' fyne' -e '/internal/e2e$$')

race: ## the -short unit tests without cgo/Fyne, under the race detector
	$(GO) test -race -short -tags ci -count=1 -timeout 10m $(RACE_PKGS)

# Go native fuzzing, FUZZTIME per target; not part of CI. Every Fuzz
# function in core/ is found and run in turn. A crasher is written to the
# package's testdata/fuzz/<Target>/, where `go test` keeps replaying it:
# fix the bug, keep the file as a regression test.
FUZZTIME ?= 30s
fuzz: ## go native fuzzing of every Fuzz target in core/, FUZZTIME (30s) each
	@set -e; grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' core | sort -u | \
	while IFS=: read -r file fn; do \
		fn=$${fn#func }; pkg=./$$(dirname $$file); \
		echo "== $$pkg $$fn ($(FUZZTIME))"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) </dev/null || exit 1; \
	done

# The reliability harness (internal/reliability): the simulator over real
# HTTP on 127.0.0.1, the real keychain in a private session, SIGKILLs of
# `exactkeeperctl run`, faults, clock jumps and keychain outages. It writes
# its table into docs/reliability.md. RELIABILITY_KILLS sets the kills of
# each kind. reliability-ci is the fast subset CI runs (< 3 minutes).
RELIABILITY_KILLS ?= 100
reliability: deps-test ## the reliability figures into docs/reliability.md (< 15 minutes)
	scripts/reliability.sh -kills $(RELIABILITY_KILLS) -doc docs/reliability.md

reliability-ci: ## the reliability harness's CI subset, printed (< 3 minutes)
	scripts/reliability.sh -quick -kills 10

clean:
	rm -rf $(BIN) dist

measure: deps-test ## idle cost of the keeper, the dashboard and the bare systray and Fyne programs (10 minutes)
	scripts/with-session.sh $(GO) run ./internal/tools/measureidle -for 5m

# Performance at an office's scale (internal/tools/bench, docs/performance.md):
# the idle cost of exactkeeper with 1, 50 and 500 connections beside a bare
# fyne.io/systray program and a minimal Fyne tray app, the dashboard open and
# closed, 500 chains against the simulator with short lifetimes, token
# latency against a direct keychain read, start-up. Baselines are built in
# the same run. It writes its table into docs/performance.md; run it on a
# quiet machine. bench-long measures each idle phase 10 minutes (not in CI).
bench: deps-test ## performance figures into docs/performance.md (< 30 minutes, cold build included)
	scripts/bench.sh -idle 3m -doc docs/performance.md

bench-long: deps-test ## the same with 10-minute idle phases and 4 simulated days (about 55 minutes)
	scripts/bench.sh -idle 10m -days 4 -doc docs/performance.md

include packaging/package.mk
