#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "base/clock.h"
#include "cli/output.h"
#include "cli/progress.h"
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
  init->add_option("--passphrase-file", o.passphrase_file, "read the passphrase from a file");

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  const SystemClock clock;
  const fs::path root = o.vault.empty() ? default_vault() : fs::path(o.vault);
  const std::string command = app.get_subcommands().front()->get_name();

  if (*init) {
    const Status s = vault::Vault::init(root, {.encryption = !o.no_encryption}, clock);
    if (!s) return report(s.error(), command);
    std::cout << "Created an empty vault at " << root.string() << " (not encrypted)\n";
    return kExitOk;
  }

  auto v = vault::Vault::open(root, clock);
  if (!v) return report(v.error(), command);

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
