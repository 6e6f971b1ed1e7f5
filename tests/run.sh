#!/usr/bin/env bash
# run.sh BUILD — run every test: build/tests/test_* (C, sanitized) and tests/t_*.sh.
# Each test is one program with a real exit status; its output goes to
# BUILD/test-logs/<name>.log and the tail is shown on failure. Ends with the
# line "N passed, N failed, N skipped" and exits non-zero if anything failed.
# A test that cannot run here exits 77 after printing a line "skipped: <why>"; it counts as
# skipped, never as passed.
# TEST_FILTER=regex runs a subset; TEST_TIMEOUT (s) bounds each test; TEST_SHOW=1 prints each
# test's whole log after its line (make test-usb).
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
logs="$build/test-logs"
mkdir -p "$logs"
export BUILD="$build" BIN="$build/bin" ASAN_BIN="$build/asan/bin"
export Q2MLP="$build/asan/bin/q2mlp" MNIST_DIR="${MNIST_DIR:-data/mnist}"
export CODES_INC="${CODES_INC:--I$build/gen}"   # the generated code headers (make passes CODES_INC)
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
filter=${TEST_FILTER:-.}
limit=${TEST_TIMEOUT:-600}

pass=0; fail=0; skip=0; failed=()
run_one() {  # name, command...
    local name=$1; shift
    [[ $name =~ $filter ]] || return 0
    local t0=$SECONDS
    local rc=0
    timeout "$limit" "$@" >"$logs/$name.log" 2>&1 || rc=$?
    if [ $rc -eq 0 ]; then
        pass=$((pass+1)); printf 'PASS %-32s %4ds\n' "$name" $((SECONDS-t0))
    elif [ $rc -eq 77 ]; then
        skip=$((skip+1))
        printf 'SKIP %-32s %4ds (%s)\n' "$name" $((SECONDS-t0)) \
            "$(grep -m1 '^skipped:' "$logs/$name.log" || echo 'skipped: no reason given')"
    else
        fail=$((fail+1)); failed+=("$name")
        printf 'FAIL %-32s %4ds (exit %d, log %s)\n' "$name" $((SECONDS-t0)) "$rc" "$logs/$name.log"
        [ "${TEST_SHOW:-0}" = 1 ] || tail -n 15 "$logs/$name.log" | sed 's/^/    | /'
    fi
    [ "${TEST_SHOW:-0}" != 1 ] || sed 's/^/    | /' "$logs/$name.log"
}

for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "$(basename "$t")" "$t"
done
for t in "$here"/t_*.sh; do
    [ -f "$t" ] || continue
    run_one "$(basename "$t" .sh)" bash "$t"
done

[ $fail -eq 0 ] || echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
