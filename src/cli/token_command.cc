#include "cli/token_command.h"

#include <fmt/format.h>

#include <iostream>

#include "cli/output.h"

namespace custos::cli {
namespace {

int report(const Error& e, const std::string& what) {
  std::cerr << "custos token " << what << ": " << e.message << "\n";
  return exit_status(e.code);
}

std::string minute(std::chrono::system_clock::time_point t) {
  return format_utc(t).substr(0, 16) + "Z";
}

class TokenCommand final : public Command {
 public:
  explicit TokenCommand(CLI::App& app) {
    cmd_ = app.add_subcommand("token", "API tokens for scripts and DICOMweb clients (owner only)");
    cmd_->require_subcommand(1);
    create_ = cmd_->add_subcommand("create", "make a token; it is printed once");
    create_->add_option("--name", name_, "a name to list and revoke it by")->required();
    create_->add_option("--user", user_, "the account it acts for (default: the owner account)");
    create_->add_flag("--read-only", read_only_, "reads only, whatever the account's role");
    list_ = cmd_->add_subcommand("list", "list the tokens (never their values)");
    list_->add_flag("--json", json_, "print JSON");
    revoke_ = cmd_->add_subcommand("revoke", "stop a token from working");
    revoke_->add_option("NAME", name_, "token name")->required();
  }

  bool chosen() const override { return cmd_->parsed(); }

  int run(vault::Vault& v) override {
    const vault::Caller owner;
    if (create_->parsed()) {
      auto t = v.create_token(owner, name_, user_, read_only_);
      if (!t) return report(t.error(), "create");
      // The token alone on stdout, so scripts can capture it; the advice on stderr.
      std::cout << t->secret << "\n";
      std::cerr << "Token " << t->info.name << " for " << t->info.user
                << (t->info.read_only ? " (read-only)" : "")
                << ". It is shown only now; send it as \"Authorization: Bearer <token>\".\n";
      return 0;
    }
    if (revoke_->parsed()) {
      if (auto s = v.revoke_token(owner, name_); !s) return report(s.error(), "revoke");
      std::cout << "Token " << name_ << " revoked.\n";
      return 0;
    }
    auto tokens = v.list_tokens(owner);
    if (!tokens) return report(tokens.error(), "list");
    if (json_) {
      auto a = nlohmann::ordered_json::array();
      for (const auto& t : *tokens) {
        a.push_back({{"name", t.name},
                     {"user", t.user},
                     {"created", format_utc(t.created)},
                     {"last_used", t.last_used ? nlohmann::ordered_json(format_utc(*t.last_used))
                                               : nlohmann::ordered_json(nullptr)},
                     {"read_only", t.read_only},
                     {"revoked", t.revoked}});
      }
      std::cout << dump(a) << "\n";
      return 0;
    }
    std::cout << fmt::format("{:<20} {:<16} {:<18} {:<18} {:<10} {}\n", "NAME", "USER", "CREATED",
                             "LAST USED", "ACCESS", "STATUS");
    for (const auto& t : *tokens) {
      std::cout << fmt::format("{:<20} {:<16} {:<18} {:<18} {:<10} {}\n", t.name, t.user,
                               minute(t.created), t.last_used ? minute(*t.last_used) : "never",
                               t.read_only ? "read-only" : "full",
                               t.revoked ? "revoked" : "active");
    }
    return 0;
  }

 private:
  CLI::App* cmd_ = nullptr;
  CLI::App* create_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* revoke_ = nullptr;
  std::string name_;
  std::string user_;
  bool read_only_ = false;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<Command> add_token_command(CLI::App& app) {
  return std::make_unique<TokenCommand>(app);
}

}  // namespace custos::cli
