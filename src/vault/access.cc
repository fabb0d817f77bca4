#include "vault/access.h"

#include <string>

namespace custos::vault {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::kOwner: return "owner";
    case Role::kCaregiver: return "caregiver";
    case Role::kViewer: return "viewer";
  }
  return "viewer";
}

std::string_view to_string(Permission p) {
  switch (p) {
    case Permission::kRead: return "read";
    case Permission::kImport: return "import";
    case Permission::kDelete: return "delete";
    case Permission::kAudit: return "audit";
    case Permission::kManageAccounts: return "manage-accounts";
    case Permission::kManageKeys: return "manage-keys";
    case Permission::kLinkPersons: return "link-persons";
  }
  return "unknown";
}

Result<Role> parse_role(std::string_view name) {
  if (name == "owner") return Role::kOwner;
  if (name == "caregiver") return Role::kCaregiver;
  if (name == "viewer") return Role::kViewer;
  return fail(ErrorCode::kInvalidArgument,
              "unknown role '" + std::string(name) + "' (owner, caregiver or viewer)");
}

bool permits(Role role, bool read_only, Permission p) {
  if (read_only) return p == Permission::kRead;
  switch (role) {
    case Role::kOwner: return true;
    case Role::kCaregiver: return p == Permission::kRead || p == Permission::kImport;
    case Role::kViewer: return p == Permission::kRead;
  }
  return false;
}

}  // namespace custos::vault
