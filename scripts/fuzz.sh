#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for FUZZ_SECONDS
# (default 45; `make fuzz` runs an hour each). Corpora are seeded from Debian's pydicom test
# files and from small archives made here; every crasher kept in fuzz/regressions/<target>/
# is replayed first. A crash fails the run and leaves the reproducer in build-fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-45}
build=${FUZZ_BUILD:-build-fuzz}
targets=${FUZZ_TARGETS:-scanner header dicomdir zip element_reader rle multipart target}

if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCUSTOS_FUZZ=ON >/dev/null
fi
cmake --build "$build" -j "$(nproc)" --target $(for t in $targets; do printf '%s_fuzzer ' "$t"; done)

pydicom=$(/usr/bin/python3 -c 'import pydicom.data as d, os; print(os.path.join(d.__path__[0], "test_files"))')
seed() {  # seed TARGET: fills $build/corpus/TARGET once
  local dir=$build/corpus/$1
  [ -d "$dir" ] && return 0
  mkdir -p "$dir"
  case $1 in
    multipart)  # first byte: how many chunk-size bytes follow; then the body
      printf '\x00--XyZ-b\r\nContent-Type: application/dicom\r\n\r\nDICM\r\n--XyZ-b--\r\n' > "$dir/one"
      printf '\x03\x01\x05\x02pre\r\n--XyZ-b \r\nA: 1\r\nB:2\r\n\r\nx\r\n--XyZ-b\r\n\r\n\r\n--XyZ-b--' > "$dir/two"
      printf '\x01\x07--XyZ-b\r\n\r\nabc' > "$dir/truncated" ;;
    target)
      printf '/dicom-web/studies/1.2.3/series?includefield=all&limit=10' > "$dir/path"
      printf '/a%%20b/c%%2Fd?x=1+2&y=%%26&z' > "$dir/escapes"
      printf 'multipart/related; type="application/dicom"; boundary=abc' > "$dir/media"
      printf 'application/dicom+json, multipart/related;type="application/dicom";q=0.9, */*;q=0.1' > "$dir/accept" ;;
    rle)  # RLE frames of pydicom's files behind the 5-byte description rle_fuzzer.cc reads
      /usr/bin/python3 - "$pydicom" "$dir" <<'PY'
import os, sys, pydicom
from pydicom.encaps import generate_pixel_data_frame
src, out = sys.argv[1], sys.argv[2]
for i, name in enumerate(["MR_small_RLE.dcm", "SC_rgb_rle.dcm", "SC_rgb_rle_16bit.dcm"]):
    ds = pydicom.dcmread(os.path.join(src, name))
    flags = (ds.PixelRepresentation & 1) | (2 if ds.SamplesPerPixel == 3 else 0) | \
            (4 if ds.BitsAllocated == 16 else 0)
    head = bytes([ds.Rows - 1, ds.Columns - 1, flags, 0, 0])
    frame = next(generate_pixel_data_frame(ds.PixelData))
    open(os.path.join(out, "seed%d" % i), "wb").write(head + frame)
PY
      ;;
    scanner|header)
      find "$pydicom" -type f -name '*.dcm' -size -200k -exec cp -t "$dir" {} + ;;
    element_reader)
      find "$pydicom" "$pydicom/../charset_files" -type f -name '*.dcm' -size -200k \
        -exec cp -t "$dir" {} + ;;
    dicomdir)
      find "$pydicom" -type f -name 'DICOMDIR*' | while read -r f; do
        cp "$f" "$dir/$(echo "$f" | md5sum | cut -c1-12)"; done ;;
    zip)
      /usr/bin/python3 - "$pydicom" "$dir" <<'PY'
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
files = sorted(f for f in os.listdir(src) if f.endswith(".dcm"))[:12]
for i, name in enumerate(files):
    with zipfile.ZipFile(os.path.join(out, "seed%02d.zip" % i), "w",
                         zipfile.ZIP_DEFLATED if i % 2 else zipfile.ZIP_STORED) as z:
        z.write(os.path.join(src, name), "DICOM/" + name)
        z.writestr("README.TXT", "seed")
PY
      ;;
  esac
}

# The header target runs DCMTK in this process; the product runs it in a worker whose address
# space is limited to 1 GiB (IsolatedHeaderReader), where a larger allocation fails and DCMTK
# answers "Virtual Memory exhausted" (the file is rejected). The same fence here: allocations
# over 1 GiB fail instead of being reported as out-of-memory crashes.
fence() {  # fence TARGET: the ASAN_OPTIONS its runs get
  local base=${ASAN_OPTIONS:-}
  if [ "$1" = header ]; then
    echo "${base:+$base:}allocator_may_return_null=1:max_allocation_size_mb=1024"
  else
    echo "$base"
  fi
}

# DCMTK's own leaks on hostile input are not ours to fix (fuzz/lsan.supp names them); a
# leak of anything custos allocates is still a failure.
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$PWD/fuzz/lsan.supp"

mkdir -p "$build/crashes"
status=0
for t in $targets; do
  seed "$t"
  mapfile -t regressions < <(find "fuzz/regressions/$t" -type f ! -name '.*' 2>/dev/null)
  if [ ${#regressions[@]} -gt 0 ]; then
    echo "fuzz: $t: replaying ${#regressions[@]} regression inputs"
    ASAN_OPTIONS=$(fence "$t") "$build/fuzz/${t}_fuzzer" -runs=0 -rss_limit_mb=2048 \
      "${regressions[@]}" >/dev/null 2>&1 || {
      echo "fuzz: $t: a regression input fails again"; status=1; }
  fi
  echo "fuzz: $t for ${seconds}s"
  if ! ASAN_OPTIONS=$(fence "$t") "$build/fuzz/${t}_fuzzer" -max_total_time="$seconds" \
       -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$build/crashes/${t}-" "$build/corpus/$t" \
       > "$build/${t}.log" 2>&1; then
    echo "fuzz: $t FOUND A CRASH (see $build/${t}.log and $build/crashes/)"
    tail -40 "$build/${t}.log"
    status=1
  else
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$build/${t}.log" | sed "s/^/fuzz: $t: /"
  fi
done
exit $status
