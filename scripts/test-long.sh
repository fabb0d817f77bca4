#!/usr/bin/env bash
# make test-long: the durability proofs at length. Prints one summary line at the end.
set -uo pipefail
build=${1:-build}
status=0
echo "== power-cut sweeps and injected faults, 20 shuffled repetitions"
"$build/tests/custos_vault_tests" --gtest_filter='Fault*' --gtest_repeat=20 --gtest_shuffle \
  --gtest_brief=1 || status=1
"$build/tests/custos_blob_tests" --gtest_filter='Fault*' --gtest_repeat=20 --gtest_shuffle \
  --gtest_brief=1 || status=1
"$build/tests/custos_index_tests" --gtest_filter='Fault*' --gtest_repeat=20 --gtest_shuffle \
  --gtest_brief=1 || status=1
echo "== 200 SIGKILLs of a real import"
CUSTOS_KILLS=200 CUSTOS_BIN="$build/custos" /usr/bin/python3 tests/integration/test_crash_kills.py \
  || status=1
if [ "$status" -eq 0 ]; then echo "2 passed, 0 failed"; else echo "0 passed, 2 failed"; fi
exit $status
