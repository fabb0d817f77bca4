// Who may do what in the vault: roles, permissions and the one table between them. The
// vault checks it on every operation, so every entry point (CLI, HTTP, DIMSE) gets the same
// answer (docs/adr/0007-identity-and-access.md).
#pragma once

#include <string_view>

#include "base/error.h"

namespace custos::vault {

enum class Role { kOwner, kCaregiver, kViewer };

enum class Permission {
  kRead,            // list, show, export, read instances, scan log, verify
  kImport,          // add studies
  kDelete,          // remove studies
  kAudit,           // read, verify and checkpoint the audit trail
  kManageAccounts,  // users and API tokens
  kManageKeys,      // passphrase, key files
  kLinkPersons,     // confirm, undo or dismiss person links (docs/adr/0012-person-links.md)
};

[[nodiscard]] std::string_view to_string(Role role);
[[nodiscard]] std::string_view to_string(Permission permission);
// "owner", "caregiver", "viewer". Errors: kInvalidArgument.
[[nodiscard]] Result<Role> parse_role(std::string_view name);

// The table: owner may do everything (the only one who may link persons); caregiver reads and imports; viewer reads. A read-only
// credential (API token) may only read, whatever its role.
[[nodiscard]] bool permits(Role role, bool read_only, Permission permission);

}  // namespace custos::vault
