// Item-by-item imports: zip detection on the first bytes of a stream, then the importer.
#include "vault/import_session.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cctype>
#include <cstring>

#include "source/zip_source.h"
#include "vault/vault.h"

namespace custos::vault {
namespace {

// Reads the first bytes of a stream ahead (to tell a zip from a DICOM file), then hands
// them out again before the rest.
class PeekReader final : public source::ByteReader {
 public:
  explicit PeekReader(source::ByteReader& inner) : inner_(inner) {}

  // Fills the look-ahead (up to 132 bytes: a zip signature, or "DICM" at offset 128).
  Status peek() {
    while (filled_ < head_.size()) {
      auto n = inner_.read(std::span(head_).subspan(filled_));
      if (!n) return fail(n.error());
      if (*n == 0) break;
      filled_ += *n;
    }
    return {};
  }
  [[nodiscard]] bool looks_like_zip() const {
    if (filled_ < 4 || std::memcmp(head_.data(), "PK\x03\x04", 4) != 0) return false;
    return !(filled_ == head_.size() && std::memcmp(head_.data() + 128, "DICM", 4) == 0);
  }

  Result<std::size_t> read(std::span<std::byte> buf) override {
    if (given_ < filled_) {
      const std::size_t n = std::min(buf.size(), filled_ - given_);
      std::memcpy(buf.data(), head_.data() + given_, n);
      given_ += n;
      return n;
    }
    return inner_.read(buf);
  }

 private:
  source::ByteReader& inner_;
  std::array<std::byte, 132> head_{};
  std::size_t filled_ = 0;
  std::size_t given_ = 0;
};

bool named_zip(const std::string& name) {
  if (name.size() < 4) return false;
  std::string ext = name.substr(name.size() - 4);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".zip";
}

}  // namespace

// Progress as atomics, so a poll from another thread needs no lock.
class ImportSession::Counter final : public ProgressObserver {
 public:
  void on_start(long, std::uint64_t) override {}
  void on_progress(long files, std::uint64_t bytes) override {
    files_.store(files, std::memory_order_relaxed);
    bytes_.store(bytes, std::memory_order_relaxed);
  }
  void on_finish() override { finished_.store(true, std::memory_order_release); }
  [[nodiscard]] ImportProgress get() const {
    return {files_.load(std::memory_order_relaxed), bytes_.load(std::memory_order_relaxed),
            finished_.load(std::memory_order_acquire)};
  }

 private:
  std::atomic<long> files_{0};
  std::atomic<std::uint64_t> bytes_{0};
  std::atomic<bool> finished_{false};
};

ImportSession::ImportSession(blob::BlobStore& blobs, index::Index& index,
                             dicom::IsolatedHeaderReader& parser, const Clock& clock,
                             const ImportOptions& options, AuditAppender audit)
    : options_(std::make_unique<ImportOptions>(options)),
      counter_(std::make_unique<Counter>()),
      importer_(std::make_unique<Importer>(blobs, index, parser, clock, *options_,
                                           counter_.get(), std::move(audit))),
      start_(std::chrono::steady_clock::now()) {}

ImportProgress ImportSession::progress() const { return counter_->get(); }

ImportSession::~ImportSession() {
  if (!finished_) (void)finish();
}

void ImportSession::add(const std::string& name, source::ByteReader& reader,
                        std::optional<std::uint64_t> size) {
  if (importer_->stopped()) {
    importer_->on_rejected(name, "not imported: the import stopped after a vault error");
    return;
  }
  PeekReader peek(reader);
  if (auto s = peek.peek(); !s) {
    importer_->on_rejected(name, s.error().message);
    return;
  }
  if (named_zip(name) || peek.looks_like_zip()) {
    source::walk_zip_stream(peek, name, options_->walk, *importer_);
    return;
  }
  source::Item item;
  item.display_path = name;
  item.size = size;
  importer_->on_item(item, peek);
}

void ImportSession::reject(const std::string& name, const std::string& reason) {
  importer_->on_rejected(name, reason);
}

bool ImportSession::stopped() const { return importer_->stopped(); }

ImportSummary ImportSession::finish() {
  if (finished_) return {};
  finished_ = true;
  importer_->finish();
  counter_->on_finish();
  ImportSummary summary = importer_->take_summary();
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return summary;
}

}  // namespace custos::vault
