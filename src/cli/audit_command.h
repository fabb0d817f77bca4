// `custos audit`: list, verify, export (DICOM PS3.15) and checkpoint the audit trail.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "vault/vault.h"

namespace custos::cli {

struct AuditArgs {
  std::string since;   // YYYY-MM-DD
  std::string study;
  std::string action;
  std::size_t limit = 0;
  bool json = false;
  bool verify = false;
  std::vector<std::string> checkpoints;
  bool export_dicom = false;
  bool checkpoint = false;
  std::string out;
};

// Returns the exit status (1 when --verify finds the trail broken).
int run_audit(vault::Vault& vault, const AuditArgs& args);

}  // namespace custos::cli
