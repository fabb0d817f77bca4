// What parsing headers in the resource-limited worker process costs: the same header
// prefixes parsed in-process (read_header) and through IsolatedHeaderReader, per file.
// usage: parse_isolation_bench DIR [ROUNDS]   (DIR: DICOM files, e.g. a benchmark set)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "base/posix_file.h"
#include "dicom/header_reader.h"
#include "dicom/isolated_header_reader.h"
#include "dicom/stream_scanner.h"

using namespace custos;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [ROUNDS]\n", argv[0]);
    return 2;
  }
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  std::vector<dicom::ScanSummary> scans;
  for (const auto& e : std::filesystem::recursive_directory_iterator(argv[1])) {
    if (!e.is_regular_file() || scans.size() >= 2000) continue;
    auto text = read_small_file(e.path(), 64u << 20);
    if (!text) continue;
    dicom::StreamScanner scanner;
    scanner.feed(as_bytes(*text));
    auto scan = scanner.finish();
    if (scan) scans.push_back(std::move(*scan));
  }
  if (scans.empty()) {
    std::fprintf(stderr, "no DICOM files under %s\n", argv[1]);
    return 1;
  }
  dicom::quiet_dcmtk_logging();
  dicom::IsolatedHeaderReader isolated;
  (void)isolated.read(scans.front());  // start the worker outside the timing
  auto time = [&](auto&& parse) {
    double best = 1e9;
    for (int r = 0; r < rounds; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      for (const auto& s : scans) {
        if (!parse(s)) return -1.0;
      }
      const double us = std::chrono::duration<double, std::micro>(
                            std::chrono::steady_clock::now() - t0).count() /
                        static_cast<double>(scans.size());
      best = std::min(best, us);
    }
    return best;
  };
  const double in_process = time([](const auto& s) { return dicom::read_header(s).has_value(); });
  const double in_worker = time([&](const auto& s) { return isolated.read(s).has_value(); });
  std::printf("header parse, %zu files: in process %.1f us/file, in the worker %.1f us/file "
              "(+%.1f us/file, %.2fx)\n",
              scans.size(), in_process, in_worker, in_worker - in_process,
              in_worker / in_process);
  return 0;
}
