# Exact Keeper. `make run` and `make test` are all a newcomer needs; both
# install what is missing first (Debian packages via apt-get, Go modules via
# the proxy).
GO       ?= go
BIN      ?= bin
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X github.com/exactkeeper/exactkeeper/internal/version.Override=$(VERSION)
STATICCHECK_VERSION ?= v0.8.2
export PATH := $(PATH):$(shell $(GO) env GOPATH)/bin

.PHONY: run demo build app ctl test lint unit deps deps-test clean measure

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

lint: ## gofmt, go vet, staticcheck, and the darwin/windows type-check
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: the files above need formatting"; exit 1; }
	$(GO) vet -tags ci ./...
	@command -v staticcheck >/dev/null || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	staticcheck -tags ci ./...
	CGO_ENABLED=0 GOOS=windows $(GO) vet -tags ci ./...
	$(MAKE) --no-print-directory package-darwin-check

test: deps-test lint ## everything CI runs: real keychain, chromium, Xvfb, dunst
	EXACTKEEPER_TEST_REAL=1 scripts/with-session.sh $(GO) test -tags ci -timeout 25m -count=1 ./...

unit: ## quick tests, no real components
	$(GO) test -tags ci -short ./...

clean:
	rm -rf $(BIN) dist

measure: deps-test ## idle cost of the keeper, the dashboard and a bare systray program (5 minutes)
	scripts/with-session.sh $(GO) run ./internal/tools/measureidle -for 5m

include packaging/package.mk
