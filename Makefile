# int8rt: `make demo` runs the main job on Fashion-MNIST, `make test` runs the whole suite.
# Both install missing Debian packages first (scripts/install-deps.sh).
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: all deps configure build test demo bench clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) > $(BUILD).configure.log 2>&1 || (cat $(BUILD).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 900

demo: build
	@bash scripts/demo.sh $(BUILD)

bench: build
	@bash bench/run_lenet_bench.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD).configure.log
