// ReadAhead (see read_ahead.h).
#include "api/read_ahead.h"

#include <utility>

namespace custos::api {

ReadAhead::ReadAhead(vault::Vault& vault, vault::Caller caller,
                     std::vector<index::InstanceRow> rows, std::size_t budget_bytes)
    : vault_(vault),
      caller_(std::move(caller)),
      rows_(std::move(rows)),
      budget_(budget_bytes),
      reader_([this](const std::stop_token& stop) { run(stop); }) {}

ReadAhead::~ReadAhead() {
  reader_.request_stop();  // wakes a reader waiting for room (condition_variable_any)
  if (reader_.joinable()) reader_.join();
}

Result<AheadInstance> ReadAhead::next() {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return !ready_.empty(); });
  Result<AheadInstance> out = std::move(ready_.front());
  ready_.pop_front();
  if (out) held_bytes_ -= out->bytes.size();
  changed_.notify_all();
  return out;
}

void ReadAhead::run(const std::stop_token& stop) {
  for (const auto& row : rows_) {
    const auto size = static_cast<std::size_t>(row.size);
    AheadInstance item;
    if (size > budget_) {
      item.streamed = true;
    } else {
      {
        // Room for this one before reading it: memory stays within the budget.
        std::unique_lock lock(mu_);
        if (!changed_.wait(lock, stop, [&] { return held_bytes_ + size <= budget_; })) return;
        held_bytes_ += size;  // reserved while it is read
      }
      item.storage = std::make_unique_for_overwrite<std::byte[]>(size);
      const std::span<std::byte> into(item.storage.get(), size);
      if (auto st = vault_.read_instance_into(caller_, row.sha256, into); !st) {
        std::lock_guard lock(mu_);
        held_bytes_ -= size;
        ready_.emplace_back(fail(st.error()));
        changed_.notify_all();
        return;  // nothing after a failed read: the response is cut off there
      }
      item.bytes = into;
    }
    std::lock_guard lock(mu_);
    ready_.emplace_back(std::move(item));
    changed_.notify_all();
    if (stop.stop_requested()) return;
  }
}

}  // namespace custos::api
