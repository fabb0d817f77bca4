// A clock the test moves by hand.
#pragma once

#include <atomic>
#include <chrono>

#include "base/clock.h"

namespace custos::auth::testing {

class FakeClock final : public Clock {
 public:
  [[nodiscard]] std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(s_.load()));
  }
  void advance(std::chrono::seconds d) { s_ += d.count(); }
  static constexpr long long kStart = 1772359200;  // 2026-03-01T10:00:00Z

 private:
  std::atomic<long long> s_{kStart};
};

}  // namespace custos::auth::testing
