# atoll: the two commands a new user runs are `make demo` and `make test`.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release
# OpenMP threads that spin while waiting steal the time slice of the working thread on a busy
# 2-core machine (a forward went from 42 ms to 1.7 s under load); passive waiting avoids that.
export OMP_WAIT_POLICY ?= passive

.PHONY: all deps build demo test bench fuzz sanitize format clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

demo: build
	./$(BUILD)/atoll demo

test: build
	cd $(BUILD) && ctest -j$(JOBS) --output-on-failure --timeout 600

bench:
	@scripts/install-deps.sh --bench
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DATOLL_BENCH=ON >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)
	bench/run.sh $(BUILD)

# Each libFuzzer target runs for a minute from its seed corpus in fuzz/corpus/<target>/.
FUZZ_TARGETS = npy datagram plan model cluster placement cluster_builder llama2c safetensors \
  decoder_config
fuzz: deps
	@cmake -S . -B $(BUILD)-fuzz -DCMAKE_CXX_COMPILER=clang++ -DATOLL_FUZZ=ON -DATOLL_BENCH=OFF \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD)-fuzz -j$(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	for t in $(FUZZ_TARGETS); do mkdir -p $(BUILD)-fuzz/corpus-$$t && \
	  ./$(BUILD)-fuzz/fuzz/fuzz_$$t -max_total_time=60 $(BUILD)-fuzz/corpus-$$t fuzz/corpus/$$t || exit 1; done

# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer (any report fails).
# Open MPI's own allocations that live until exit are suppressed (tests/lsan.supp). Open MPI is
# built without frame pointers, so only the slow unwinder sees the MPI frames those rules match:
# the MPI tests run with it, the rest (several times faster) without.
LSAN_BASE = suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
SANITIZE_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
sanitize: deps
	@cmake -S . -B $(BUILD)-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATOLL_BENCH=OFF \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DCMAKE_CXX_FLAGS="$(SANITIZE_FLAGS)" \
	  -DCMAKE_EXE_LINKER_FLAGS="$(SANITIZE_FLAGS)" >/dev/null
	@cmake --build $(BUILD)-sanitize -j$(JOBS)
	cd $(BUILD)-sanitize && LSAN_OPTIONS=$(LSAN_BASE) ctest -j$(JOBS) --output-on-failure \
	  --timeout 1800 -E '[Mm]pi'
	cd $(BUILD)-sanitize && LSAN_OPTIONS=$(LSAN_BASE):fast_unwind_on_malloc=0 ctest -j$(JOBS) \
	  --output-on-failure --timeout 1800 -R '[Mm]pi'

format:
	clang-format -i $$(git ls-files '*.h' '*.cpp')

clean:
	rm -rf $(BUILD) $(BUILD)-fuzz $(BUILD)-sanitize
