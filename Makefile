# Gatehouse: a router-style remote-access IPsec VPN head-end.
GO       ?= go
BIN      := bin/gatehouse
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.Version=$(VERSION)

.PHONY: build run test deps unit interop bench lint docs fuzz clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/gatehouse

# Start the daemon on ./var with the console on this terminal and SSH on
# loopback port 2222.
run: build
	mkdir -p var
	./$(BIN) run --db var/gatehouse.db --socket var/gatehouse.sock --ssh 127.0.0.1:2222

# Install what the tests need, then run every test (unit, script, interop).
test: deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

deps:
	./scripts/install-test-deps.sh
	$(GO) mod download

bench: build
	$(GO) test -run "^$$" -bench . -benchmem ./grammar/ ./configdb/ ./cli/ ./services/...

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# Regenerate docs/commands.md from the grammar.
docs:
	$(GO) test ./modes -run TestCommandReference -update

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzMatch -fuzztime 60s ./grammar/

clean:
	rm -rf bin
