# wsbeat: `make run` serves the demo, `make test` runs every test.
# Each target does one thing; `make help` lists them.

GO       ?= go
GOROOT   := $(shell $(GO) env GOROOT)
EXEC_JS  := $(firstword $(wildcard $(GOROOT)/lib/wasm/wasm_exec.js $(GOROOT)/misc/wasm/wasm_exec.js))
GOBIN    := $(CURDIR)/.cache/bin
ADDR     ?= 127.0.0.1:8080
WASMFLAGS := -trimpath -ldflags='-s -w'

JS_SRC   := $(wildcard js/src/*.js)
ESBUILD  := node_modules/.bin/esbuild
DIST     := dist/wsbeat.wasm dist/wasm_exec.js wasm_exec.js dist/wsbeat.js dist/wsbeat-vue.js dist/wsbeat.d.ts \
            dist/wsbeat.mjs dist/wsbeat-vue.mjs dist/wsbeat.d.mts dist/wsbeat-vue.d.mts dist/testing.mjs dist/testing.d.mts

.PHONY: help build run test test-go test-e2e test-e2e-other test-browsers test-js test-types test-playwright lint bench fuzz clean deps

help:
	@echo "make run     build, then serve the demo at http://$(ADDR)"
	@echo "make test    every test: Go (race), js/wasm, TypeScript, the browser suites in Chromium, Firefox and WebKit"
	@echo "make test-browsers BROWSERS=firefox   the browser suites in some engines only"
	@echo "make bench   benchmarks against the raw WebSocket and the peers"
	@echo "make build   the bundle in dist/"
	@echo "make pack    the npm package, dist/wsbeat-<version>.tgz"
	@echo "make lint    go vet, natively and for js/wasm"
	@echo "make fuzz    the engine and URL fuzzers for longer (FUZZTIME=2m each)"
	@echo "make clean   remove build outputs"

build: $(DIST) dist/.compressed

dist/wsbeat.wasm: $(shell find . -name '*.go' -not -path './node_modules/*' -not -path './e2e/*' -not -name '*_test.go') go.mod go.sum
	@mkdir -p dist
	GOOS=js GOARCH=wasm $(GO) build $(WASMFLAGS) -o $@ ./wasm

# wasm_exec.js must come from the toolchain that built the .wasm.
dist/wasm_exec.js wasm_exec.js: $(EXEC_JS)
	@mkdir -p dist
	cp $< $@

# The script-tag builds are generated from the ES modules in js/src by
# esbuild (a pinned devDependency): an IIFE that sets the global, as the
# hand-written files did.
dist/wsbeat.js: $(JS_SRC) node_modules/.stamp
	@mkdir -p dist
	$(ESBUILD) js/src/global.js --bundle --format=iife --target=es2020 --log-level=warning \
		--banner:js='/*! wsbeat — a WebSocket that stays up (generated from js/src by esbuild) */' --outfile=$@

dist/wsbeat-vue.js: $(JS_SRC) node_modules/.stamp
	@mkdir -p dist
	$(ESBUILD) js/src/vue-global.js --bundle --format=iife --target=es2020 --log-level=warning \
		--banner:js='/*! wsbeat-vue — Vue 3 bindings for wsbeat (generated from js/src by esbuild) */' --outfile=$@

# The ES modules of the npm package (wsbeat and wsbeat/vue), from the same
# sources: wsbeat.mjs loads wasm_exec.js with import() (kept as a file of
# its own, next to it), wsbeat-vue.mjs imports vue and wsbeat, so an app
# has one Vue and one engine.
dist/wsbeat.mjs: $(JS_SRC) node_modules/.stamp
	@mkdir -p dist
	$(ESBUILD) js/src/module.js --bundle --format=esm --target=es2020 --log-level=warning --external:./wasm_exec.js \
		--banner:js='/*! wsbeat — a WebSocket that stays up (generated from js/src by esbuild) */' --outfile=$@

dist/wsbeat-vue.mjs: $(JS_SRC) node_modules/.stamp
	@mkdir -p dist
	$(ESBUILD) js/src/vue-module.js --bundle --format=esm --target=es2020 --log-level=warning --external:vue --external:wsbeat \
		--banner:js='/*! wsbeat/vue — Vue 3 bindings for wsbeat (generated from js/src by esbuild) */' --outfile=$@

dist/%.d.ts: js/%.d.ts
	@mkdir -p dist
	cp $< $@

dist/%.d.mts: js/%.d.mts
	@mkdir -p dist
	cp $< $@

# wsbeat/testing: the control API's client, as it is (no dependencies).
dist/testing.mjs: js/testing/control.js
	@mkdir -p dist
	cp $< $@

dist/testing.d.mts: js/testing/control.d.ts
	@mkdir -p dist
	cp $< $@

# Precompressed copies that the server picks by Accept-Encoding. The tool
# lives in the nested module e2e/ (it needs brotli, which users never do).
dist/.compressed: $(filter dist/%,$(DIST))
	cd e2e && $(GO) run ./cmd/precompress ../dist
	@touch $@

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.stamp

# Only the demo and the bundle are served, never the repository itself.
run: build deps
	$(GO) run ./cmd/wsbeat-server -addr $(ADDR) -static /=index.html -static /demo/=demo \
		-static /dist/=dist -static /wasm_exec.js=wasm_exec.js -static /node_modules/vue/dist/=node_modules/vue/dist

test: build deps test-go test-e2e test-js test-types test-playwright test-examples

# The main module: the engine, the bridge's native tests, the server.
test-go:
	$(GO) test -race -count=1 -timeout 12m ./...

# The nested module e2e/: browser suites, network faults, the benchmark's
# smoke test, and the check that the main module installs alone.
test-e2e: test-e2e-other test-browsers

# The browser suites, once per engine (one engine after another, each with
# $$WSBEAT_BROWSER set); the run ends with each engine's time, its number
# of cases and its skips with their reasons.
BROWSERS      ?= chromium,firefox,webkit
BROWSER_PKGS  := ./internal/browsertest ./contract ./vue ./lifecycle ./network
test-browsers:
	cd e2e && $(GO) run ./internal/browsertest/matrix -browsers $(BROWSERS) -timeout 12m $(BROWSER_PKGS)

# Everything else in e2e/ (the benchmark's smoke test stays in Chromium).
test-e2e-other:
	cd e2e && $(GO) test -race -count=1 -timeout 12m $$($(GO) list ./... | grep -v -x -F $(patsubst ./%,-e github.com/wsbeat/wsbeat/e2e/%,$(BROWSER_PKGS)))

# js-only packages: go test ./... skips them natively, so run them in
# headless Chromium through wasmbrowsertest.
$(GOBIN)/go_js_wasm_exec:
	GOBIN=$(GOBIN) $(GO) install github.com/agnivade/wasmbrowsertest@v0.11.0
	mv $(GOBIN)/wasmbrowsertest $@

test-js: $(GOBIN)/go_js_wasm_exec
	PATH="$(GOBIN):$$PATH" GOOS=js GOARCH=wasm $(GO) test -count=1 -timeout 5m ./jsbridge/... ./internal/safejs/...

test-types: deps
	node_modules/.bin/tsc --noEmit -p js/types-test

# The control client (js/testing) against the real server, then the
# Playwright example: two workers in parallel, each with its own tag, on
# Debian's Chromium (no browser download).
test-playwright: build deps
	node_modules/.bin/tsc --noEmit -p js/testing/types-test
	node --test --experimental-websocket js/testing/
	cd examples/playwright && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund && npx playwright test --workers=2

lint:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./...
	cd e2e && $(GO) vet ./...

bench: build deps
	cd e2e && $(GO) run ./bench -out ../BENCHMARKS.md -chart ../docs/bench.svg

FUZZTIME ?= 2m
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzEngine$$' -fuzztime=$(FUZZTIME) .
	$(GO) test -run='^$$' -fuzz='^FuzzNormalizeURL$$' -fuzztime=$(FUZZTIME) .
	$(GO) test -run='^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(FUZZTIME) ./reliable/wire
	$(GO) test -run='^$$' -fuzz='^FuzzSession$$' -fuzztime=$(FUZZTIME) ./reliable/wire

# --- the npm package and the apps that consume it --------------------------

# make pack: the package exactly as npm publishes it, dist/wsbeat-<ver>.tgz
# (the only tarball left in dist/). dist/package/ is the staging tree:
# npm/package.json, the documents users receive, and the built files that
# package.json's "files" lists, all under dist/ as in the repository.
PKG_VERSION := $(shell sed -n 's/^  "version": "\(.*\)",$$/\1/p' npm/package.json)
PKG_TGZ     := dist/wsbeat-$(PKG_VERSION).tgz
PKG_DIST    := dist/wsbeat.mjs dist/wsbeat.d.mts dist/wsbeat-vue.mjs dist/wsbeat-vue.d.mts dist/testing.mjs dist/testing.d.mts \
               dist/wsbeat.js dist/wsbeat-vue.js dist/wsbeat.d.ts dist/wsbeat.wasm dist/wasm_exec.js

.PHONY: pack test-examples

pack: build
	@test -n "$(PKG_VERSION)" || { echo "npm/package.json has no version"; exit 1; }
	rm -rf dist/package dist/wsbeat-*.tgz
	mkdir -p dist/package/dist
	cp npm/package.json README.md LICENSE CHANGELOG.md dist/package/
	cp $(PKG_DIST) dist/package/dist/
	cd dist && npm pack ./package --pack-destination . --loglevel=warn
	@test -f $(PKG_TGZ) || { echo "npm pack did not write $(PKG_TGZ)"; exit 1; }

# The example apps install the tarball (never the source tree), are built
# with their own bundler and checked: publint and attw on the tarball, the
# Node and vitest examples against the echo server, the Vite + Vue and
# webpack apps in headless Chromium, tsc on both entries. See
# examples/README.md.
test-examples: pack
	cd examples/harness && npm ci --prefer-offline --no-audit --no-fund --loglevel=warn
	node examples/harness/run.mjs

clean:
	rm -rf dist wasm_exec.js .cache
