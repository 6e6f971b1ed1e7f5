# tests/tests.mk — C unit tests: tests/test_<name>.c -> build/tests/test_<name>,
# always built with ASan/UBSan against the sanitized library; their harness is tests/check.h.
# tests/run.sh runs them and every tests/t_*.sh script (see tests/README.md).

TEST_SRCS  := $(wildcard tests/test_*.c)
TEST_BINS  := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))

$(BUILD)/tests/%: tests/%.c tests/check.h $(SW_ASAN_ALL) $(CODES_H)
	@mkdir -p $(@D)
	$(CC) $(SW_CFLAGS) -O1 $(SAN_FLAGS) -Itests $< $(SW_ASAN_LINK) -o $@

TEST_DEPS += $(TEST_BINS)
