#include "api/read_audit.h"

#include <iostream>

namespace custos::api {

ReadAudit::ReadAudit(vault::Vault& vault, std::chrono::milliseconds window)
    : vault_(vault), window_(window), thread_([this] { run(); }) {}

ReadAudit::~ReadAudit() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  flush();
}

void ReadAudit::note(const vault::Caller& caller, const std::string& action,
                     const audit::Uids& uids, audit::Outcome outcome) {
  const std::string study = uids.studies.size() == 1 ? uids.studies.front() : std::string();
  Key key{static_cast<int>(caller.actor.kind), caller.actor.id, caller.origin.ip, action,
          static_cast<int>(outcome), study};
  std::lock_guard lock(mu_);
  auto [it, fresh] = pending_.try_emplace(std::move(key));
  Pending& p = it->second;
  if (fresh) {
    p.caller = caller;
    p.first = std::chrono::steady_clock::now();
  }
  ++p.requests;
  auto add = [&p](std::set<std::string>& into, const std::vector<std::string>& from) {
    for (const auto& uid : from) {
      if (into.size() < audit::kMaxUidsPerEntry) {
        into.insert(uid);
      } else if (!into.contains(uid)) {
        ++p.omitted;
      }
    }
  };
  add(p.studies, uids.studies);
  add(p.series, uids.series);
  add(p.instances, uids.instances);
  p.omitted += uids.omitted;
  if (fresh) cv_.notify_all();
}

void ReadAudit::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (pending_.empty()) {
      cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      continue;
    }
    auto oldest = std::chrono::steady_clock::time_point::max();
    for (const auto& [key, p] : pending_) oldest = std::min(oldest, p.first);
    if (cv_.wait_until(lock, oldest + window_, [&] { return stopping_; })) break;
    std::map<Key, Pending> batch;
    batch.swap(pending_);
    lock.unlock();
    write(std::move(batch));
    lock.lock();
  }
}

void ReadAudit::flush() {
  std::map<Key, Pending> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(pending_);
  }
  write(std::move(batch));
}

void ReadAudit::write(std::map<Key, Pending> batch) {
  std::lock_guard lock(write_mu_);
  for (auto& [key, p] : batch) {
    audit::Uids uids;
    uids.studies.assign(p.studies.begin(), p.studies.end());
    uids.series.assign(p.series.begin(), p.series.end());
    uids.instances.assign(p.instances.begin(), p.instances.end());
    uids.omitted = p.omitted;
    const auto outcome = static_cast<audit::Outcome>(std::get<4>(key));
    const std::string detail =
        std::to_string(p.requests) + (p.requests == 1 ? " request" : " requests");
    if (auto s = vault_.record(p.caller, std::get<3>(key), std::move(uids), outcome, detail);
        !s) {
      failing_ = true;
      // Nothing to answer any more: the reads happened. Say so where the operator looks.
      std::cerr << "custos serve: cannot write an audit entry: " << s.error().message << "\n";
    }
  }
}

}  // namespace custos::api
