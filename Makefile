# NCN host. `make demo` and `make test` work on a fresh Debian machine:
# both install what is missing first (make deps).

SHELL      := /bin/bash
GO         ?= go
GOBIN      ?= $(shell $(GO) env GOPATH)/bin
GETH_VERSION := v1.17.8
GETH       := $(GOBIN)/geth
APT_PKGS   := libseccomp-dev pkg-config
# the model worker (gpu/worker): Debian's interpreter runs it; protoc generates its protocol
APT_PKGS   += python3-numpy python3-torch python3-sklearn python3-protobuf protobuf-compiler
# ip netns, veth and bridges for the partition test (cmd/ncn)
APT_PKGS   += iproute2
# npm projects: the contracts' compiler, the AssemblyScript example plugin
NPM_DIRS   := contracts sdk-plugins/examples/selection-as
export CGO_ENABLED := 1
export GOFLAGS := -buildvcs=false

.PHONY: deps generate models build test bench demo check fmt vet tidy clean

## deps: install what a fresh machine lacks (apt packages, npm packages, geth); quiet when present
deps:
	@missing=""; \
	for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		echo "deps: apt-get install$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@for d in $(NPM_DIRS); do \
		if [ ! -f $$d/node_modules/.package-lock.json ] || [ $$d/package-lock.json -nt $$d/node_modules/.package-lock.json ]; then \
			echo "deps: npm ci ($$d)"; npm ci --prefix $$d --no-audit --no-fund --loglevel=error; \
		fi; \
	done
	@if ! { [ -x $(GETH) ] && $(GETH) version 2>/dev/null | grep -q "^Version: $(GETH_VERSION:v%=%)"; }; then \
		echo "deps: building geth $(GETH_VERSION) (a few minutes, once)"; \
		GOBIN=$(GOBIN) GOFLAGS= $(GO) install github.com/ethereum/go-ethereum/cmd/geth@$(GETH_VERSION); \
	fi
	@$(GO) mod download

## generate: compile the contracts and plugins, regenerate every generated file
generate: deps
	npm --prefix contracts run --silent build
	npm --prefix sdk-plugins/examples/selection-as run --silent build
	$(GO) generate ./...

## models: retrain the shipped model bundles (gpu/worker/models) from their scripts;
## byte-identical on the same CPU, so not part of generate's drift check
models: deps
	/usr/bin/python3 -B gpu/worker/train/train_digits.py --out gpu/worker/models/digits
	/usr/bin/python3 -B gpu/worker/train/train_charlm.py --out gpu/worker/models/charlm

## build: the ncn binary in bin/
build:
	$(GO) build -o bin/ncn ./cmd/ncn

## test: the whole suite (contracts on the embedded chain and on geth --dev)
test: deps
	NCN_GETH=$(GETH) $(GO) test -p 2 -count=1 -timeout 25m ./...

## bench: gas and settlement throughput; plugin call latency vs native, metering cost, load and swap times;
## model worker requests/s and round trip;
## sandbox cold start vs bare exec; warm worker round trip sandboxed vs bare; validator quorum latency;
## DHT discovery in 10 and 50 nodes, gossip delivery across 20; paid requests through a devnet of processes
## (sustained throughput, CPU per request; then one at a time per model: the gateway's and the host's latency vs the worker called directly)
bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 3x ./chain/
	$(GO) test -run '^$$' -bench 'Select100|Price|Swap' -benchtime 300x ./plugins/
	$(GO) test -run '^$$' -bench 'Load' -benchtime 3x ./plugins/
	$(GO) test -run '^$$' -bench . -benchtime 20x ./plugins/internal/meter/
	$(GO) test -run '^$$' -bench . -benchtime 2000x ./gpu/worker/
	$(GO) test -run '^$$' -bench Start -benchtime 50x ./sandbox/
	$(GO) test -run '^$$' -bench WorkerRoundTrip -benchtime 300x ./host/compute/
	$(GO) test -run '^$$' -bench PreprocessingQuorum -benchtime 500x ./host/registry/
	$(GO) test -run '^$$' -bench WitnessMemory -benchtime 200000x ./host/registry/
	$(GO) test -run '^$$' -bench ModelFileSync -benchtime 3x ./host/registry/
	$(GO) test -run '^$$' -bench Discovery -benchtime 50x ./p2p/
	$(GO) test -run '^$$' -bench GossipDelivery -benchtime 500x ./p2p/
	$(GO) test -run '^$$' -bench DevnetPaidRequests -benchtime 1500x ./host/devnet/
	$(GO) test -run '^$$' -bench DevnetLatency -benchtime 30x ./host/devnet/

## demo: a paid request settled on the embedded chain, balances before and after
demo: deps build
	./bin/ncn devnet --requests 20

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

tidy:
	$(GO) mod tidy -diff

## check: format, vet, tidy, regenerate, and fail if anything drifted
check: fmt vet tidy generate
	@git diff --exit-code --stat || { echo "generated files drifted from their sources: run make generate and commit"; exit 1; }
	@untracked=$$(git status --porcelain --untracked-files=all -- contracts/build chain plugins/builtin sdk-plugins gpu/worker | grep '^??' || true); \
	if [ -n "$$untracked" ]; then echo "untracked generated files:"; echo "$$untracked"; exit 1; fi

clean:
	rm -rf bin
