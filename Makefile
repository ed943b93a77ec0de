# vigia build. `make` builds the CLI and libvigia; `make test` installs what is missing,
# builds, and runs every test twice (gcc, then clang with ASan+UBSan) plus the fuzzers briefly.
# Variants build into their own directory: make BUILD=build/asan CC=clang SANITIZE=1

BUILD    ?= build
CC       ?= cc
SANITIZE ?=
PKGS     := jansson zlib yaml-0.1
# the daemon (src/serve, src/store) only: libvigia itself needs neither
DPKGS    := libmicrohttpd sqlite3 libcurl libcrypto
PYTHON   ?= /usr/bin/python3

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
DPKG_CFLAGS := $(shell pkg-config --cflags $(DPKGS) 2>/dev/null)
DPKG_LIBS   := $(shell pkg-config --libs $(DPKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -fPIC $(WARN) -Iinclude $(PKG_CFLAGS) -MMD -MP
LDLIBS   := $(PKG_LIBS) -lpthread -lm
ifeq ($(SANITIZE),1)
CFLAGS   := $(filter-out -O2,$(CFLAGS)) -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

LIB_SRC  := $(wildcard src/base/*.c src/sketch/*.c src/profile/*.c src/io/*.c src/report/*.c \
              src/stats/*.c src/drift/*.c src/quality/*.c src/perf/*.c \
              src/fairness/*.c src/estimate/*.c src/config/*.c src/evaluate/*.c \
              src/check/*.c src/monitor/*.c src/alert/*.c src/pii/*.c)
# the daemon: linked into the CLI (and its unit tests), not into libvigia
SERVE_SRC := $(wildcard src/store/*.c src/serve/*.c)
CLI_SRC  := $(wildcard src/cli/*.c) $(SERVE_SRC)
TEST_SRC := $(wildcard tests/unit/test_*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
SERVE_OBJ := $(SERVE_SRC:%.c=$(BUILD)/obj/%.o)
TESTS    := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test check-unit demo demo-batch bench fuzz format clean tests

all: $(BUILD)/vigia $(BUILD)/libvigia.a $(BUILD)/libvigia.so

deps:
	@scripts/install-deps

$(SERVE_OBJ): CFLAGS += $(DPKG_CFLAGS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libvigia.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libvigia.so: $(LIB_OBJ)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/vigia: $(CLI_OBJ) $(BUILD)/libvigia.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libvigia.a $(DPKG_LIBS) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libvigia.a $(SERVE_OBJ) tests/unit/testutil.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc $(DPKG_CFLAGS) $(shell pkg-config --cflags cmocka) $(LDFLAGS) -o $@ $< \
	    $(SERVE_OBJ) $(BUILD)/libvigia.a $(shell pkg-config --libs cmocka) $(DPKG_LIBS) $(LDLIBS)

tests: $(TESTS) $(BUILD)/vigia

# Everything, as CI runs it. tests/run.sh prints per-suite results and the closing count.
test: deps
	@$(MAKE) --no-print-directory all tests
	@$(MAKE) --no-print-directory BUILD=build/asan CC=clang SANITIZE=1 all tests
	@$(MAKE) --no-print-directory fuzz-build
	@tests/run.sh build build/asan

# The daemon on its embedded default (127.0.0.1:8080, ./vigia-data) replaying the bundled demo
# stream (examples/stream/: drift injected part way, labels delayed); Ctrl-C stops it cleanly.
# DEMO_LISTEN, DEMO_DATA_DIR and DEMO_EXIT=1 are read by scripts/demo-serve.
demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo-serve $(BUILD)/vigia

# The batch side: profile the demo data, then compare a reference and a current file.
demo-batch: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/vigia profile examples/data/demo.csv -o $(BUILD)/demo.vgp
	@echo
	$(BUILD)/vigia compare -r examples/data/demo.csv -c examples/data/demo_current.csv \
	    --target defaulted --prediction predicted_default --id customer_id
	@echo
	@echo "saved $(BUILD)/demo.vgp; try: $(BUILD)/vigia show --format json $(BUILD)/demo.vgp"

bench: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory -C bench BUILD=$(abspath $(BUILD))

# libFuzzer targets (clang; docs/fuzzing.md). `make fuzz-build` builds them; `make fuzz` runs
# each for FUZZ_SECONDS (default 60) and prints the total; make test runs them briefly on the
# seed corpus. The sources are compiled once into build/fuzz/obj (instrumented for coverage,
# ASan and UBSan) and shared: fuzz_*.c link libvigia's, fuzz_serve_*.c also the daemon's
# (src/serve, src/store) with libmicrohttpd, sqlite3, libcurl and libcrypto.
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS  := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_SECONDS ?= 60
FUZZ_SAN := address,undefined
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Iinclude -Isrc $(PKG_CFLAGS) \
               -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o)
FUZZ_SERVE_OBJ := $(SERVE_SRC:%.c=build/fuzz/obj/%.o)

.PHONY: fuzz-build
fuzz-build: $(FUZZERS)
# kept between builds (pattern-rule intermediates would be deleted)
.SECONDARY: $(FUZZ_LIB_OBJ) $(FUZZ_SERVE_OBJ)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $< (fuzz)"
	@clang $(FUZZ_CFLAGS) $(DPKG_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -MMD -MP -c $< -o $@

build/fuzz/fuzz_serve_%: tests/fuzz/fuzz_serve_%.c $(FUZZ_LIB_OBJ) $(FUZZ_SERVE_OBJ)
	@mkdir -p build/fuzz
	@echo "  LD  $@"
	@clang $(FUZZ_CFLAGS) $(DPKG_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -MMD -MP -o $@ $< \
	    $(FUZZ_SERVE_OBJ) $(FUZZ_LIB_OBJ) $(DPKG_LIBS) $(PKG_LIBS) -lpthread -lm

build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJ)
	@mkdir -p build/fuzz
	@echo "  LD  $@"
	@clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -MMD -MP -o $@ $< $(FUZZ_LIB_OBJ) \
	    $(PKG_LIBS) -lpthread -lm

# one at a time (they are CPU-bound); tests/fuzz/NAME.options holds a target's own libFuzzer
# flags (a dictionary, -max_len); FUZZ_ARGS passes extra flags to every target
fuzz: fuzz-build
	@total=0; for f in $(FUZZERS); do \
	    name=$$(basename $$f); mkdir -p build/fuzz/corpus-$$name; \
	    echo "== $$name ($(FUZZ_SECONDS)s)"; \
	    opts=; [ -f tests/fuzz/$$name.options ] && opts=$$(grep -v '^#' tests/fuzz/$$name.options); \
	    $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=build/fuzz/$$name- \
	        $$opts $(FUZZ_ARGS) \
	        build/fuzz/corpus-$$name tests/fuzz/corpus/$$name 2>build/fuzz/$$name.log \
	        || { tail -60 build/fuzz/$$name.log; exit 1; }; \
	    runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' build/fuzz/$$name.log); \
	    secs=$$(sed -n 's/^stat::.*//;s/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' \
	        build/fuzz/$$name.log); \
	    echo "   $$runs runs, $$(( $${runs:-0} / ($${secs:-1} > 0 ? $${secs:-1} : 1) )) execs/s"; \
	    total=$$(( total + $${runs:-0} )); \
	done; echo "== fuzz: $(words $(FUZZERS)) targets, $$total runs in all, none failed"

format:
	clang-format -i $$(find include src tests bench -name '*.[ch]')

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(wildcard build/fuzz/obj/src/*/*.d build/fuzz/*.d)
