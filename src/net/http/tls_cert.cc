// ensure_self_signed_certificate (see server.h): OpenSSL 3 EVP calls, key written 0600.
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <system_error>

#include "net/http/server.h"

namespace custos::http {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Ext = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// True when cert and key load, match, and the certificate is valid for another day.
bool usable(const TlsFiles& files) {
  File cf(std::fopen(files.cert.c_str(), "rb"));
  File kf(std::fopen(files.key.c_str(), "rb"));
  if (!cf || !kf) return false;
  Cert cert(PEM_read_X509(cf.get(), nullptr, nullptr, nullptr));
  Key key(PEM_read_PrivateKey(kf.get(), nullptr, nullptr, nullptr));
  if (!cert || !key || X509_check_private_key(cert.get(), key.get()) != 1) return false;
  const time_t tomorrow = time(nullptr) + 24 * 3600;
  return X509_cmp_time(X509_get0_notAfter(cert.get()), const_cast<time_t*>(&tomorrow)) > 0;
}

Status io_fail(const std::string& what) {
  return fail(ErrorCode::kIoError, "creating the TLS certificate: " + what);
}

}  // namespace

Status ensure_self_signed_certificate(const std::filesystem::path& dir, TlsFiles* out) {
  TlsFiles files{dir / "cert.pem", dir / "key.pem"};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_fail("cannot create " + dir.string() + ": " + ec.message());
  if (usable(files)) {
    ::chmod(files.key.c_str(), 0600);
    *out = files;
    return {};
  }
  Key key(EVP_EC_gen("P-256"));
  if (!key) return io_fail("EC key generation failed");
  Cert cert(X509_new());
  if (!cert) return io_fail("out of memory");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return io_fail("no randomness");
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("custos self-signed"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] :
       {std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"},
        std::pair{NID_basic_constraints, "critical,CA:FALSE"},
        std::pair{NID_key_usage, "critical,digitalSignature"},
        std::pair{NID_ext_key_usage, "serverAuth"}}) {
    Ext ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (!ext || X509_add_ext(cert.get(), ext.get(), -1) != 1) return io_fail("extension");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return io_fail("signing failed");

  // Key first, created 0600 from the start (never world-readable, not even briefly).
  const auto tmp_key = files.key.string() + ".tmp";
  ::unlink(tmp_key.c_str());
  const int fd = ::open(tmp_key.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return io_fail("cannot create " + tmp_key);
  File kf(::fdopen(fd, "wb"));
  if (!kf) {
    ::close(fd);
    return io_fail("cannot open " + tmp_key);
  }
  if (PEM_write_PrivateKey(kf.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      std::fflush(kf.get()) != 0 || ::fsync(fd) != 0) {
    return io_fail("cannot write " + tmp_key);
  }
  kf.reset();
  const auto tmp_cert = files.cert.string() + ".tmp";
  File cf(std::fopen(tmp_cert.c_str(), "wb"));
  if (!cf || PEM_write_X509(cf.get(), cert.get()) != 1 || std::fflush(cf.get()) != 0 ||
      ::fsync(::fileno(cf.get())) != 0) {
    return io_fail("cannot write " + tmp_cert);
  }
  cf.reset();
  if (::rename(tmp_key.c_str(), files.key.c_str()) != 0 ||
      ::rename(tmp_cert.c_str(), files.cert.c_str()) != 0) {
    return io_fail("cannot rename into " + dir.string());
  }
  *out = files;
  return {};
}

}  // namespace custos::http
