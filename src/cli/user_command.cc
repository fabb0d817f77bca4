#include "cli/user_command.h"

#include <fmt/format.h>

#include <iostream>

#include "base/posix_file.h"
#include "cli/output.h"
#include "cli/qr_terminal.h"
#include "cli/secrets.h"

namespace custos::cli {
namespace {

int report(const Error& e, const std::string& what) {
  std::cerr << "custos user " << what << ": " << e.message << "\n";
  return exit_status(e.code);
}

std::string day(std::chrono::system_clock::time_point t) { return format_utc(t).substr(0, 10); }

class UserCommand final : public Command {
 public:
  explicit UserCommand(CLI::App& app) {
    cmd_ = app.add_subcommand("user", "accounts that sign in to the server (owner only)");
    cmd_->require_subcommand(1);
    add_ = cmd_->add_subcommand("add", "add an account");
    add_->add_option("NAME", name_, "user name")->required();
    add_->add_option("--role", role_, "owner, caregiver (read and import) or viewer (read)")
        ->check(CLI::IsMember({"owner", "caregiver", "viewer"}));
    add_->add_option("--password-file", password_file_,
                     "read the password from the first line of a file (else a prompt)");
    passwd_ = cmd_->add_subcommand("passwd", "set a new password");
    passwd_->add_option("NAME", name_, "user name")->required();
    passwd_->add_option("--password-file", password_file_,
                        "read the password from the first line of a file (else a prompt)");
    list_ = cmd_->add_subcommand("list", "list the accounts");
    list_->add_flag("--json", json_, "print JSON");
    remove_ = cmd_->add_subcommand("remove", "remove an account and revoke its tokens");
    remove_->add_option("NAME", name_, "user name")->required();
    totp_ = cmd_->add_subcommand(
        "totp", "enrol a second factor (authenticator app) and print recovery codes");
    totp_->add_option("NAME", name_, "user name")->required();
    totp_->add_flag("--disable", disable_, "turn the second factor off");
    totp_->add_flag("--no-qr", no_qr_, "print the URI without a QR code");
  }

  bool chosen() const override { return cmd_->parsed(); }

  int run(vault::Vault& v) override {
    const vault::Caller owner;  // the local owner: the vault was unlocked at this terminal
    if (add_->parsed()) {
      auto role = vault::parse_role(role_);
      if (!role) return report(role.error(), "add");
      if (auto s = vault::check_account_name("user", name_); !s) return report(s.error(), "add");
      auto pw = read_new_password(password_file_, name_);
      if (!pw) return report(pw.error(), "add");
      if (auto s = v.add_user(owner, name_, *role, *pw); !s) return report(s.error(), "add");
      std::cout << "User " << name_ << " added (" << role_ << ").\n";
      return 0;
    }
    if (passwd_->parsed()) {
      if (auto u = v.find_user(name_); !u) {
        return report(u.error(), "passwd");
      } else if (!*u) {
        return report(Error{ErrorCode::kNotFound, "no user named " + name_}, "passwd");
      }
      auto pw = read_new_password(password_file_, name_);
      if (!pw) return report(pw.error(), "passwd");
      if (auto s = v.set_password(owner, name_, *pw); !s) return report(s.error(), "passwd");
      std::cout << "Password of " << name_ << " changed.\n";
      return 0;
    }
    if (remove_->parsed()) {
      if (auto s = v.remove_user(owner, name_); !s) return report(s.error(), "remove");
      std::cout << "User " << name_ << " removed; their tokens are revoked.\n";
      return 0;
    }
    if (totp_->parsed()) return run_totp(v, owner);
    auto users = v.list_users(owner);
    if (!users) return report(users.error(), "list");
    if (json_) {
      auto a = nlohmann::ordered_json::array();
      for (const auto& u : *users) {
        a.push_back({{"name", u.name},
                     {"role", vault::to_string(u.role)},
                     {"totp", u.totp_enrolled},
                     {"recovery_codes_left", u.recovery_codes_left},
                     {"created", format_utc(u.created)},
                     {"disabled", u.disabled}});
      }
      std::cout << dump(a) << "\n";
      return 0;
    }
    std::cout << fmt::format("{:<24} {:<10} {:<5} {}\n", "NAME", "ROLE", "TOTP", "CREATED");
    for (const auto& u : *users) {
      std::cout << fmt::format("{:<24} {:<10} {:<5} {}{}\n", u.name, vault::to_string(u.role),
                               u.totp_enrolled ? "yes" : "no", day(u.created),
                               u.disabled ? "  (disabled)" : "");
    }
    return 0;
  }

 private:
  int run_totp(vault::Vault& v, const vault::Caller& owner) {
    if (disable_) {
      if (auto s = v.disable_totp(owner, name_); !s) return report(s.error(), "totp");
      std::cout << "Second factor of " << name_ << " turned off.\n";
      return 0;
    }
    auto e = v.enrol_totp(owner, name_);
    if (!e) return report(e.error(), "totp");
    std::cout << "Scan this with an authenticator app, or enter the secret by hand:\n\n";
    if (!no_qr_) {
      if (auto qr = qr_terminal(e->uri); qr) std::cout << *qr << "\n";
    }
    std::cout << e->uri << "\n\nSecret: " << e->secret_base32 << "\n\n"
              << "Recovery codes (each works once, in place of a code from the app; keep them "
                 "apart from the phone):\n\n";
    for (const auto& c : e->recovery_codes) std::cout << "    " << c << "\n";
    std::cout << "\nThese are shown only now.\n";
    return 0;
  }

  CLI::App* cmd_ = nullptr;
  CLI::App* add_ = nullptr;
  CLI::App* passwd_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* remove_ = nullptr;
  CLI::App* totp_ = nullptr;
  std::string name_;
  std::string role_ = "viewer";
  std::string password_file_;
  bool json_ = false;
  bool disable_ = false;
  bool no_qr_ = false;
};

}  // namespace

Result<std::string> read_new_password(const std::string& file, const std::string& name) {
  if (!file.empty()) {
    auto text = read_small_file(file, 4096);
    if (!text) return fail(text.error());
    std::string pw = text->substr(0, text->find('\n'));
    if (!pw.empty() && pw.back() == '\r') pw.pop_back();
    if (auto s = crypto::check_password_policy(pw); !s) return fail(with_context(s.error(), file));
    return pw;
  }
  auto first = prompt_hidden("New password for " + name + ": ");
  if (!first) {
    return fail(ErrorCode::kInvalidArgument,
                "no terminal to ask for the password on; use --password-file");
  }
  if (auto s = crypto::check_password_policy(*first); !s) return fail(s.error());
  auto again = prompt_hidden("Again: ");
  if (!again) return fail(again.error());
  if (*again != *first) return fail(ErrorCode::kInvalidArgument, "the two passwords differ");
  return *first;
}

std::unique_ptr<Command> add_user_command(CLI::App& app) {
  return std::make_unique<UserCommand>(app);
}

}  // namespace custos::cli
