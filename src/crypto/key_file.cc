// Key file I/O. The secret goes from the CSPRNG to the file, and from the file to the key,
// through protected memory only.
#include "crypto/key_file.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "base/posix_file.h"

namespace custos::crypto {
namespace {

constexpr std::string_view kFirstLine = "custos-key-file-v1\n";
constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;
constexpr std::size_t kBase64Len = sodium_base64_ENCODED_LEN(kKeyBytes, kVariant) - 1;  // 44
constexpr std::size_t kFileLen = kFirstLine.size() + kBase64Len + 1;

Error not_a_key_file(const std::filesystem::path& path) {
  return Error{ErrorCode::kInvalidArgument, path.string() + " is not a custos key file"};
}

}  // namespace

Result<KeyFileSecret> create_key_file(const std::filesystem::path& path) {
  auto key = SecretKey::random();
  if (!key) return fail(key.error());
  auto text = SecureBytes::allocate(kFileLen + 1);  // +1: the encoder's terminating NUL
  if (!text) return fail(text.error());
  char* out = reinterpret_cast<char*>(text->data());
  std::memcpy(out, kFirstLine.data(), kFirstLine.size());
  ::sodium_bin2base64(out + kFirstLine.size(), kBase64Len + 1, key->data(), kKeyBytes, kVariant);
  out[kFileLen - 1] = '\n';

  auto fd = create_exclusive(path);  // mode 0600
  if (!fd) return fail(fd.error());
  if (auto s = write_all(fd->get(), text->bytes().first(kFileLen), path); !s) {
    ::unlink(path.c_str());
    return fail(s.error());
  }
  if (auto s = fsync_fd(fd->get(), path); !s) {
    ::unlink(path.c_str());
    return fail(s.error());
  }
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  if (auto s = fsync_dir(dir); !s) return fail(s.error());
  return KeyFileSecret(std::move(*key));
}

Result<KeyFileSecret> read_key_file(const std::filesystem::path& path) {
  auto fd = open_read(path);
  if (!fd) return fail(fd.error());
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) return fail(posix_error("cannot stat", path, errno));
  if (!S_ISREG(st.st_mode)) return fail(not_a_key_file(path));
  if ((st.st_mode & 077) != 0) {
    return fail(ErrorCode::kPermissionDenied,
                "key file " + path.string() + " may be read by other users; run chmod 600 on it");
  }
  // One byte more than a key file holds, to tell an exact file from a longer one.
  auto text = SecureBytes::allocate(kFileLen + 1);
  if (!text) return fail(text.error());
  auto n = read_full(fd->get(), text->bytes(), path);
  if (!n) return fail(n.error());
  const char* in = reinterpret_cast<const char*>(text->data());
  // A trailing newline is optional, so a file written by hand (echo -n) works too.
  std::size_t len = *n;
  if (len == kFileLen && in[len - 1] == '\n') --len;
  if (len != kFileLen - 1 || std::string_view(in, kFirstLine.size()) != kFirstLine) {
    return fail(not_a_key_file(path));
  }
  auto key = SecretKey::zeroed();
  if (!key) return fail(key.error());
  std::size_t decoded = 0;
  const char* end = nullptr;
  if (::sodium_base642bin(key->data(), kKeyBytes, in + kFirstLine.size(), kBase64Len, nullptr,
                          &decoded, &end, kVariant) != 0 ||
      decoded != kKeyBytes || end != in + kFirstLine.size() + kBase64Len) {
    return fail(not_a_key_file(path));
  }
  return KeyFileSecret(std::move(*key));
}

}  // namespace custos::crypto
