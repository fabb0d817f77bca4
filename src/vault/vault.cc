#include "vault/vault.h"

#include "vault/import_session.h"

#include <chrono>
#include <map>
#include <system_error>

#include "base/posix_file.h"
#include <sodium.h>

#include <algorithm>

#include "blob/encrypting_blob_store.h"
#include "blob/file_blob_store.h"
#include "index/sqlite_index.h"
#include "vault/importer.h"

namespace custos::vault {
namespace fs = std::filesystem;

namespace {

constexpr const char* kAuditChainKey = "audit.chain_id";
constexpr const char* kAuditSeedKey = "audit.signing_seed";  // unencrypted vaults only

// The audit log's sealing and checkpoint signing keys: derived from the master key when
// encrypted; plain lines and a seed kept in the index otherwise (which proves little against
// someone who can write the vault, but lets exported checkpoints catch a rewrite).
Result<std::unique_ptr<audit::AuditLog>> open_audit(const Layout& layout, const Clock& clock,
                                                    const std::optional<crypto::MasterKey>& master,
                                                    index::Index& index,
                                                    audit::PublicKey& public_key) {
  audit::AuditLogOptions o;
  o.dir = layout.audit();
  o.clock = &clock;
  std::array<std::byte, 32> seed{};
  if (master) {
    auto seal_key = crypto::derive_subkey(*master, crypto::SubkeyPurpose::kAuditLog);
    if (!seal_key) return fail(seal_key.error());
    auto sealer = audit::AeadSealer::create(seal_key->bytes().first<32>());
    if (!sealer) return fail(sealer.error());
    o.sealer = std::shared_ptr<const audit::EntrySealer>(std::move(*sealer));
    auto sign_key = crypto::derive_subkey(*master, crypto::SubkeyPurpose::kAuditSigningSeed);
    if (!sign_key) return fail(sign_key.error());
    std::copy_n(sign_key->bytes().data(), 32, seed.begin());
  } else {
    o.sealer = std::make_shared<audit::PlainSealer>();
    std::optional<std::string> stored;
    auto s = index.write([&](index::WriteTxn& txn) -> Status {
      auto v = txn.meta(kAuditSeedKey);
      if (!v) return fail(v.error());
      if (*v) {
        stored = *v;
        return {};
      }
      Digest fresh{};
      randombytes_buf(fresh.data(), fresh.size());
      stored = to_hex(fresh);
      return txn.set_meta(kAuditSeedKey, *stored);
    });
    if (!s) return fail(s.error());
    Digest d{};
    if (!from_hex(*stored, d)) return fail(ErrorCode::kCorruption, "index: bad audit seed");
    std::transform(d.begin(), d.end(), seed.begin(), [](std::uint8_t b) { return std::byte{b}; });
  }
  auto signer = audit::CheckpointSigner::from_seed(std::span<const std::byte, 32>(seed));
  sodium_memzero(seed.data(), seed.size());
  if (!signer) return fail(signer.error());
  public_key = (*signer)->public_key();
  o.signer = std::shared_ptr<const audit::CheckpointSigner>(std::move(*signer));
  auto log = audit::AuditLog::open(o);
  if (!log) return fail(log.error());
  // Remember the chain this vault started, so a log swapped in from elsewhere is noticed.
  auto s = index.write([&](index::WriteTxn& txn) -> Status {
    auto v = txn.meta(kAuditChainKey);
    if (!v) return fail(v.error());
    if (!*v) return txn.set_meta(kAuditChainKey, to_hex((*log)->chain_id()));
    return {};
  });
  if (!s) return fail(s.error());
  return log;
}

Result<std::unique_ptr<index::Index>> open_index(const Layout& layout,
                                                 const std::optional<crypto::MasterKey>& master,
                                                 bool create) {
  index::SqliteIndexOptions o{layout.index_db(), create};
  if (master) {
    auto key = crypto::derive_subkey(*master, crypto::SubkeyPurpose::kIndex);
    if (!key) return fail(key.error());
    auto raw = crypto::sqlcipher_raw_key(*key);
    if (!raw) return fail(raw.error());
    o.key = std::make_shared<crypto::SecureBytes>(std::move(*raw));
  }
  auto idx = index::SqliteIndex::open(o);
  if (!idx) return fail(idx.error());
  return std::unique_ptr<index::Index>(std::move(*idx));
}

Result<std::unique_ptr<blob::BlobStore>> open_blobs(const Layout& layout,
                                                    const std::optional<crypto::MasterKey>& master) {
  auto files = blob::FileBlobStore::open({layout.blobs(), layout.tmp()});
  if (!files) return fail(files.error());
  if (!master) return std::unique_ptr<blob::BlobStore>(std::move(*files));
  auto enc = blob::EncryptingBlobStore::open(std::move(*files), *master);
  if (!enc) return fail(enc.error());
  return std::unique_ptr<blob::BlobStore>(std::move(*enc));
}

}  // namespace

Result<InitResult> Vault::init(const fs::path& root, const InitOptions& options,
                               const Clock& clock) {
  const Layout layout{root};
  std::error_code ec;
  if (fs::exists(layout.descriptor(), ec)) {
    return fail(ErrorCode::kConflict, "a vault already exists at " + root.string());
  }
  if (fs::exists(root, ec) && !fs::is_empty(root, ec)) {
    return fail(ErrorCode::kConflict,
                root.string() + " is not empty; choose an empty or new directory for the vault");
  }
  Descriptor d;
  d.created_at = format_utc(clock.now());
  InitResult result;
  std::optional<crypto::MasterKey> master;
  if (options.encryption) {
    auto keys = crypto::create_vault_keys(options.passphrase, options.kdf);
    if (!keys) return fail(keys.error());
    if (options.key_file) {
      auto kf = crypto::create_key_file(*options.key_file);
      if (!kf) return fail(kf.error());
      if (auto s = crypto::set_key_file(keys->block, keys->master, *kf); !s) return fail(s.error());
    }
    d.encryption = "envelope";
    d.key_block = crypto::key_block_json(keys->block);
    result.recovery_key = keys->recovery.text();
    master.emplace(std::move(keys->master));
  }
  for (const auto& dir : {layout.root, layout.blobs(), layout.audit(), layout.tmp()}) {
    if (auto s = make_dirs(dir); !s) return fail(s.error());
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  {
    auto index = open_index(layout, master, true);
    if (!index) return fail(index.error());
    audit::PublicKey key{};
    auto log = open_audit(layout, clock, master, **index, key);
    if (!log) return fail(log.error());
    audit::Entry e;
    e.actor = {audit::ActorKind::kLocalOwner, "owner"};
    e.origin = {audit::OriginKind::kTerminal, "", "", "", ""};
    e.action = "vault.init";
    e.detail = options.encryption ? "encrypted vault created" : "unencrypted vault created";
    auto id = (*log)->append(e);
    if (!id) return fail(id.error());
    auto s = (*index)->write([&](index::WriteTxn& txn) {
      return txn.set_meta(kAuditHeadKey, audit::format_head(*id));
    });
    if (!s) return fail(s.error());
  }
  // vault.json last: its presence is what makes the directory a vault.
  if (auto s = write_file_atomic(layout.descriptor(), as_bytes(descriptor_json(d))); !s) {
    return fail(s.error());
  }
  if (auto s = fsync_dir(root.parent_path().empty() ? fs::path(".") : root.parent_path()); !s) {
    return fail(s.error());
  }
  return result;
}

Result<Descriptor> Vault::describe(const fs::path& root) {
  const Layout layout{root};
  auto text = read_small_file(layout.descriptor(), 64 * 1024);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) {
      return fail(ErrorCode::kNotFound,
                  "no vault at " + root.string() + " (create one with: custos init)");
    }
    return fail(text.error());
  }
  auto descriptor = parse_descriptor(*text);
  if (!descriptor) return fail(with_context(descriptor.error(), root.string()));
  return descriptor;
}

Result<std::unique_ptr<Vault>> Vault::open(const fs::path& root, const Clock& clock,
                                           const Unlock& unlock, Caller caller) {
  const Layout layout{root};
  auto descriptor = describe(root);
  if (!descriptor) return fail(descriptor.error());
  std::optional<crypto::MasterKey> master;
  if (descriptor->encrypted()) {
    auto keys = unlock_keys(*descriptor, unlock);
    if (!keys) return fail(keys.error());
    master.emplace(std::move(keys->master));
  }
  auto blobs = open_blobs(layout, master);
  if (!blobs) return fail(blobs.error());
  auto index = open_index(layout, master, false);
  if (!index) return fail(index.error());
  audit::PublicKey key{};
  auto log = open_audit(layout, clock, master, **index, key);
  if (!log) return fail(log.error());
  auto vault = std::make_unique<Vault>(layout, *descriptor, std::move(*blobs), std::move(*index),
                                       clock, std::move(*log), std::move(master), std::move(caller));
  vault->audit_public_key_ = key;
  return vault;
}

Vault::Vault(Layout layout, Descriptor descriptor, std::unique_ptr<blob::BlobStore> blobs,
             std::unique_ptr<index::Index> index, const Clock& clock,
             std::unique_ptr<audit::AuditLog> audit, std::optional<crypto::MasterKey> master,
             Caller caller)
    : layout_(std::move(layout)),
      descriptor_(std::move(descriptor)),
      blobs_(std::move(blobs)),
      index_(std::move(index)),
      clock_(clock),
      audit_(std::move(audit)),
      master_(std::move(master)),
      caller_(std::move(caller)) {}

Vault::~Vault() = default;

Result<std::optional<std::string>> Vault::append_audit(std::span<const audit::Entry> entries) {
  return append_audit(caller_, entries);
}

Result<std::optional<std::string>> Vault::append_audit(const Caller& caller,
                                                       std::span<const audit::Entry> entries) {
  if (!audit_ || entries.empty()) return std::optional<std::string>();
  std::vector<audit::Entry> stamped(entries.begin(), entries.end());
  for (auto& e : stamped) {
    e.actor = caller.actor;
    e.origin = caller.origin;
  }
  auto ids = audit_->append_batch(stamped);
  if (!ids) return fail(with_context(ids.error(), "audit trail"));
  return std::optional<std::string>(audit::format_head(ids->back()));
}

Status Vault::record(const std::string& action, audit::Uids uids, audit::Outcome outcome,
                     const std::string& detail) {
  return record(caller_, action, std::move(uids), outcome, detail);
}

Status Vault::record(const Caller& caller, const std::string& action, audit::Uids uids,
                     audit::Outcome outcome, const std::string& detail) {
  audit::Entry e;
  e.action = action;
  e.uids = std::move(uids);
  e.outcome = outcome;
  e.detail = detail;
  auto head = append_audit(caller, std::span(&e, 1));
  if (!head) return fail(head.error());
  if (!*head) return {};
  return index_->write([&](index::WriteTxn& txn) { return txn.set_meta(kAuditHeadKey, **head); });
}

Status Vault::change_passphrase(const Caller& caller, const std::string& new_passphrase,
                                const crypto::KdfParams& kdf) {
  if (auto s = require(caller, Permission::kManageKeys, "passphrase.change"); !s) return s;
  if (!master_) return fail(ErrorCode::kUnsupported, "this vault is not encrypted");
  auto block = crypto::parse_key_block(descriptor_.key_block);
  if (!block) return fail(block.error());
  auto rewrapped = crypto::rewrap_passphrase(*block, *master_, new_passphrase, kdf);
  if (!rewrapped) return fail(rewrapped.error());
  Descriptor d = descriptor_;
  d.key_block = crypto::key_block_json(*rewrapped);
  if (auto s = write_file_atomic(layout_.descriptor(), as_bytes(descriptor_json(d))); !s) {
    (void)record(caller, "passphrase.change", {}, audit::Outcome::kFailure, s.error().message);
    return s;
  }
  descriptor_ = std::move(d);
  return record(caller, "passphrase.change", {}, audit::Outcome::kSuccess,
                "master key re-wrapped");
}

Status Vault::add_key_file(const Caller& caller, const fs::path& path) {
  if (auto s = require(caller, Permission::kManageKeys, "config.change"); !s) return s;
  if (!master_) return fail(ErrorCode::kUnsupported, "this vault is not encrypted");
  auto block = crypto::parse_key_block(descriptor_.key_block);
  if (!block) return fail(block.error());
  auto kf = crypto::create_key_file(path);
  if (!kf) return fail(kf.error());
  if (auto s = crypto::set_key_file(*block, *master_, *kf); !s) return s;
  Descriptor d = descriptor_;
  d.key_block = crypto::key_block_json(*block);
  if (auto s = write_file_atomic(layout_.descriptor(), as_bytes(descriptor_json(d))); !s) return s;
  descriptor_ = std::move(d);
  return record(caller, "config.change", {}, audit::Outcome::kSuccess, "key file added");
}

Result<std::vector<audit::Entry>> Vault::audit_entries(const Caller& caller,
                                                       const audit::ListFilter& filter) {
  if (auto s = require(caller, Permission::kAudit, "audit.list"); !s) return fail(s.error());
  if (!audit_) return fail(ErrorCode::kUnsupported, "this vault has no audit trail");
  if (auto s = record(caller, "audit.list", {}, audit::Outcome::kSuccess, ""); !s) return fail(s.error());
  return audit_->list(filter);
}

Result<audit::VerifyResult> Vault::audit_verify(const Caller& caller,
                                                const std::vector<audit::Checkpoint>& checkpoints) {
  if (auto s = require(caller, Permission::kAudit, "audit.verify"); !s) return fail(s.error());
  if (!audit_) return fail(ErrorCode::kUnsupported, "this vault has no audit trail");
  audit::VerifyOptions v;
  v.checkpoints = checkpoints;
  auto s = index_->read([&](index::ReadTxn& txn) -> Status {
    auto head = txn.meta(kAuditHeadKey);
    if (!head) return fail(head.error());
    if (*head) {
      auto parsed = audit::parse_head(**head);
      if (!parsed) return fail(parsed.error());
      v.recorded_head = *parsed;
    }
    auto chain = txn.meta(kAuditChainKey);
    if (!chain) return fail(chain.error());
    Digest id{};
    if (*chain && from_hex(**chain, id)) v.expected_chain_id = id;
    return {};
  });
  if (!s) return fail(s.error());
  v.trusted_key = audit_public_key_;
  auto result = audit_->verify(v);
  if (!result) return result;
  (void)record(caller, "audit.verify", {}, result->ok ? audit::Outcome::kSuccess : audit::Outcome::kFailure,
               result->ok ? "intact" : "broken");
  return result;
}

Result<audit::Checkpoint> Vault::audit_checkpoint(const Caller& caller) {
  if (auto s = require(caller, Permission::kAudit, "audit.checkpoint"); !s) return fail(s.error());
  if (!audit_) return fail(ErrorCode::kUnsupported, "this vault has no audit trail");
  if (auto s = record(caller, "audit.checkpoint", {}, audit::Outcome::kSuccess, ""); !s) {
    return fail(s.error());
  }
  return audit_->checkpoint();
}

namespace {

// Files and bytes under the inputs, for the progress bar's ETA. Best effort, stat only.
void estimate(std::span<const fs::path> inputs, long& files, std::uint64_t& bytes) {
  std::error_code ec;
  for (const auto& input : inputs) {
    if (fs::is_directory(input, ec)) {
      for (auto it = fs::recursive_directory_iterator(
               input, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) {
          ++files;
          bytes += it->file_size(ec);
        }
      }
      ec.clear();
    } else if (fs::is_regular_file(input, ec)) {
      ++files;
      bytes += fs::file_size(input, ec);
    }
  }
}

}  // namespace

Result<ImportSummary> Vault::import(const Caller& caller, std::span<const fs::path> inputs,
                                    const ImportOptions& options, ProgressObserver* progress) {
  if (auto s = require(caller, Permission::kImport, "import"); !s) return fail(s.error());
  const auto start = std::chrono::steady_clock::now();
  if (progress) {
    long files = 0;
    std::uint64_t bytes = 0;
    estimate(inputs, files, bytes);
    progress->on_start(files, bytes);
  }
  Importer importer(*blobs_, *index_, parser_, clock_, options, progress,
                    [this, caller](std::span<const audit::Entry> e) {
                      return append_audit(caller, e);
                    });
  std::vector<Error> input_errors;
  for (const auto& input : inputs) {
    if (importer.stopped()) break;
    if (auto s = source::walk(input, options.walk, importer); !s) input_errors.push_back(s.error());
  }
  importer.finish();
  if (progress) progress->on_finish();
  ImportSummary summary = importer.take_summary();
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!input_errors.empty() && input_errors.size() == inputs.size()) {
    return fail(input_errors.front());
  }
  for (const auto& e : input_errors) {
    ++summary.files_seen;
    summary.rejected.push_back({"", e.message});
  }
  return summary;
}

Result<std::unique_ptr<ImportSession>> Vault::begin_import(const Caller& caller,
                                                           const ImportOptions& options) {
  if (auto s = require(caller, Permission::kImport, "import"); !s) return fail(s.error());
  return std::make_unique<ImportSession>(
      *blobs_, *index_, parser_, clock_, options,
      [this, caller](std::span<const audit::Entry> e) { return append_audit(caller, e); });
}

}  // namespace custos::vault
