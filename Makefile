# Creator Studio — build, run, test, benchmark and install the `studio` daemon.
#   make run    installs what is missing, builds (release) and starts the daemon on ./var
#   make test   installs what is missing, runs every test (debug and release, black-box, browser)
SHELL := /bin/bash
.DEFAULT_GOAL := build

PREFIX   ?= /usr/local
DESTDIR  ?=
DATA_DIR ?= ./var
LISTEN   ?= 127.0.0.1:8080
SWIFT    ?= swift
PYTHON   ?= python3
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages: the five C libraries (+ zlib) to build, and the tools the tests drive.
BUILD_PKGS := pkg-config liblmdb-dev libsqlite3-dev libmicrohttpd-dev libssl-dev libargon2-dev zlib1g-dev
TEST_PKGS  := chromium chromium-driver systemd sqlite3 prometheus openssl
BENCH_PKGS := wrk nginx-light redis-server bc
PY_TEST    := pytest selenium requests PyJWT argon2-cffi

TCK_DIR  ?= $(CURDIR)/../shared/tck/features

.PHONY: deps test-deps bench-deps build release run test test-swift test-release test-blackbox test-tck tck tck-accept bench install clean

define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing </dev/null >/dev/null; \
	fi
endef

deps:
	$(call apt_install,$(BUILD_PKGS))

test-deps: deps
	$(call apt_install,$(TEST_PKGS))
	@$(PYTHON) -c "import pytest, selenium, requests, jwt, argon2" 2>/dev/null || \
	  $(PYTHON) -m pip install -q --disable-pip-version-check $(PY_TEST) </dev/null

bench-deps: test-deps
	$(call apt_install,$(BENCH_PKGS))

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	@mkdir -p $(DATA_DIR)
	./.build/release/studio serve --data-dir $(DATA_DIR) --listen $(LISTEN)

# Debug and release test builds each compile everything once (--build-tests builds the
# executables too); the black-box suite and the TCK regression check reuse the release build.
test: test-deps test-swift test-release test-tck test-blackbox

# Suites that wait on sockets, timers and worker tasks run first, on their own: on two cores the
# CPU-heavy suites (text corpus, graph, Cypher, billing) would otherwise hold Swift's two cooperative
# threads for long stretches and turn those waits into spurious timeouts.
LIVE_SUITES := HTTPTests|HTTPClientTests|GenerationTests|GenerationAPITests|ConnectorsTests|PublishingTests|StudioServerTests

test-swift:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter '$(LIVE_SUITES)'
	$(SWIFT) test --skip-build --skip '$(LIVE_SUITES)'

# -enable-testing: what `swift test -c release` would add, so @testable imports compile at -O.
test-release:
	$(SWIFT) build -c release --build-tests -Xswiftc -enable-testing
	$(SWIFT) test -c release --skip-build --filter '$(LIVE_SUITES)'
	$(SWIFT) test -c release --skip-build --skip '$(LIVE_SUITES)'

test-tck:
	@if [ -d "$(TCK_DIR)" ]; then ./.build/release/cypher-tck "$(TCK_DIR)" --check-regressions Tests/tck/passing.txt; \
	else echo "test-tck: no TCK at $(TCK_DIR) (set TCK_DIR); skipped"; fi

test-blackbox:
	STUDIO_BIN=$(CURDIR)/.build/release/studio $(PYTHON) -m pytest -q -p no:cacheprovider Tests/blackbox

# The openCypher TCK: one line per folder, the executable-scenario count, and last "N passed, M failed".
tck: deps
	$(SWIFT) build -c release --product cypher-tck
	./.build/release/cypher-tck "$(TCK_DIR)" --write-passing .build/tck-passing.txt
	@echo "passing scenarios written to .build/tck-passing.txt; 'make tck-accept' makes it the regression baseline"

tck-accept:
	cp .build/tck-passing.txt Tests/tck/passing.txt

bench: bench-deps
	$(SWIFT) build -c release
	bash Tests/bench/run.sh $(CURDIR)/.build/release

install:
	$(SWIFT) build -c release --static-swift-stdlib
	install -D -m 0755 .build/release/studio $(DESTDIR)$(PREFIX)/bin/studio
	mkdir -p $(DESTDIR)$(PREFIX)/share/studio
	rm -rf $(DESTDIR)$(PREFIX)/share/studio/web-static $(DESTDIR)$(PREFIX)/share/studio/data
	cp -R web-static data $(DESTDIR)$(PREFIX)/share/studio/
	install -D -m 0644 systemd/studio.service $(DESTDIR)$(PREFIX)/lib/systemd/system/studio.service
	install -D -m 0644 data/studio.example.json $(DESTDIR)$(PREFIX)/share/doc/studio/studio.example.json

clean:
	rm -rf .build .build-*
