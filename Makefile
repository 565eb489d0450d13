# Twofold: `make help` lists the targets. Every target works on a fresh machine
# with Go and gcc; `make deps` installs (or names) the few system tools the
# tests need.

GO        ?= go
GOROOT    := $(shell $(GO) env GOROOT)
WASM_EXEC := $(GOROOT)/lib/wasm
BIN       := bin
WASM_OUT  := web/app/twofold.wasm
WASM_TRANSFER := web/app/twofold-transfer.wasm
FUZZTIME  ?= 10s
# A package's tests may run longer than go test's default 10 minutes: the
# Chromium journeys (e2e) take about that on a busy two-core machine.
TEST_TIMEOUT ?= 40m
# Packages that must also build and pass under GOOS=js GOARCH=wasm.
WASM_PKGS := ./shared/... ./wasm/...

export CGO_ENABLED := 1

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z-]*:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: deps
deps: ## install the system tools the tests need (node, oathtool, chromium) or name the missing ones
	@.ci/install-deps

.PHONY: build
build: wasm ## build bin/twofold-server and bin/twofold (and the wasm)
	$(GO) build -trimpath -o $(BIN)/ ./cmd/...

.PHONY: run
run: wasm ## build bin/twofold-server and bin/twofold, start the server on http://localhost:8080 (data and master key in ./data; TWOFOLD_* variables apply)
	$(GO) build -trimpath -o $(BIN)/ ./cmd/...
	$(BIN)/twofold-server

.PHONY: wasm
wasm: ## build the authenticator's WebAssembly and its on-demand transfer module (+ gzip and brotli copies) into web/app/
	@if [ -d wasm/app ]; then \
		$(GO) run ./wasm/tools/buildwasm -o $(WASM_OUT) -transfer $(WASM_TRANSFER) && \
		cp "$(WASM_EXEC)/wasm_exec.js" web/app/wasm_exec.js && \
		$(GO) run ./wasm/tools/precompress $(WASM_OUT) $(WASM_TRANSFER); \
	else echo "wasm: no authenticator yet (wasm/app)"; fi

.PHONY: test
test: deps wasm vet test-host test-wasm ## vet, host tests, wasm tests and browser end-to-end tests (e2e/, in test-host)

.PHONY: test-e2e
test-e2e: wasm ## only the end-to-end tests in headless Chromium against the real server
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) -v ./e2e

.PHONY: screenshots
screenshots: wasm ## save screenshots of the demo site's and the authenticator's main pages, desktop and phone (import, export, the list and passkeys among them), into docs/screenshots/ (for docs/guide.md)
	TWOFOLD_SCREENSHOTS=docs/screenshots $(GO) test -count=1 -timeout $(TEST_TIMEOUT) -run 'TestSiteJourneys|TestSitePhone|TestSitePasswordAndSessions|TestSiteErrorsLookLikeErrors|TestPushSignIn|TestPushReportPausesPush|TestAdminJourney|TestAdminPhoneAndKeyboard|TestCLILoginBrowser$$|TestImportPreviewKeepsNew|TestExportRoundTrip|TestListPinTagReorderHide|TestPasskeyUnlock$$|TestAppGuide|TestAppPhoneHeaderAndAddDialog|TestAppManualKeyChecks|TestAppStorageNoticeStays|TestAppQuietListAndErrors|TestSyncTwoProfilesAndRecovery$$' ./e2e

.PHONY: vet
vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet $(WASM_PKGS)

.PHONY: test-host
test-host:
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

.PHONY: test-wasm
test-wasm: ## run shared/ and wasm/ tests compiled to wasm, under node
	PATH="$(WASM_EXEC):$$PATH" GOOS=js GOARCH=wasm $(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(WASM_PKGS)

.PHONY: bench
bench: ## run the benchmarks and print their figures and ratios
	$(GO) test -run='^$$' -bench=. -benchmem ./...

.PHONY: lint
lint: ## gofmt -l, go vet, staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) build -o $(BIN)/staticcheck honnef.co/go/tools/cmd/staticcheck
	$(BIN)/staticcheck ./...
	GOOS=js GOARCH=wasm $(BIN)/staticcheck $(WASM_PKGS)

.PHONY: fuzz
fuzz: ## run each fuzz target for $(FUZZTIME)
	@set -e; for pkg in $$($(GO) list ./...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$target"; \
			$(GO) test -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME) $$pkg; \
		done; \
	done

.PHONY: clean
clean: ## remove build outputs and test caches
	rm -rf $(BIN) web/app/twofold.wasm web/app/twofold.wasm.gz web/app/twofold.wasm.br web/app/wasm_exec.js \
		web/app/twofold-transfer.wasm web/app/twofold-transfer.wasm.gz web/app/twofold-transfer.wasm.br
	$(GO) clean -testcache
