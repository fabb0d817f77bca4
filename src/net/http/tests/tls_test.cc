// TLS: the self-signed certificate, HTTPS with curl, HSTS, and TLS 1.1 refused.
#include <openssl/ssl.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "net/http/server.h"
#include "net/http/tests/test_client.h"

namespace custos::http {
namespace {

std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("custos_http_" + name + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// Handshake from an OpenSSL client limited to [min, max]; true when it succeeds.
bool handshake(std::uint16_t port, int min_version, int max_version) {
  test::Client c(port);
  if (!c.connected()) return false;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_security_level(ctx, 0);  // let the client offer TLS 1.1 at all
  SSL_CTX_set_min_proto_version(ctx, min_version);
  SSL_CTX_set_max_proto_version(ctx, max_version);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, c.socket().native_handle());
  const bool ok = SSL_connect(ssl) == 1;
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return ok;
}

TEST(Tls, SelfSignedCertificateIsCreatedPrivateAndReused) {
  const auto dir = temp_dir("cert");
  TlsFiles files;
  ASSERT_TRUE(ensure_self_signed_certificate(dir, &files));
  struct stat st {};
  ASSERT_EQ(stat(files.key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const auto text = run("openssl x509 -noout -text -in " + files.cert.string());
  EXPECT_NE(text.find("DNS:localhost"), std::string::npos) << text;
  EXPECT_NE(text.find("IP Address:127.0.0.1"), std::string::npos);
  EXPECT_NE(text.find("IP Address:0:0:0:0:0:0:0:1"), std::string::npos);
  EXPECT_NE(text.find("prime256v1"), std::string::npos);
  const auto before = std::filesystem::last_write_time(files.cert);
  TlsFiles again;
  ASSERT_TRUE(ensure_self_signed_certificate(dir, &again));
  EXPECT_EQ(std::filesystem::last_write_time(again.cert), before);  // reused
  // A damaged key is replaced.
  { FILE* f = fopen(files.key.c_str(), "w"); fputs("junk", f); fclose(f); }
  ASSERT_TRUE(ensure_self_signed_certificate(dir, &again));
  EXPECT_NE(run("openssl pkey -noout -in " + again.key.string() + " 2>&1 && echo good").find("good"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Tls, HttpsServesWithHstsAndRefusesTls11) {
  const auto dir = temp_dir("https");
  TlsFiles files;
  ASSERT_TRUE(ensure_self_signed_certificate(dir, &files));
  Router router;
  router.add(Method::kGet, "/hello", [](Request& r, ResponseWriter& w) {
    (void)w.send(200, "text/plain", r.tls() ? "secure" : "plain");
  });
  ServerOptions o;
  o.port = 0;
  o.tls = files;
  o.access_log = nullptr;
  auto server = Server::start(o, std::move(router));
  ASSERT_TRUE(server) << server.error().message;
  const auto port = std::to_string((*server)->port());
  // curl verifies the certificate against itself as the CA, and the 127.0.0.1 SAN.
  const auto out = run("curl -sS -D - --max-time 10 --cacert " + files.cert.string() +
                       " https://127.0.0.1:" + port + "/hello 2>&1");
  EXPECT_NE(out.find("HTTP/1.1 200"), std::string::npos) << out;
  EXPECT_NE(out.find("Strict-Transport-Security: max-age=31536000"), std::string::npos) << out;
  EXPECT_NE(out.find("secure"), std::string::npos) << out;
  const auto localhost = run("curl -sS --max-time 10 --cacert " + files.cert.string() +
                             " https://localhost:" + port + "/hello 2>&1");
  EXPECT_NE(localhost.find("secure"), std::string::npos) << localhost;
  // Plain HTTP on the TLS port gets nothing useful.
  EXPECT_FALSE(test::fetch((*server)->port(), "GET", "/hello").ok);
  EXPECT_TRUE(handshake((*server)->port(), TLS1_2_VERSION, TLS1_2_VERSION));  // control
  EXPECT_TRUE(handshake((*server)->port(), TLS1_3_VERSION, TLS1_3_VERSION));
  EXPECT_FALSE(handshake((*server)->port(), TLS1_VERSION, TLS1_1_VERSION));
  (*server)->stop(std::chrono::milliseconds(100));
  std::filesystem::remove_all(dir);
}

TEST(Tls, MissingCertificateFailsToStart) {
  ServerOptions o;
  o.port = 0;
  o.tls = TlsFiles{"/nonexistent/cert.pem", "/nonexistent/key.pem"};
  auto server = Server::start(o, Router());
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace custos::http
