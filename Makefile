# imgorigin — the two commands a newcomer needs are `make run` and `make test`.
GO ?= go

.PHONY: all deps build run stop test test-go fuzz bench samples fmt vet clean

all: build

deps:
	@scripts/install-deps

build: deps
	@mkdir -p bin
	$(GO) build -o bin/ ./origin/cmd/... ./signer/cmd/... ./legacy/cmd/... ./cdn/cmd/...

# Start the local stack on 127.0.0.1 and print URLs to try (stop it with `make stop`).
run: build
	@scripts/run

stop:
	@scripts/stop

# Everything CI runs: format and vet checks, the Go tests (real nginx, MinIO, libvips),
# the reference signers' tests and bounded fuzzing of every parser.
test: deps
	@scripts/test

bench: build
	@scripts/bench

samples:
	$(GO) run ./origin/cmd/mksamples -out samples

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...

clean:
	rm -rf bin .run
