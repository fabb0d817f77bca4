#include "cli/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace custos::cli {

TerminalProgress::TerminalProgress(std::string verb)
    : verb_(std::move(verb)), enabled_(::isatty(STDERR_FILENO) == 1) {}

void TerminalProgress::on_start(long files_estimate, std::uint64_t bytes_estimate) {
  files_total_ = files_estimate;
  bytes_total_ = bytes_estimate;
  start_ = std::chrono::steady_clock::now();
  last_draw_ = start_ - std::chrono::seconds(1);
}

void TerminalProgress::on_progress(long files_done, std::uint64_t bytes_done) {
  files_ = files_done;
  bytes_ = bytes_done;
  draw(false);
}

void TerminalProgress::on_finish() {
  if (!enabled_) return;
  draw(true);
  std::fputs("\n", stderr);
}

void TerminalProgress::draw(bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double mb = static_cast<double>(bytes_) / 1e6;
  const double rate = secs > 0 ? mb / secs : 0;
  const double fraction =
      bytes_total_ > 0 ? std::min(1.0, static_cast<double>(bytes_) / static_cast<double>(bytes_total_))
                       : 0;
  constexpr int kWidth = 28;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::string eta = "--:--";
  if (rate > 0 && bytes_total_ > bytes_) {
    const auto left = static_cast<long>((static_cast<double>(bytes_total_ - bytes_) / 1e6) / rate);
    eta = fmt::format("{:02}:{:02}", left / 60, left % 60);
  } else if (bytes_total_ > 0 && bytes_ >= bytes_total_) {
    eta = "00:00";
  }
  std::fputs(fmt::format("\r{} [{}] {:3.0f}%  {}/{} files  {:.1f} MB  {:.1f} MB/s  ETA {} ",
                         verb_, bar, fraction * 100, files_, files_total_, mb, rate, eta)
                 .c_str(),
             stderr);
  std::fflush(stderr);
}

}  // namespace custos::cli
