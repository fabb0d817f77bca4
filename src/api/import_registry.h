// Uploads in progress: a browser sends a folder (a hospital CD copy) or a zip as several
// requests into one import, polls or streams its progress, then finishes it and gets the
// same summary as `custos import --json`. Each import belongs to the user who began it.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/error.h"
#include "vault/import_session.h"
#include "vault/reports.h"

namespace custos::api {

struct Upload {
  std::string id;
  std::string owner;  // the actor id of the user or token that began it
  std::mutex feed;    // one request feeds the session at a time
  // Guards the two below for readers of progress, who do not take `feed`.
  mutable std::mutex state;
  std::unique_ptr<vault::ImportSession> session;  // null once finished
  std::optional<vault::ImportSummary> summary;    // set once finished
  std::chrono::steady_clock::time_point last_used;
  long requests = 0;
};

// Thread-safe. Imports left idle for `idle` are finished (what arrived is kept: it was
// already made durable batch by batch) and forgotten `idle` after that.
class ImportRegistry {
 public:
  explicit ImportRegistry(std::chrono::seconds idle) : idle_(idle) {}
  ~ImportRegistry();

  [[nodiscard]] std::shared_ptr<Upload> add(std::string owner,
                                            std::unique_ptr<vault::ImportSession> session);
  // Errors: kNotFound for an unknown id or one that belongs to someone else (the same
  // answer, so ids of others cannot be probed).
  [[nodiscard]] Result<std::shared_ptr<Upload>> find(const std::string& id,
                                                     const std::string& owner);
  // Finishes imports idle too long and drops old finished ones.
  void sweep();
  // Finishes every import still open (server stop).
  void finish_all();

 private:
  const std::chrono::seconds idle_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Upload>> uploads_;
};

// Finishes the upload's session if it is still open (caller holds upload.feed).
void finish_upload(Upload& upload);

}  // namespace custos::api
