// Index on SQLite (SQLCipher's build of it, so the file, its WAL and journal can be encrypted):
// one file, WAL journal, synchronous=FULL so a commit survives power loss.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "crypto/secure_bytes.h"
#include "index/index.h"

namespace custos::index {

struct SqliteIndexOptions {
  std::filesystem::path path;
  bool create_if_missing = true;
  // The registered SQLite VFS to open the files with (EnvVfs in the fault tests); empty:
  // SQLite's default.
  std::string vfs;
  // SQLCipher raw key (x'<64 hex>') of an encrypted vault; null: a plain database.
  std::shared_ptr<const crypto::SecureBytes> key;
};

class SqliteIndex final : public Index {
 public:
  [[nodiscard]] static Result<std::unique_ptr<SqliteIndex>> open(const SqliteIndexOptions&);
  ~SqliteIndex() override;

  Status read(const std::function<Status(ReadTxn&)>& fn) override;
  Status write(const std::function<Status(WriteTxn&)>& fn) override;

 private:
  struct Impl;
  explicit SqliteIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace custos::index
