// The verification walk. Anchors (the recorded head and every valid checkpoint) are hashes
// known from outside the log; the walk compares each entry it reaches with them, which is
// what catches a log rewritten with a self-consistent chain.
#include "audit/verify.h"

#include <map>

#include "audit/log_files.h"

namespace custos::audit {
namespace {

struct Anchor {
  Digest hash{};
  std::string source;  // "the head recorded in the index", "the checkpoint of ..."
};

std::string short_hash(const Digest& d) { return to_hex(d).substr(0, 12) + "…"; }

// "entry 5 ..." -> "Entry 5 ....": messages are clauses; the summary makes sentences of them.
std::string sentence(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 32);
  return text + ".";
}

std::string where(std::uint64_t line, const std::string& file) {
  return "line " + std::to_string(line) + " of " + file;
}

class Walk {
 public:
  Walk(const std::filesystem::path& dir, const EntrySealer& sealer, VerifyResult& result)
      : dir_(dir), sealer_(sealer), r_(result) {}

  void add_anchor(std::uint64_t seq, const Digest& hash, std::string source) {
    anchors_[seq].push_back(Anchor{hash, std::move(source)});
  }

  void check_checkpoint(const Checkpoint& c, const VerifyOptions& options, const Digest& chain_id,
                        const std::string& file, std::uint64_t line, const std::string& label) {
    ++r_.checkpoints_checked;
    auto bad = [&](std::string why) {
      r_.checkpoint_problems.push_back(
          Problem{Finding::kBadCheckpoint, c.seq, file, line, label + ": " + std::move(why)});
    };
    if (auto s = verify_checkpoint(c, options.trusted_key); !s) return bad(s.error().message);
    if (c.chain_id != chain_id) {
      return bad("it belongs to another audit log (chain " + short_hash(c.chain_id) +
                 ", this log is " + short_hash(chain_id) + ")");
    }
    if (c.seq == 0) {
      if (c.hash != chain_id) bad("it names the empty log with a hash other than the chain id");
      return;
    }
    add_anchor(c.seq, c.hash, label + " (signed " + c.time + ")");
  }

  // Walks every segment; stops at the first broken entry.
  Status run(const Digest& chain_id) {
    auto segments = list_segments(dir_);
    if (!segments) return fail(segments.error());
    expected_ = 1;
    prev_ = chain_id;
    for (std::size_t i = 0; i < segments->size() && !r_.first_broken; ++i) {
      const bool last_segment = i + 1 == segments->size();
      if (auto s = walk_segment((*segments)[i], last_segment); !s) return s;
    }
    if (!r_.first_broken) check_truncation();
    return {};
  }

 private:
  void broken(Finding f, std::uint64_t seq, const std::string& file, std::uint64_t line,
              std::string message) {
    r_.first_broken = Problem{f, seq, file, line, std::move(message)};
  }

  Status walk_segment(const Segment& seg, bool last_segment) {
    const std::string file = seg.path.filename().string();
    auto reader = LineReader::open(seg.path);
    if (!reader) return fail(reader.error());
    for (;;) {
      auto line = reader->next();
      if (!line) {
        if (line.error().code != ErrorCode::kCorruption) return fail(line.error());
        broken(Finding::kUnreadable, expected_, file, 0,
               "entry " + std::to_string(expected_) + " cannot be read: " + line.error().message);
        return {};
      }
      if (!*line) return {};
      const Line& l = **line;
      if (!l.complete) {
        if (last_segment) {
          r_.notes.push_back(where(l.number, file) +
                             " is incomplete (a write cut short by a crash, or one in progress)"
                             " and was not checked");
          return {};
        }
        broken(Finding::kUnreadable, expected_, file, l.number,
               "entry " + std::to_string(expected_) + " at " + where(l.number, file) +
                   " is cut short, and later files follow it: the log was damaged or edited");
        return {};
      }
      check_line(l, file);
      if (r_.first_broken) return {};
    }
  }

  void check_line(const Line& l, const std::string& file) {
    const std::string at = where(l.number, file);
    const std::string expected = "entry " + std::to_string(expected_);
    auto opened = sealer_.open(l.text);
    if (!opened) {
      std::string msg = expected + " at " + at + " cannot be read: " + opened.error().message;
      if (expected_ == 1 && opened.error().code == ErrorCode::kUnauthenticated) {
        msg += ". The very first entry fails, so the key is most likely wrong";
      }
      return broken(Finding::kUnreadable, expected_, file, l.number, std::move(msg));
    }
    auto entry = parse_entry(opened->plaintext);
    if (!entry) {
      return broken(Finding::kUnreadable, expected_, file, l.number,
                    expected + " at " + at + " is not a valid entry: " + entry.error().message);
    }
    const Entry& e = *entry;
    if (opened->seq && *opened->seq != e.seq) {
      return broken(Finding::kUnreadable, expected_, file, l.number,
                    expected + " at " + at + " was sealed as entry " +
                        std::to_string(*opened->seq) + " but holds entry " + std::to_string(e.seq));
    }
    if (canonical_json(e, true) != opened->plaintext) {
      return broken(
          Finding::kNotCanonical, expected_, file, l.number,
          expected + " at " + at + " is not stored in its canonical form: its bytes were edited");
    }
    if (compute_hash(e) != e.hash) {
      return broken(
          Finding::kHashMismatch, expected_, file, l.number,
          expected + " at " + at + " was altered: its content does not match its recorded hash");
    }
    if (e.seq > expected_) {
      return broken(Finding::kMissing, expected_, file, l.number,
                    expected + " is missing: " + at + " holds entry " + std::to_string(e.seq) +
                        " where entry " + std::to_string(expected_) +
                        " belongs (entries were removed or reordered)");
    }
    if (e.seq < expected_) {
      return broken(Finding::kOutOfOrder, expected_, file, l.number,
                    at + " holds entry " + std::to_string(e.seq) + " again where " + expected +
                        " belongs (an entry was inserted, duplicated or reordered)");
    }
    if (e.prev != prev_) {
      return broken(Finding::kBrokenLink, e.seq, file, l.number,
                    expected + " at " + at + " does not follow " +
                        (e.seq == 1 ? std::string("the start of this log (chain id)")
                                    : "entry " + std::to_string(e.seq - 1)) +
                        ": it names " + short_hash(e.prev) + " instead of " + short_hash(prev_) +
                        " (an entry was inserted, replaced or removed)");
    }
    if (!prev_time_.empty() && e.time < prev_time_) {
      return broken(Finding::kTimeBackwards, e.seq, file, l.number,
                    expected + " at " + at + " is dated " + e.time + ", before entry " +
                        std::to_string(e.seq - 1) + " (" + prev_time_ + ")");
    }
    if (const auto it = anchors_.find(e.seq); it != anchors_.end()) {
      for (const Anchor& a : it->second) {
        if (a.hash == e.hash) continue;
        return broken(Finding::kAnchorMismatch, e.seq, file, l.number,
                      expected + " at " + at + " is not the one " + a.source + " names (hash " +
                          short_hash(e.hash) + " instead of " + short_hash(a.hash) +
                          "): the log was rewritten somewhere in entries " +
                          std::to_string(confirmed_ + 1) + " to " + std::to_string(e.seq));
      }
      confirmed_ = e.seq;
    }
    prev_ = e.hash;
    prev_time_ = e.time;
    r_.last = Head{e.seq, e.hash};
    ++r_.entries;
    ++expected_;
  }

  void check_truncation() {
    if (anchors_.empty()) return;
    const auto& [seq, list] = *anchors_.rbegin();
    if (seq <= r_.last.seq) return;
    broken(Finding::kTruncated, r_.last.seq + 1, "", 0,
           "the log ends at entry " + std::to_string(r_.last.seq) + ", but " + list.front().source +
               " records entry " + std::to_string(seq) + ": entries " +
               std::to_string(r_.last.seq + 1) + " to " + std::to_string(seq) + " were removed");
  }

  const std::filesystem::path& dir_;
  const EntrySealer& sealer_;
  VerifyResult& r_;
  std::map<std::uint64_t, std::vector<Anchor>> anchors_;
  std::uint64_t expected_ = 1;
  std::uint64_t confirmed_ = 0;
  Digest prev_{};
  std::string prev_time_;
};

void read_checkpoint_file(Walk& walk, const std::filesystem::path& dir,
                          const VerifyOptions& options, const Digest& chain_id, VerifyResult& r) {
  auto reader = LineReader::open(dir / kCheckpointFile);
  if (!reader) return;  // no checkpoints yet
  for (;;) {
    auto line = reader->next();
    if (!line || !*line) return;
    if (!(*line)->complete) {
      r.notes.push_back(where((*line)->number, kCheckpointFile) + " is incomplete; not checked");
      return;
    }
    auto c = parse_checkpoint((*line)->text);
    if (!c) {
      r.checkpoint_problems.push_back(
          Problem{Finding::kBadCheckpoint, 0, kCheckpointFile, (*line)->number,
                  where((*line)->number, kCheckpointFile) + ": " + c.error().message});
      continue;
    }
    walk.check_checkpoint(*c, options, chain_id, kCheckpointFile, (*line)->number,
                          "the checkpoint at " + where((*line)->number, kCheckpointFile));
  }
}

}  // namespace

std::string_view to_string(Finding f) {
  switch (f) {
    case Finding::kNoChain:
      return "no_chain";
    case Finding::kWrongChain:
      return "wrong_chain";
    case Finding::kUnreadable:
      return "unreadable";
    case Finding::kNotCanonical:
      return "not_canonical";
    case Finding::kHashMismatch:
      return "hash_mismatch";
    case Finding::kMissing:
      return "missing";
    case Finding::kOutOfOrder:
      return "out_of_order";
    case Finding::kBrokenLink:
      return "broken_link";
    case Finding::kTimeBackwards:
      return "time_backwards";
    case Finding::kAnchorMismatch:
      return "anchor_mismatch";
    case Finding::kTruncated:
      return "truncated";
    case Finding::kBadCheckpoint:
      return "bad_checkpoint";
  }
  return "unknown";
}

std::string VerifyResult::summary() const {
  std::string s;
  if (ok) {
    s = "The audit log is intact: " + std::to_string(entries) + " entries";
    if (entries > 0)
      s += ", the last is entry " + std::to_string(last.seq) + " (" + short_hash(last.hash) + ")";
    s += "; " + std::to_string(checkpoints_checked) + " checkpoints checked.";
  } else {
    s = "The audit log is NOT intact.";
    if (first_broken) s += " " + sentence(first_broken->message);
    for (const Problem& p : checkpoint_problems) s += " " + sentence(p.message);
    // After an anchor mismatch the earlier entries are consistent but not confirmed; the
    // message already says which range was rewritten.
    if (first_broken && first_broken->seq > 1 &&
        first_broken->finding != Finding::kAnchorMismatch) {
      s += " Entries 1 to " + std::to_string(first_broken->seq - 1) + " check out.";
    }
  }
  for (const std::string& n : notes) s += " Note: " + n + ".";
  return s;
}

Result<VerifyResult> verify_log(const std::filesystem::path& dir, const EntrySealer& sealer,
                                const VerifyOptions& options) {
  VerifyResult r;
  auto info = read_chain_info(dir);
  if (!info) {
    if (info.error().code == ErrorCode::kNotFound) {
      auto segments = list_segments(dir);
      if (!segments || segments->empty()) {
        return fail(ErrorCode::kNotFound, "there is no audit log in " + dir.string());
      }
    }
    r.first_broken = Problem{Finding::kNoChain, 1, kChainFile, 0,
                             "the chain descriptor cannot be read (" + info.error().message +
                                 "), so no entry can be checked"};
    return r;
  }
  if (options.expected_chain_id && *options.expected_chain_id != info->chain_id) {
    r.first_broken =
        Problem{Finding::kWrongChain, 1, kChainFile, 0,
                "this audit log (chain " + short_hash(info->chain_id) +
                    ") is not the one the vault created (chain " +
                    short_hash(*options.expected_chain_id) + "): the whole log was replaced"};
    return r;
  }
  if (info->sealing != sealer.scheme()) {
    r.notes.push_back("the log says its lines are sealed with \"" + info->sealing +
                      "\", but it is being read with \"" + std::string(sealer.scheme()) + "\"");
  }
  Walk walk(dir, sealer, r);
  if (options.recorded_head) {
    if (options.recorded_head->seq == 0) {
      if (options.recorded_head->hash != info->chain_id) {
        r.first_broken = Problem{Finding::kWrongChain, 1, kChainFile, 0,
                                 "the head recorded in the index names another audit log"};
        return r;
      }
    } else {
      walk.add_anchor(options.recorded_head->seq, options.recorded_head->hash,
                      "the head recorded in the index");
    }
  }
  for (std::size_t i = 0; i < options.checkpoints.size(); ++i) {
    walk.check_checkpoint(
        options.checkpoints[i], options, info->chain_id, "checkpoint", 0,
        "the checkpoint given" +
            (options.checkpoints.size() > 1 ? " #" + std::to_string(i + 1) : std::string()));
  }
  if (options.use_checkpoint_file) read_checkpoint_file(walk, dir, options, info->chain_id, r);
  if (r.checkpoints_checked > 0 && !options.trusted_key) {
    r.notes.push_back("checkpoints were checked against the key they carry, not the vault's");
  }
  if (auto s = walk.run(info->chain_id); !s) return fail(s.error());
  if (options.recorded_head && !r.first_broken && r.last.seq > options.recorded_head->seq) {
    r.notes.push_back("entries " + std::to_string(options.recorded_head->seq + 1) + " to " +
                      std::to_string(r.last.seq) +
                      " come after the head recorded in the index (written after its last "
                      "commit: reads, or a crash before the commit)");
  }
  r.ok = !r.first_broken && r.checkpoint_problems.empty();
  return r;
}

}  // namespace custos::audit
