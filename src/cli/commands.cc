#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "base/clock.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "cli/secrets.h"
#include "base/posix_file.h"
#include "cli/audit_command.h"
#include "cli/serve_command.h"
#include "cli/token_command.h"
#include "cli/user_command.h"
#include "vault/vault.h"

namespace custos::cli {
namespace fs = std::filesystem;
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitPartial = 3;

fs::path default_vault() {
  if (const char* v = std::getenv("CUSTOS_VAULT"); v && *v) return v;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return fs::path(x) / "custos";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".local/share/custos";
  return fs::path(".custos");
}

int report(const Error& e, const std::string& command) {
  std::cerr << "custos " << command << ": " << e.message << "\n";
  return exit_status(e.code);
}

struct Options {
  std::string vault;
  std::string key_file;
  std::string new_passphrase_file;
  std::string recovery_key_file;
  bool use_recovery_key = false;
  std::string since;
  std::string study;
  std::string action;
  std::size_t limit = 0;
  bool verify = false;
  std::vector<std::string> checkpoints;
  std::string format = "dicom";
  bool json = false;
  bool csv = false;
  bool no_encryption = false;
  bool manifest = false;
  std::string passphrase_file;
  std::vector<std::string> paths;
  std::vector<std::string> uids;
  std::string uid;
  std::string out;
};

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"custos: a personal vault for medical images (DICOM), kept bit for bit for life"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "custos 0.1.0");
  Options o;
  app.add_option("--vault", o.vault,
                 "vault directory (default: $CUSTOS_VAULT, else $XDG_DATA_HOME/custos)");

  auto* init = app.add_subcommand("init", "create a new, empty vault");
  init->add_flag("--no-encryption", o.no_encryption,
                 "store without encryption at rest (for disks that are encrypted already)");
  app.add_option("--passphrase-file", o.passphrase_file,
                 "read the vault passphrase from a file (else $CUSTOS_PASSPHRASE, else a prompt)");
  app.add_option("--key-file", o.key_file,
                 "unlock with a key file instead of the passphrase (else $CUSTOS_KEY_FILE)");
  init->add_option("--create-key-file", o.out,
                   "also create a key file (mode 0600) that unlocks the vault unattended");

  auto* import = app.add_subcommand(
      "import", "import folders, CD/DVD/USB copies with a DICOMDIR, .zip files or single files");
  import->add_option("PATH", o.paths, "what to import")->required();
  import->add_flag("--json", o.json, "print the summary as one JSON object");

  auto* studies = app.add_subcommand("studies", "list the studies in the vault");
  studies->add_flag("--json", o.json, "print a JSON array");

  auto* show = app.add_subcommand("show", "show a patient (by ID), study, series or instance");
  show->add_option("UID", o.uid, "Study, Series or SOP Instance UID, or Patient ID")->required();
  show->add_flag("--json", o.json, "print JSON");

  auto* exp = app.add_subcommand(
      "export", "write originals, bit for bit, into DIR/YYYY-MM-DD_BodyPart_Modality/DICOM/");
  exp->add_option("UID", o.uids, "Study, Series or SOP Instance UIDs, or Patient IDs")->required();
  exp->add_option("--out", o.out, "output directory")->required();
  exp->add_flag("--manifest", o.manifest, "also write SHA256SUMS in each study folder");
  exp->add_flag("--json", o.json, "print what was written as JSON");

  auto* log = app.add_subcommand("log", "the scan log: date, body part, modality, description");
  log->add_flag("--csv", o.csv, "print CSV");
  log->add_flag("--json", o.json, "print JSON");

  auto* verify = app.add_subcommand("verify", "re-hash every stored object against its SHA-256");
  verify->add_flag("--json", o.json, "print the report as JSON");

  auto* passphrase = app.add_subcommand("passphrase", "manage the vault passphrase");
  auto* change = passphrase->add_subcommand("change", "set a new passphrase (nothing re-encrypted)");
  change->add_option("--new-passphrase-file", o.new_passphrase_file,
                     "read the new passphrase from a file (else $CUSTOS_NEW_PASSPHRASE, else a prompt)");
  passphrase->require_subcommand(1);

  auto* unlock = app.add_subcommand(
      "unlock", "forgot the passphrase: open with the recovery key and set a new passphrase");
  unlock->add_flag("--recovery-key", o.use_recovery_key, "use the recovery key")->required();
  unlock->add_option("--recovery-key-file", o.recovery_key_file,
                     "read the recovery key from a file (else $CUSTOS_RECOVERY_KEY, else a prompt)");
  unlock->add_option("--new-passphrase-file", o.new_passphrase_file,
                     "read the new passphrase from a file");

  auto* keyfile = app.add_subcommand("keyfile", "key files for unattended unlocking");
  auto* keyfile_add = keyfile->add_subcommand("add", "create a key file that unlocks the vault");
  keyfile_add->add_option("PATH", o.out, "where to create it (mode 0600)")->required();
  keyfile->require_subcommand(1);

  auto* audit_cmd = app.add_subcommand("audit", "the audit trail: who touched what, when, from where");
  audit_cmd->add_option("--since", o.since, "entries from this date (YYYY-MM-DD) on");
  audit_cmd->add_option("--study", o.study, "entries naming this Study Instance UID");
  audit_cmd->add_option("--action", o.action, "entries of this action (a prefix when it ends in '.')");
  audit_cmd->add_option("--limit", o.limit, "at most this many of the most recent entries");
  audit_cmd->add_flag("--json", o.json, "print JSON");
  audit_cmd->add_flag("--verify", o.verify,
                      "check the hash chain, its recorded head and any --checkpoint; exit 1 if broken");
  audit_cmd->add_option("--checkpoint", o.checkpoints, "a checkpoint file kept outside the vault");
  auto* audit_export = audit_cmd->add_subcommand(
      "export", "write the entries as DICOM PS3.15 audit messages (XML)");
  audit_export->add_option("--format", o.format, "dicom")->check(CLI::IsMember({"dicom"}));
  audit_export->add_option("--out", o.out, "output file (default: standard output)");
  auto* audit_checkpoint = audit_cmd->add_subcommand(
      "checkpoint", "sign the current head of the trail; keep the file somewhere else");
  audit_checkpoint->add_option("--out", o.out, "output file")->required();

  // Subcommands kept in their own files (cli/command.h), one line each.
  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(add_user_command(app));
  commands.push_back(add_token_command(app));
  commands.push_back(add_serve_command(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  const SystemClock clock;
  const fs::path root = o.vault.empty() ? default_vault() : fs::path(o.vault);
  const std::string command = app.get_subcommands().front()->get_name();

  SecretSources sources{o.passphrase_file, o.key_file};
  if (sources.key_file.empty()) {
    if (const char* k = std::getenv("CUSTOS_KEY_FILE"); k && *k) sources.key_file = k;
  }

  if (*init) {
    vault::InitOptions io;
    io.encryption = !o.no_encryption;
    if (io.encryption) {
      auto pass = read_passphrase(sources, "New passphrase for " + root.string() + ": ", true);
      if (!pass) return report(pass.error(), command);
      io.passphrase = *pass;
      if (!o.out.empty()) io.key_file = fs::path(o.out);
    }
    auto made = vault::Vault::init(root, io, clock);
    if (!made) return report(made.error(), command);
    if (!io.encryption) {
      std::cout << "Created an empty vault at " << root.string() << " (not encrypted)\n";
      return kExitOk;
    }
    std::cout << "Created an empty encrypted vault at " << root.string() << "\n\n"
              << "Recovery key (shown once; write it down and keep it apart from the computer):\n\n"
              << "    " << *made->recovery_key << "\n\n"
              << "Without the passphrase or this recovery key the data cannot be read by anyone,\n"
              << "including you. `custos unlock --recovery-key` sets a new passphrase with it.\n";
    if (io.key_file) std::cout << "Key file: " << io.key_file->string() << " (mode 0600)\n";
    return kExitOk;
  }

  auto descriptor = vault::Vault::describe(root);
  if (!descriptor) return report(descriptor.error(), command);
  vault::Unlock unlock_with;
  if (descriptor->encrypted()) {
    if (*unlock) {
      std::string text;
      if (!o.recovery_key_file.empty()) {
        auto t = read_small_file(o.recovery_key_file, 1024);
        if (!t) return report(t.error(), command);
        text = *t;
      } else if (const char* r = std::getenv("CUSTOS_RECOVERY_KEY"); r && *r) {
        text = r;
      } else {
        auto t = prompt_hidden("Recovery key: ");
        if (!t) return report(t.error(), command);
        text = *t;
      }
      unlock_with.recovery_key = text;
    } else if (!sources.key_file.empty()) {
      unlock_with.key_file = fs::path(sources.key_file);
    } else {
      auto pass = read_passphrase(sources, "Passphrase for " + root.string() + ": ", false);
      if (!pass) return report(pass.error(), command);
      unlock_with.passphrase = *pass;
    }
  }
  auto v = vault::Vault::open(root, clock, unlock_with);
  if (!v) return report(v.error(), command);

  if (*passphrase || *unlock) {
    SecretSources fresh{o.new_passphrase_file, ""};
    Result<std::string> pass = fail(ErrorCode::kInvalidArgument, "");
    if (fresh.passphrase_file.empty()) {
      if (const char* n = std::getenv("CUSTOS_NEW_PASSPHRASE"); n && *n) pass = std::string(n);
    }
    if (!pass) {
      const char* saved = std::getenv("CUSTOS_PASSPHRASE");
      const std::string keep = saved ? saved : "";
      ::unsetenv("CUSTOS_PASSPHRASE");  // the old one must not be taken as the new one
      pass = read_passphrase(fresh, "New passphrase: ", true);
      if (saved) ::setenv("CUSTOS_PASSPHRASE", keep.c_str(), 1);
    }
    if (!pass) return report(pass.error(), command);
    if (auto s = (*v)->change_passphrase(*pass, crypto::default_kdf_params()); !s) {
      return report(s.error(), command);
    }
    std::cout << "The passphrase is changed; the old one no longer opens the vault.\n";
    return kExitOk;
  }
  if (*keyfile) {
    if (auto s = (*v)->add_key_file(o.out); !s) return report(s.error(), command);
    std::cout << "Key file created: " << o.out << " (mode 0600). Anyone with it can open the vault.\n";
    return kExitOk;
  }
  for (auto& c : commands) {
    if (c->chosen()) return c->run(**v);
  }
  if (*audit_cmd) {
    AuditArgs a{o.since, o.study, o.action, o.limit, o.json, o.verify, o.checkpoints,
                static_cast<bool>(*audit_export), static_cast<bool>(*audit_checkpoint), o.out};
    return run_audit(**v, a);
  }

  if (*import) {
    std::vector<fs::path> inputs(o.paths.begin(), o.paths.end());
    TerminalProgress progress("import");
    auto summary = (*v)->import(inputs, vault::ImportOptions{}, &progress);
    if (!summary) return report(summary.error(), command);
    if (o.json) {
      std::cout << dump(import_json(*summary)) << "\n";
    } else {
      print_import(std::cout, *summary);
    }
    if (summary->error) {
      std::cerr << "custos import: " << *summary->error << "\n";
      return kExitFailed;
    }
    return summary->rejected.empty() ? kExitOk : kExitPartial;
  }
  if (*studies) {
    auto rows = (*v)->studies();
    if (!rows) return report(rows.error(), command);
    if (o.json) {
      auto a = nlohmann::ordered_json::array();
      for (const auto& s : *rows) a.push_back(study_json(s));
      std::cout << dump(a) << "\n";
    } else {
      print_studies(std::cout, *rows, (*v)->descriptor().encryption);
    }
    return kExitOk;
  }
  if (*show) {
    auto r = (*v)->show(o.uid);
    if (!r) return report(r.error(), command);
    if (o.json) {
      std::cout << dump(show_json(*r)) << "\n";
    } else {
      print_show(std::cout, *r);
    }
    return kExitOk;
  }
  if (*exp) {
    TerminalProgress progress("export");
    auto r = (*v)->export_to(o.uids, o.out, {.manifest = o.manifest}, &progress);
    if (!r) return report(r.error(), command);
    if (o.json) {
      std::cout << dump(export_json(*r)) << "\n";
    } else {
      print_export(std::cout, *r);
    }
    return r->failed.empty() ? kExitOk : kExitFailed;
  }
  if (*log) {
    auto r = (*v)->scan_log();
    if (!r) return report(r.error(), command);
    if (o.csv) {
      print_log_csv(std::cout, *r);
    } else if (o.json) {
      std::cout << dump(log_json(*r)) << "\n";
    } else {
      print_log(std::cout, *r);
    }
    return kExitOk;
  }
  if (*verify) {
    TerminalProgress progress("verify");
    auto r = (*v)->verify(&progress);
    if (!r) return report(r.error(), command);
    if (o.json) {
      std::cout << dump(verify_json(*r)) << "\n";
    } else {
      print_verify(std::cout, *r);
    }
    return r->failures.empty() ? kExitOk : kExitFailed;
  }
  return kExitUsage;
}

}  // namespace custos::cli
