#include "api/import_registry.h"

#include <sodium.h>

#include <vector>

namespace custos::api {
namespace {

std::string random_id() {
  unsigned char raw[16];
  randombytes_buf(raw, sizeof raw);
  char hex[sizeof raw * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  return hex;
}

}  // namespace

void finish_upload(Upload& upload) {
  if (!upload.session) return;
  // Finishing commits the last batch and may take a while; progress stays readable.
  vault::ImportSummary summary = upload.session->finish();
  std::lock_guard lock(upload.state);
  upload.summary = std::move(summary);
  upload.session.reset();
}

ImportRegistry::~ImportRegistry() { finish_all(); }

std::shared_ptr<Upload> ImportRegistry::add(std::string owner,
                                            std::unique_ptr<vault::ImportSession> session) {
  auto upload = std::make_shared<Upload>();
  upload->id = random_id();
  upload->owner = std::move(owner);
  upload->session = std::move(session);
  upload->last_used = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  uploads_[upload->id] = upload;
  return upload;
}

Result<std::shared_ptr<Upload>> ImportRegistry::find(const std::string& id,
                                                     const std::string& owner) {
  std::lock_guard lock(mu_);
  auto it = uploads_.find(id);
  if (it == uploads_.end() || it->second->owner != owner) {
    return fail(ErrorCode::kNotFound, "no import " + id.substr(0, 40) + " (finished long ago, "
                                      "or begun by someone else)");
  }
  it->second->last_used = std::chrono::steady_clock::now();
  return it->second;
}

void ImportRegistry::sweep() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<Upload>> idle;
  {
    std::lock_guard lock(mu_);
    for (auto it = uploads_.begin(); it != uploads_.end();) {
      const bool old = now - it->second->last_used > idle_;
      const bool finished = [&] {
        std::lock_guard state(it->second->state);
        return it->second->summary.has_value();
      }();
      if (old && finished && now - it->second->last_used > 2 * idle_) {
        it = uploads_.erase(it);
        continue;
      }
      if (old && !finished) idle.push_back(it->second);
      ++it;
    }
  }
  for (auto& upload : idle) {
    std::unique_lock feed(upload->feed, std::try_to_lock);
    if (feed) finish_upload(*upload);
  }
}

void ImportRegistry::finish_all() {
  std::vector<std::shared_ptr<Upload>> open;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, upload] : uploads_) open.push_back(upload);
  }
  for (auto& upload : open) {
    std::lock_guard feed(upload->feed);
    finish_upload(*upload);
  }
}

}  // namespace custos::api
