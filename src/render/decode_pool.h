// A fixed pool of resource-limited worker processes that run the third-party decoders
// (DCMTK's JPEG and JPEG-LS, OpenJPEG) on one frame at a time. A worker that crashes, runs
// out of its memory limit or overruns the time limit costs that one request; it is killed
// and replaced. Same pattern as dicom::IsolatedHeaderReader, with N workers.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "base/error.h"
#include "render/decoder.h"
#include "render/transfer_syntax.h"

namespace custos::render {

// Thread-safe. Each request takes a free worker (waiting up to wait_for_worker).
class DecodePool {
 public:
  // Forks options.workers workers (hardware threads when 0). kInternal when none starts.
  [[nodiscard]] static Result<std::unique_ptr<DecodePool>> start(const DecoderOptions& options);
  ~DecodePool();
  DecodePool(const DecodePool&) = delete;
  DecodePool& operator=(const DecodePool&) = delete;

  // Decodes in a worker, then unpacks the worker's native bytes in process (bounds checked
  // against `d`). Errors as Decoder::decode.
  [[nodiscard]] Result<Decoded> decode(const PixelDescription& d, Codec codec,
                                       Fragments fragments);

  [[nodiscard]] int workers_started() const;
  [[nodiscard]] std::vector<int> worker_pids() const;

 private:
  struct Worker;
  explicit DecodePool(const DecoderOptions& options);
  Status spawn(Worker& w);
  void stop(Worker& w);
  Result<Worker*> acquire();
  void release(Worker* w);

  DecoderOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable free_;
  std::vector<std::unique_ptr<Worker>> workers_;
  int started_ = 0;
};

}  // namespace custos::render
