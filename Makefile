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

# Benchmarks, including the handshake comparison against a strongSwan
# responder and the AAA ones against FreeRADIUS (minutes; needs root for
# network namespaces). The comparison table also goes to
# bin/bench-ike.txt, the AAA tables to bin/bench-aaa-psk.txt and
# bin/bench-slow-aaa.txt.
bench: deps build
	mkdir -p bin
	GATEHOUSE_BENCH_OUT=$(CURDIR)/bin/bench-ike.txt \
	GATEHOUSE_BENCH_OUT_AAA=$(CURDIR)/bin/bench-aaa-psk.txt \
	GATEHOUSE_BENCH_OUT_SLOW_AAA=$(CURDIR)/bin/bench-slow-aaa.txt \
	$(GO) test -run "^$$" -bench . -benchmem -timeout 60m \
		./grammar/ ./configdb/ ./cli/ ./services/...

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# Regenerate docs/commands.md from the grammar.
docs:
	$(GO) test ./modes -run TestCommandReference -update

# Every fuzz target for FUZZTIME each (default 30s).
fuzz:
	./scripts/fuzz-all.sh

clean:
	rm -rf bin
