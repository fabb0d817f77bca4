// Audit entries for reads through the server, without an fsync per request. A viewer that
// scrolls a CT asks for hundreds of frames a second; each is an access that must leave a
// trace (DESIGN.md invariant 6), but a durable append per frame would cap the server at the
// disk's fsync rate. Reads by the same caller, from the same address, of the same kind and
// study within one window become one entry naming every series and instance touched and
// how many requests there were; entries are written at most `window` after the first read
// and on stop. Changes (imports, deletions, logins) are never deferred: they are audited by
// the vault in the same step as the change. docs/adr/0010-server-audit.md explains the
// trade-off.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>

#include "audit/entry.h"
#include "vault/vault.h"

namespace custos::api {

// Thread-safe.
class ReadAudit {
 public:
  ReadAudit(vault::Vault& vault, std::chrono::milliseconds window);
  ~ReadAudit();  // writes what is pending
  ReadAudit(const ReadAudit&) = delete;
  ReadAudit& operator=(const ReadAudit&) = delete;

  // One read (or a refused read: outcome failure) of the given UIDs.
  void note(const vault::Caller& caller, const std::string& action, const audit::Uids& uids,
            audit::Outcome outcome = audit::Outcome::kSuccess);
  // Writes every pending entry now (durable on return).
  void flush();
  // Set once an entry could not be written: the server then refuses reads (503) rather than
  // serve health data without a trace.
  [[nodiscard]] bool failing() const { return failing_.load(); }

 private:
  struct Pending {
    vault::Caller caller;
    std::set<std::string> studies, series, instances;
    std::uint64_t omitted = 0;
    long requests = 0;
    std::chrono::steady_clock::time_point first;
  };
  // actor kind, actor id, ip, action, outcome, study
  using Key = std::tuple<int, std::string, std::string, std::string, int, std::string>;

  void run();
  void write(std::map<Key, Pending> batch);

  vault::Vault& vault_;
  const std::chrono::milliseconds window_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<Key, Pending> pending_;
  bool stopping_ = false;
  std::mutex write_mu_;  // one writer at a time keeps entries in order
  std::atomic<bool> failing_{false};
  std::thread thread_;
};

}  // namespace custos::api
