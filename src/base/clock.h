// Time is passed in, never read from a global, so tests control it.
#pragma once

#include <chrono>
#include <string>

namespace custos {

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual std::chrono::system_clock::time_point now() const = 0;
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
};

// "2026-11-22T04:11:00.123Z"
[[nodiscard]] std::string format_utc(std::chrono::system_clock::time_point t);

}  // namespace custos
