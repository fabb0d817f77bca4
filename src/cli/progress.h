// A progress bar on the terminal (stderr): files, MB, MB/s and ETA. Silent when stderr is
// not a terminal, so scripts and --json output stay clean.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "vault/reports.h"

namespace custos::cli {

class TerminalProgress final : public vault::ProgressObserver {
 public:
  explicit TerminalProgress(std::string verb);
  void on_start(long files_estimate, std::uint64_t bytes_estimate) override;
  void on_progress(long files_done, std::uint64_t bytes_done) override;
  void on_finish() override;

 private:
  void draw(bool force);
  std::string verb_;
  bool enabled_ = false;
  long files_total_ = 0;
  std::uint64_t bytes_total_ = 0;
  long files_ = 0;
  std::uint64_t bytes_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace custos::cli
