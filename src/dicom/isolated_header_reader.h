// Runs the DCMTK header parse in a separate, resource-limited process. Why: Debian's DCMTK
// does not carry every fix (SECURITY.md); if a file still crashes or hangs the parser, that
// costs one rejected file, not the import or the server.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

#include "base/error.h"
#include "dicom/header_reader.h"
#include "dicom/stream_scanner.h"

namespace custos::dicom {

using HeaderParseFn = std::function<Result<InstanceHeader>(const ScanSummary&)>;

struct IsolationOptions {
  std::uint64_t memory_limit_bytes = 1ull << 30;     // RLIMIT_AS of the worker
  std::chrono::milliseconds timeout{20000};          // per file
  unsigned cpu_seconds_limit = 600;                  // RLIMIT_CPU: a runaway worker dies
  HeaderParseFn parse = read_header;                 // what runs in the worker (tests swap it)
};

// Thread-safe (one request at a time; callers serialise on an internal mutex).
// The worker is forked at the first request and again after it died or timed out.
class IsolatedHeaderReader {
 public:
  explicit IsolatedHeaderReader(IsolationOptions options = {});
  ~IsolatedHeaderReader();
  IsolatedHeaderReader(const IsolatedHeaderReader&) = delete;
  IsolatedHeaderReader& operator=(const IsolatedHeaderReader&) = delete;

  // As read_header. Additionally kRejected "the DICOM parser crashed on this file" / "...did
  // not finish within N s" when the worker died or hung (it is restarted for the next file),
  // and kInternal when no worker can be started.
  [[nodiscard]] Result<InstanceHeader> read(const ScanSummary& scan);

  // Number of times a worker was started (for tests and figures).
  [[nodiscard]] int workers_started() const { return workers_started_; }

 private:
  struct Worker;
  Status start_worker();
  void stop_worker();

  IsolationOptions options_;
  std::mutex mutex_;
  std::unique_ptr<Worker> worker_;
  int workers_started_ = 0;
};

}  // namespace custos::dicom
