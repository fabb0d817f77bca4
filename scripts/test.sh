#!/usr/bin/env bash
# make test: every test of the release build, then the unit and integration tests again
# under AddressSanitizer and UndefinedBehaviorSanitizer. Ends with one summary line.
set -uo pipefail
build=${1:-build}
asan=${2:-build-asan}
jobs=${CTEST_JOBS:-2}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

status=0
echo "== tests ($build)"
ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 1200 2>&1 | tee -a "$log" || status=1
echo "== tests under ASan+UBSan ($asan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$asan" --output-on-failure -j "$jobs" --timeout 1800 -LE slow 2>&1 | tee -a "$log" || status=1

echo "== fuzzing (libFuzzer, ${FUZZ_SECONDS:=30}s per target)"
if FUZZ_SECONDS=$FUZZ_SECONDS scripts/fuzz.sh 2>&1 | tee "$log.fuzz"; then
  echo "100% tests passed, 0 tests failed out of 1" >> "$log"
else
  echo "0% tests passed, 1 tests failed out of 1" >> "$log"
  status=1
fi
rm -f "$log.fuzz"

passed=0
failed=0
while read -r p f; do
  passed=$((passed + p))
  failed=$((failed + f))
done < <(sed -nE 's/^[0-9]+% tests passed, ([0-9]+) tests failed out of ([0-9]+)$/\2 \1/p' "$log" |
         awk '{print $1 - $2, $2}')
echo
echo "$passed passed, $failed failed"
if [ "$failed" -ne 0 ] || [ "$status" -ne 0 ]; then exit 1; fi
