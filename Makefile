# The two commands a newcomer needs (README): `make demo` and `make test`.
# Everything runs through scripts/toolchain.sh, which provisions the Debian 13 toolchain on first
# use (a chroot outside the repository on Debian 12 hosts, native on Debian 13).
SHELL := /bin/bash
TOOLCHAIN := scripts/toolchain.sh
RUN := $(TOOLCHAIN) run env OMP_WAIT_POLICY=PASSIVE
CTEST_ARGS ?=

.PHONY: demo test test-fast build provision clean format

provision:
	@$(TOOLCHAIN) provision

build: provision
	@$(RUN) scripts/build.sh

# The main job: for now the toolchain check and the bundled data; the pipeline grows here.
demo: build
	@./kiln doctor
	@echo
	@./kiln data info --dataset mnist
	@echo
	@./kiln data info --dataset fashion-mnist | head -4

# Every test (unit, integration, slow), labelled for ctest -L.
test: build
	@$(RUN) ctest --test-dir build --output-on-failure -j2 $(CTEST_ARGS)

# The fast ones while working: ctest -L unit.
test-fast: build
	@$(RUN) ctest --test-dir build --output-on-failure -j2 -L unit

format:
	@$(RUN) bash -c 'clang-format -i $$(git ls-files "*.cpp" "*.h")'

clean:
	rm -rf build
