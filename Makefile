# The two commands a newcomer needs: `make run` and `make test`. Both set up the machine
# (scripts/bootstrap.sh installs what is missing), then build.
SHELL := /bin/bash
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
VAULT ?= $(if $(CUSTOS_VAULT),$(CUSTOS_VAULT),$(if $(XDG_DATA_HOME),$(XDG_DATA_HOME),$(HOME)/.local/share)/custos)

.PHONY: all bootstrap build build-asan web run test test-long fuzz bench clean format

all: build

bootstrap:
	@scripts/bootstrap.sh

$(BUILD)/build.ninja: CMakeLists.txt
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: bootstrap $(BUILD)/build.ninja
	@cmake --build $(BUILD) -j $(JOBS)
	@$(MAKE) --no-print-directory web

# The browser app (web/): rebuilt into web/dist when its sources are newer than the build.
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html \
	web/vite.config.ts web/tsconfig.json web/package.json web/package-lock.json
web: web/dist/index.html
web/dist/index.html: $(WEB_SOURCES)
	@cd web && npx tsc --noEmit && npx vite build --logLevel error >/dev/null
	@touch $@

$(ASAN_BUILD)/build.ninja: CMakeLists.txt
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCUSTOS_SANITIZE=ON >/dev/null

build-asan: bootstrap $(ASAN_BUILD)/build.ninja
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# make run: the main job on the default vault. With IMPORT=path it imports that folder,
# CD copy or zip first; then it lists the studies.
run: build
	@scripts/run.sh "$(VAULT)" "$(IMPORT)"

test: build build-asan
	@scripts/test.sh $(BUILD) $(ASAN_BUILD)

# The long durability run: the power-cut sweeps repeated in random order, and 200 SIGKILLs
# of a real import (make test runs 20).
test-long: build
	@scripts/test-long.sh $(BUILD)

# Hours of fuzzing per target (the short run is part of `make test`).
fuzz: bootstrap
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-3600} scripts/fuzz.sh

# make bench: the import figures (bench/run.sh), then the DICOMweb serving figures
# (bench/dicomweb_bench.py; BENCH_SKIP_DICOMWEB=1 leaves them out), then the web viewer's
# time to first image and to the whole stack (bench/web_bench.py; BENCH_SKIP_WEB=1). See bench/README.md.
bench: build
	@cmake --build $(BUILD) --target parse_isolation_bench >/dev/null
	@rc=0; bench/run.sh $(BUILD)/custos || rc=$$?; \
	if [[ "$${BENCH_SKIP_DICOMWEB:-0}" != 1 ]]; then \
	  bench/dicomweb_bench.py $(BUILD)/custos "$${BENCH_DATA_DIR:-bench/data}" || rc=1; \
	fi; \
	if [[ "$${BENCH_SKIP_WEB:-0}" != 1 ]]; then \
	  bench/web_bench.py $(BUILD)/custos "$${BENCH_DATA_DIR:-bench/data}" || rc=1; \
	fi; exit $$rc

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')
