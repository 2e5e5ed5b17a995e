# The two commands a newcomer needs (README): `make demo` and `make test`.
# Everything runs through scripts/toolchain.sh, which provisions the Debian 13 toolchain on first
# use (a chroot outside the repository on Debian 12 hosts, native on Debian 13).
SHELL := /bin/bash
TOOLCHAIN := scripts/toolchain.sh
RUN := $(TOOLCHAIN) run env OMP_WAIT_POLICY=PASSIVE
CTEST_ARGS ?=

.PHONY: demo test test-fast sanitize build build-tests provision provision-tests clean format lint deb

# What kiln builds and runs with (scripts/packages.txt); the tests add scripts/packages-tests.txt.
provision:
	@$(TOOLCHAIN) provision

provision-tests:
	@$(TOOLCHAIN) provision --tests

# Every target: kiln, the test programs and the benchmarks.
build: provision
	@$(RUN) scripts/build.sh

build-tests: provision-tests
	@$(RUN) scripts/build.sh

# The main job: the whole seminar on the bundled MNIST (train → freeze → precision → export →
# compare → optimize → bench → pack → validate), into runs/demo; a second run reuses cached stages.
DEMO_OUT ?= runs/demo
# Only what the demo runs is provisioned and built (kiln, kiln-torch); `make test` adds the rest.
demo: provision
	@$(RUN) scripts/build.sh kiln kiln-torch
	@./kiln doctor | tail -n 4
	@./kiln pipeline --out $(DEMO_OUT)

# The Debian packages (docs/library.md): build-deb/packages/kiln_VERSION_amd64.deb (the CLI, the
# shared libraries, docs) and kiln-dev_VERSION_amd64.deb (headers, CMake package); a native build
# in build-deb/ whose objects ccache already holds after `make demo`.
deb: provision
	@$(RUN) scripts/deb.sh

# Every test (unit, integration, slow), labelled for ctest -L; then the sanitizer job: the unit
# suite under ASan+UBSan, a bounded run of every fuzz target (KILN_FUZZ_SECONDS each, default
# 30; tests/fuzz/RESULTS.md has the findings and what the job costs) and the CLI itself — a
# sanitized kiln running pipeline --quick, export, optimize, quantize-onnx, pack, validate.
test: build-tests
	@$(RUN) ctest --test-dir build --output-on-failure -j2 $(CTEST_ARGS)
	@$(RUN) scripts/sanitize.sh

# ASan+UBSan builds: kiln_core in build-asan/ (the unit suite and a short run of every fuzz
# target) and the whole kiln in build-asan-cli/ (tests/cli/cli_sanitized.sh); docs/security.md.
sanitize: provision-tests
	@$(RUN) scripts/sanitize.sh

# The fast ones while working: ctest -L unit.
test-fast: build-tests
	@$(RUN) ctest --test-dir build --output-on-failure -j2 -L unit

# clang-tidy's bugprone profile (.clang-tidy) over src/: slow (~20 min on 2 cores), not in `make test`.
lint: build-tests
	@$(TOOLCHAIN) run scripts/lint.sh

format: provision-tests
	@$(RUN) bash -c 'clang-format -i $$(git ls-files "*.cpp" "*.h")'

clean:
	rm -rf build build-asan build-asan-cli build-deb
