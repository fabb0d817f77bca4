// Verification of the audit trail: every entry re-hashed, every link, sequence number and
// time checked, and the chain compared with what was recorded outside the log (the head in
// the index, signed checkpoints). Reports the first broken entry in words a person follows.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "audit/checkpoint.h"
#include "audit/entry.h"
#include "audit/sealer.h"
#include "base/error.h"

namespace custos::audit {

enum class Finding {
  kNoChain,         // chain.json is missing or damaged: nothing can be anchored
  kWrongChain,      // the log is not the one the vault created (chain id differs)
  kUnreadable,      // a line cannot be decrypted or decoded
  kNotCanonical,    // a line's bytes differ from the canonical form of its content
  kHashMismatch,    // an entry's content does not match its stored hash: it was altered
  kMissing,         // an entry is absent: a later one stands in its place
  kOutOfOrder,      // an earlier entry appears again: inserted, duplicated or reordered
  kBrokenLink,      // an entry does not name the previous entry's hash
  kTimeBackwards,   // an entry is older than the one before it
  kAnchorMismatch,  // an entry differs from the head in the index or a checkpoint
  kTruncated,       // the log ends before the entry the index or a checkpoint records
  kBadCheckpoint,   // a checkpoint's signature or key is not valid, or it names another log
};

[[nodiscard]] std::string_view to_string(Finding finding);

struct Problem {
  Finding finding = Finding::kUnreadable;
  std::uint64_t seq = 0;   // the entry concerned (for a checkpoint: the entry it names)
  std::string file;        // file name inside the audit directory, or the checkpoint source
  std::uint64_t line = 0;  // 1-based line in `file`; 0 when not tied to a line
  std::string message;     // a complete sentence naming the entry, line and what is wrong
};

struct VerifyOptions {
  // The head the vault stored in its index with its last committed change.
  std::optional<Head> recorded_head;
  // Checkpoints kept outside the vault (custos audit verify --checkpoint FILE), parsed with
  // parse_checkpoint.
  std::vector<Checkpoint> checkpoints;
  // The vault's checkpoint public key (CheckpointSigner::public_key()). Without it a
  // checkpoint is only checked against the key it carries, which a forger also controls.
  std::optional<PublicKey> trusted_key;
  // The chain id the vault recorded when it created the log, if it keeps one.
  std::optional<Digest> expected_chain_id;
  // Also check every checkpoint in audit/checkpoints.jsonl.
  bool use_checkpoint_file = true;
};

struct VerifyResult {
  bool ok = false;
  std::uint64_t entries = 0;  // intact entries read before any break
  Head last;                  // the last intact entry
  std::uint64_t checkpoints_checked = 0;
  std::optional<Problem> first_broken;  // nothing from this entry on is trusted
  std::vector<Problem> checkpoint_problems;
  std::vector<std::string> notes;  // worth knowing, not failures
  // One paragraph: "intact, N entries, ..." or "broken at entry N (...): ...".
  [[nodiscard]] std::string summary() const;
};

// Reads the whole log in `dir` (streaming) without the writer's lock. Tamper findings are
// in the result; errors are only for what stops the check itself: kNotFound (no audit
// log), kIoError.
[[nodiscard]] Result<VerifyResult> verify_log(const std::filesystem::path& dir,
                                              const EntrySealer& sealer,
                                              const VerifyOptions& options);

}  // namespace custos::audit
