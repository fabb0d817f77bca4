// What every route handler of the server works with. The vault is the one service layer;
// the rest is the server's own state (sessions, import uploads, caches), each thread-safe.
#pragma once

#include <string>

#include "api/import_registry.h"
#include "api/read_audit.h"
#include "auth/authenticator.h"
#include "base/clock.h"
#include "vault/vault.h"

namespace custos::api {

class DicomwebCaches;

struct Services {
  vault::Vault& vault;
  const Clock& clock;
  auth::Authenticator& auth;
  ReadAudit& reads;
  ImportRegistry& imports;
  DicomwebCaches& caches;
};

}  // namespace custos::api
