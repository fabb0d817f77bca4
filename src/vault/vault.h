// The Vault: the one service layer. The CLI (and later HTTP and DIMSE) are thin adapters
// over it; nothing else touches the index or the blob store, so "acknowledged means
// durable" and "checksum checked on every read" hold in one place.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "base/clock.h"
#include "crypto/keys.h"
#include "crypto/password.h"
#include "base/error.h"
#include "blob/blob_store.h"
#include "dicom/isolated_header_reader.h"
#include "index/index.h"
#include "source/source.h"
#include "vault/access.h"
#include "vault/accounts.h"
#include "vault/keyring.h"
#include "vault/layout.h"
#include "vault/persons.h"
#include "vault/reports.h"

namespace custos::vault {

struct InitOptions {
  bool encryption = true;
  std::string passphrase;                       // required when encrypted
  crypto::KdfParams kdf = crypto::default_kdf_params();
  std::optional<std::filesystem::path> key_file;  // also create a key file (unattended use)
};

struct InitResult {
  // Shown to the owner once: with the passphrase lost, only this opens the vault.
  std::optional<std::string> recovery_key;
};

// Who is asking: what they may do (role, read_only) and how the audit trail names them.
// The command line is the local owner at a terminal (the vault was unlocked with its
// passphrase or key file); the server builds one per request from the session or token.
struct Caller {
  audit::Actor actor{audit::ActorKind::kLocalOwner, "owner"};
  audit::Origin origin{audit::OriginKind::kTerminal, "", "", "", ""};
  Role role = Role::kOwner;
  bool read_only = false;  // an API token made with --read-only: reads only, whatever the role
};


// Index meta key of the audit chain's head, stored with every change it records.
inline constexpr const char* kAuditHeadKey = "audit.head";

struct ImportOptions {
  source::WalkOptions walk;
  std::size_t batch_files = 128;             // group commit: instances per durable batch
  std::uint64_t batch_bytes = 128ull << 20;  // ... or bytes per batch
  bool itemize = false;  // list every stored or duplicate instance in summary.items
};

struct ExportOptions {
  bool manifest = false;  // also write SHA256SUMS (sha256sum -c format) in each study folder
};

struct StudyPlan;
class ImportSession;

// Thread-safe: operations may run concurrently (the index and blob store are).
class Vault {
 public:
  // Creates an empty vault at `root` (the directory may exist but must be empty): encrypted
  // by default, with a one-time recovery key in the result.
  // Errors: kConflict when a vault (or other files) is already there; kInvalidArgument for
  // an empty passphrase.
  [[nodiscard]] static Result<InitResult> init(const std::filesystem::path& root,
                                               const InitOptions& options, const Clock& clock);
  // The descriptor of the vault at `root`, read without unlocking (is it encrypted?).
  // Errors: kNotFound when there is no vault ("run custos init").
  [[nodiscard]] static Result<Descriptor> describe(const std::filesystem::path& root);
  // Opens and, when encrypted, unlocks. Errors: kNotFound; kUnauthenticated for a wrong
  // secret (nothing is changed); kConflict when another process holds the audit log.
  [[nodiscard]] static Result<std::unique_ptr<Vault>> open(const std::filesystem::path& root,
                                                           const Clock& clock,
                                                           const Unlock& unlock = {},
                                                           Caller caller = {});
  // For tests and other backends: a vault over given storage. `audit` may be null (tests of
  // storage alone); a vault opened with open() always has one.
  Vault(Layout layout, Descriptor descriptor, std::unique_ptr<blob::BlobStore> blobs,
        std::unique_ptr<index::Index> index, const Clock& clock,
        std::unique_ptr<audit::AuditLog> audit = nullptr,
        std::optional<crypto::MasterKey> master = std::nullopt, Caller caller = {});
  ~Vault();

  // Re-wraps the master key under a new passphrase; blobs are not re-encrypted.
  // Errors: kUnsupported for an unencrypted vault; kInvalidArgument for an empty passphrase.
  [[nodiscard]] Status change_passphrase(const std::string& new_passphrase,
                                         const crypto::KdfParams& kdf);
  // Adds (or replaces) a key-file slot; the file is created with mode 0600.
  [[nodiscard]] Status add_key_file(const std::filesystem::path& path);
  // The same for a given caller: both need Permission::kManageKeys (the owner).
  [[nodiscard]] Status change_passphrase(const Caller& caller, const std::string& new_passphrase,
                                         const crypto::KdfParams& kdf);
  [[nodiscard]] Status add_key_file(const Caller& caller, const std::filesystem::path& path);

  // The audit trail: entries, verification, a signed checkpoint, DICOM PS3.15 export.
  [[nodiscard]] Result<std::vector<audit::Entry>> audit_entries(const audit::ListFilter& filter);
  [[nodiscard]] Result<audit::VerifyResult> audit_verify(
      const std::vector<audit::Checkpoint>& checkpoints);
  [[nodiscard]] Result<audit::Checkpoint> audit_checkpoint();
  // The same for a given caller: Permission::kAudit (the owner).
  [[nodiscard]] Result<std::vector<audit::Entry>> audit_entries(const Caller& caller,
                                                                const audit::ListFilter& filter);
  [[nodiscard]] Result<audit::VerifyResult> audit_verify(
      const Caller& caller, const std::vector<audit::Checkpoint>& checkpoints);
  [[nodiscard]] Result<audit::Checkpoint> audit_checkpoint(const Caller& caller);
  // Appends one entry for something that happened outside the vault's own operations
  // (e.g. a failed unlock attempt recorded by the caller). Durable on return.
  [[nodiscard]] Status record(const std::string& action, audit::Uids uids,
                              audit::Outcome outcome, const std::string& detail);

  [[nodiscard]] const Descriptor& descriptor() const { return descriptor_; }
  [[nodiscard]] const Layout& layout() const { return layout_; }

  // Imports every input (folder, CD root with DICOMDIR, .zip, file). Per-file problems are
  // in the summary; an error is returned only when no input could be used. A vault I/O
  // failure stops the import: summary.error says why; what was acknowledged is durable.
  [[nodiscard]] Result<ImportSummary> import(std::span<const std::filesystem::path> inputs,
                                             const ImportOptions& options,
                                             ProgressObserver* progress);

  // An import fed item by item (uploads, STOW-RS), same pipeline and audit as import().
  [[nodiscard]] std::unique_ptr<ImportSession> begin_import(const ImportOptions& options);

  // --- Per-call Caller ---------------------------------------------------------------------
  // Every operation also takes the caller per call (the server: one per request). Each checks
  // the caller's permission first (require(): kPermissionDenied, audited) and names the
  // caller in its audit entries. The overloads without a Caller act as the caller given at
  // open() (the command line's local owner) and behave as before.
  // Permission::kImport (owner, caregiver; not read-only tokens).
  [[nodiscard]] Result<ImportSummary> import(const Caller& caller,
                                             std::span<const std::filesystem::path> inputs,
                                             const ImportOptions& options,
                                             ProgressObserver* progress);
  [[nodiscard]] Result<std::unique_ptr<ImportSession>> begin_import(const Caller& caller,
                                                                    const ImportOptions& options);
  // Permission::kRead (every role).
  [[nodiscard]] Result<std::vector<index::StudyRow>> studies(const Caller& caller);
  [[nodiscard]] Result<std::vector<index::StudyRow>> list_studies(const Caller& caller);
  [[nodiscard]] Result<ShowResult> show(const Caller& caller, const std::string& uid);
  [[nodiscard]] Result<ExportSummary> export_to(const Caller& caller,
                                                std::span<const std::string> uids,
                                                const std::filesystem::path& out,
                                                const ExportOptions& options,
                                                ProgressObserver* progress);
  [[nodiscard]] Result<std::vector<ScanLogEntry>> scan_log(const Caller& caller);
  [[nodiscard]] Result<VerifyReport> verify(const Caller& caller, ProgressObserver* progress);
  [[nodiscard]] Status read_instance(const Caller& caller, const std::string& sha256,
                                     const std::function<Status(std::span<const std::byte>)>& sink);
  // The whole instance into `out`, which must be exactly as long as the stored instance (the
  // index row's size), checked like read_instance before it returns. For callers that need
  // all of it in memory (DICOMweb frames, rendering): no intermediate buffer, no copy.
  // With ContentCheck::kByCaller the SHA-256 is left to the caller, who must run
  // check_content on the bytes and treat them as damaged unless it succeeds (a server can
  // then hash while it sends, and cut the answer off on a mismatch; an encrypted vault's
  // chunks are authenticated either way). Errors: those of read_instance; kCorruption when
  // the sizes differ.
  enum class ContentCheck { kBeforeReturn, kByCaller };
  [[nodiscard]] Status read_instance_into(const Caller& caller, const std::string& sha256,
                                          std::span<std::byte> out,
                                          ContentCheck check = ContentCheck::kBeforeReturn);
  // kCorruption unless `bytes` hash to `sha256` (hex), naming the stored object.
  [[nodiscard]] static Status check_content(const std::string& sha256,
                                            std::span<const std::byte> bytes);

  [[nodiscard]] Result<std::vector<index::StudyRow>> studies();
  // A patient (by Patient ID), study, series or instance UID. Errors: kNotFound.
  [[nodiscard]] Result<ShowResult> show(const std::string& uid);
  // Writes the originals of every instance under the given UIDs (patient ID, study, series
  // or instance), checked against their SHA-256, into out/YYYY-MM-DD_BodyPart_Modality/DICOM/.
  [[nodiscard]] Result<ExportSummary> export_to(std::span<const std::string> uids,
                                                const std::filesystem::path& out,
                                                const ExportOptions& options,
                                                ProgressObserver* progress);
  [[nodiscard]] Result<std::vector<ScanLogEntry>> scan_log();
  [[nodiscard]] Result<VerifyReport> verify(ProgressObserver* progress);

  // Streams the original bytes of one stored instance to `sink`, hashing them as they pass:
  // the SHA-256 is checked on every read, in an encrypted vault on top of the authentication
  // of every chunk (docs/adr/0011-serving-path.md). Errors: kNotFound, kCorruption (the
  // bytes do not match: the caller must discard what it received).
  [[nodiscard]] Status read_instance(const std::string& sha256,
                                     const std::function<Status(std::span<const std::byte>)>& sink);

  // The studies, without an audit entry (for callers that record their own).
  [[nodiscard]] Result<std::vector<index::StudyRow>> list_studies();

  // The trash (owner only, Permission::kDelete; audited with the change). A trashed study
  // disappears from every listing and lookup; its rows and files stay until restored.
  // kNotFound when the study is not there (or already on that side of the trash).
  [[nodiscard]] Status trash_study(const Caller& caller, const std::string& study_uid);
  [[nodiscard]] Status restore_study(const Caller& caller, const std::string& study_uid);
  [[nodiscard]] Result<std::vector<index::StudyRow>> trash(const Caller& caller);

  // Person links (vault/persons.cc, docs/adr/0012-person-links.md): patients of several
  // hospitals grouped as one person in the index; the stored files never change.
  // The persons and the suggestions. kRead; audited as person.list with the studies shown.
  [[nodiscard]] Result<PersonLinks> person_links(const Caller& caller);
  // Links the patients into one person, merging persons a member already belongs to.
  // Owner only (kLinkPersons); audited as person.link (the patients' index ids and studies,
  // no names). kInvalidArgument: fewer than two patients; kNotFound: an unknown patient.
  [[nodiscard]] Result<Person> link_persons(const Caller& caller,
                                            std::span<const PatientKey> patients);
  // Undoes a person, or takes one patient out of it. kLinkPersons; person.unlink. kNotFound.
  [[nodiscard]] Status unlink_person(const Caller& caller, const std::string& person_id,
                                     const std::optional<PatientKey>& patient = std::nullopt);
  // Records that these patients are not one person: they are no longer suggested.
  // kLinkPersons; person.dismiss. Errors as link_persons.
  [[nodiscard]] Status dismiss_persons(const Caller& caller, std::span<const PatientKey> patients);

  // Read access to the index for adapters that shape their own answers (DICOMweb QIDO and
  // WADO): checks kRead, then runs fn in one read snapshot. Not audited here: the adapter
  // records what it served (api/read_audit.h). fn must not keep the txn.
  [[nodiscard]] Status browse(const Caller& caller,
                              const std::function<Status(index::ReadTxn&)>& fn);

  // Appends entries durably and returns the new head as text, for the caller to store in
  // the index in the same transaction as the change (nullopt without an audit log).
  [[nodiscard]] Result<std::optional<std::string>> append_audit(
      std::span<const audit::Entry> entries);
  // The same, with actor and origin taken from `caller`.
  [[nodiscard]] Result<std::optional<std::string>> append_audit(
      const Caller& caller, std::span<const audit::Entry> entries);
  [[nodiscard]] Status record(const Caller& caller, const std::string& action, audit::Uids uids,
                              audit::Outcome outcome, const std::string& detail);

  // --- Access control --------------------------------------------------------------------
  // OK when the caller's role (and read_only) grants `permission` (table in access.h).
  // Otherwise kPermissionDenied naming the role and what was refused, and an
  // "access.denied" audit entry (detail: the action tried).
  [[nodiscard]] Status require(const Caller& caller, Permission permission,
                               std::string_view action);

  // --- Accounts and API tokens (vault/accounts.cc) ----------------------------------------
  // Each needs kManageAccounts (the owner) unless said otherwise, and is audited in the same
  // index transaction as the change. Errors besides kPermissionDenied are named per method.

  // kInvalidArgument: bad name or a password against the policy (crypto/password.h);
  // kConflict: the name is taken.
  [[nodiscard]] Status add_user(const Caller& caller, const std::string& name, Role role,
                                const std::string& password);
  // Also allowed to the user themself (actor kUser with that name). kNotFound, kInvalidArgument.
  [[nodiscard]] Status set_password(const Caller& caller, const std::string& name,
                                    const std::string& password);
  // Removes the account and revokes its tokens. kNotFound.
  [[nodiscard]] Status remove_user(const Caller& caller, const std::string& name);
  [[nodiscard]] Result<std::vector<UserInfo>> list_users(const Caller& caller);
  // A fresh TOTP secret and ten recovery codes (replacing any earlier ones). kNotFound.
  [[nodiscard]] Result<TotpEnrolment> enrol_totp(const Caller& caller, const std::string& name);
  [[nodiscard]] Status disable_totp(const Caller& caller, const std::string& name);
  // A bearer token for `user` (empty: the caller's own account, or for the local owner the
  // one owner account). kInvalidArgument when no single user is meant; kNotFound; kConflict.
  [[nodiscard]] Result<NewToken> create_token(const Caller& caller, const std::string& name,
                                              const std::string& user, bool read_only);
  // kNotFound. Revoking twice is fine.
  [[nodiscard]] Status revoke_token(const Caller& caller, const std::string& name);
  [[nodiscard]] Result<std::vector<TokenInfo>> list_tokens(const Caller& caller);

  // --- Lookups for sign-in (auth::Authenticator) --------------------------------------------
  // No Caller: they run before anyone is authenticated, inside the process. They return
  // stored hashes and the TOTP seed, so only authentication code may call them.
  [[nodiscard]] Result<std::optional<index::UserRow>> find_user(const std::string& name);
  // The token whose SHA-256 equals `sha256` (compared again in constant time).
  [[nodiscard]] Result<std::optional<index::TokenRow>> find_token_by_hash(const Digest& sha256);
  // Records a use of the token. kNotFound.
  [[nodiscard]] Status touch_token(const std::string& name,
                                   std::chrono::system_clock::time_point when);
  // Marks TOTP step `step` used: false when it (or a later one) was used already (replay).
  [[nodiscard]] Result<bool> accept_totp_step(const std::string& name, std::int64_t step);
  // Consumes one recovery code: false when it is not (or no longer) one of the user's. A use
  // is audited (user.recovery_code.use, with the codes left) under `who`.
  [[nodiscard]] Result<bool> use_recovery_code(const Caller& who, const std::string& name,
                                               const std::string& code);
  // Replaces the stored hash when it is still `old_hash` (re-hash after a sign-in with
  // outdated parameters). Not audited: nothing about the account changes.
  [[nodiscard]] Status rehash_password(const std::string& name, const std::string& old_hash,
                                       const std::string& new_hash);
  // Argon2id limits for new password hashes (default: crypto::default_password_params()).
  // Set it before the vault is shared between threads.
  void set_password_hash_params(const crypto::PasswordHashParams& params) {
    password_params_ = params;
  }
  [[nodiscard]] const crypto::PasswordHashParams& password_hash_params() const {
    return password_params_;
  }

 private:
  // Runs fn in a write transaction and appends `entry` (actor from caller) in it, storing
  // the new audit head with the change. On failure, a failure entry is recorded instead.
  [[nodiscard]] Status write_audited(const Caller& caller, audit::Entry entry,
                                     const std::function<Status(index::WriteTxn&)>& fn);
  // read_instance and verify: the bytes of one object, hashed as they pass.
  [[nodiscard]] Status read_object(const std::string& sha256,
                                   const std::function<Status(std::span<const std::byte>)>& sink);
  [[nodiscard]] Result<ExportSummary> export_plans(const std::map<std::string, StudyPlan>& plans,
                                                  const std::filesystem::path& out,
                                                  const ExportOptions& options,
                                                  ProgressObserver* progress);

  Layout layout_;
  Descriptor descriptor_;
  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<index::Index> index_;
  const Clock& clock_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::optional<crypto::MasterKey> master_;
  Caller caller_;
  crypto::PasswordHashParams password_params_ = crypto::default_password_params();
  audit::PublicKey audit_public_key_{};
  // DCMTK header parsing, in a resource-limited worker process started on first use.
  dicom::IsolatedHeaderReader parser_;
};

}  // namespace custos::vault
