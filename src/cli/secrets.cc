#include "cli/secrets.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "base/posix_file.h"

namespace custos::cli {
namespace {

std::string strip_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

Result<std::string> prompt_hidden(const std::string& prompt) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return fail(ErrorCode::kInvalidArgument,
                "no terminal to ask for the passphrase: set CUSTOS_PASSPHRASE or use "
                "--passphrase-file");
  }
  const UniqueFd tty(fd);
  (void)::write(tty.get(), prompt.data(), prompt.size());
  termios old {};
  const bool has_termios = ::tcgetattr(tty.get(), &old) == 0;
  if (has_termios) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(tty.get(), TCSAFLUSH, &quiet);
  }
  std::string line;
  char c = 0;
  while (::read(tty.get(), &c, 1) == 1 && c != '\n') line.push_back(c);
  if (has_termios) ::tcsetattr(tty.get(), TCSAFLUSH, &old);
  (void)::write(tty.get(), "\n", 1);
  return strip_newline(line);
}

Result<std::string> read_passphrase(const SecretSources& sources, const std::string& prompt,
                                    bool confirm) {
  if (!sources.passphrase_file.empty()) {
    auto text = read_small_file(sources.passphrase_file, 4096);
    if (!text) return fail(text.error());
    return strip_newline(*text);
  }
  if (const char* env = std::getenv("CUSTOS_PASSPHRASE"); env != nullptr && *env != '\0') {
    return std::string(env);
  }
  auto first = prompt_hidden(prompt);
  if (!first || !confirm) return first;
  auto second = prompt_hidden("Repeat it: ");
  if (!second) return second;
  if (*first != *second) return fail(ErrorCode::kInvalidArgument, "the two passphrases differ");
  return first;
}

}  // namespace custos::cli
