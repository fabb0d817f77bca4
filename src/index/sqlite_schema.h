// Numbered schema migrations of the SQLite index. PRAGMA user_version holds the number
// applied; each migration runs once, in its own transaction.
#pragma once

#include <span>
#include <string_view>

namespace custos::index {

[[nodiscard]] std::span<const std::string_view> sqlite_migrations();

}  // namespace custos::index
