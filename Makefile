# imgorigin — the two commands a newcomer needs are `make run` and `make test`.
GO ?= go

.PHONY: all deps build run stop test test-go fuzz bench bench-disk samples fmt vet clean

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

# The origin against libvips' own limit and nginx static, measured in one run (BENCHMARKS.md
# §1–3): bin/bench origin (origin/cmd/bench); flags through BENCH, e.g. make bench BENCH='-rounds 5'.
bench: build
	@bin/bench origin $(BENCH)

# Disk-tier hits against nginx static and memory hits (BENCHMARKS.md §10): bin/bench disk.
bench-disk: build
	@bin/bench disk $(BENCH)

samples:
	$(GO) run ./origin/cmd/mksamples -out samples

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...

clean:
	rm -rf bin .run
