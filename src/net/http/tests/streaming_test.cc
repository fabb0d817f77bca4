// 300 MB up and 300 MB down through the server in bounded memory: the peak RSS of this
// process (server and client both) may grow by less than 64 MB.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <thread>

#include "net/http/server.h"
#include "net/http/tests/test_client.h"

namespace custos::http {
namespace {

constexpr std::uint64_t kSize = 300ull << 20;
constexpr std::uint64_t kBudget = 64ull << 20;

std::uint64_t status_kb(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stoull(line.substr(key.size() + 1)) * 1024;
  }
  return 0;
}

// Resets VmHWM to the current RSS (Linux 4.0+), so the peak of this test alone is measured.
void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

class Streaming : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add(Method::kPost, "/sink", [this](Request& r, ResponseWriter& w) {
      std::vector<std::byte> buf(64 * 1024);
      std::uint64_t total = 0;
      for (;;) {
        auto n = r.body().read(buf);
        if (!n) return;
        if (*n == 0) break;
        total += *n;
      }
      received_ = total;
      (void)w.send(200, "text/plain", std::to_string(total));
    }, RouteOptions{kSize, "sink"});
    router_.add(Method::kGet, "/source", [](Request&, ResponseWriter& w) {
      std::vector<std::byte> buf(64 * 1024, std::byte{'d'});
      w.set_content_length(kSize);
      if (!w.begin()) return;
      for (std::uint64_t sent = 0; sent < kSize; sent += buf.size()) {
        if (!w.write(buf)) return;
      }
      (void)w.end();
    });
    router_.add(Method::kGet, "/chunked-source", [](Request&, ResponseWriter& w) {
      std::vector<std::byte> buf(100 * 1024, std::byte{'c'});
      for (std::uint64_t sent = 0; sent < kSize; sent += buf.size()) {
        if (!w.write(buf)) return;
      }
      (void)w.end();
    });
    ServerOptions o;
    o.port = 0;
    o.access_log = nullptr;
    auto s = Server::start(o, std::move(router_));
    ASSERT_TRUE(s) << s.error().message;
    server_ = std::move(*s);
  }
  void TearDown() override { server_->stop(std::chrono::milliseconds(100)); }

  std::uint64_t download(const std::string& target) {
    test::Client c(server_->port());
    EXPECT_TRUE(c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    std::vector<char> buf(64 * 1024);
    std::uint64_t total = 0;
    boost::system::error_code ec;
    std::string head;
    for (;;) {
      const std::size_t n = c.socket().read_some(boost::asio::buffer(buf), ec);
      if (ec) break;
      total += n;
      if (head.size() < 4096) head.append(buf.data(), std::min<std::size_t>(n, 4096));
    }
    EXPECT_NE(head.find("HTTP/1.1 200"), std::string::npos);
    return total;
  }

  Router router_;
  std::unique_ptr<Server> server_;
  std::atomic<std::uint64_t> received_{0};
};

// AddressSanitizer keeps freed memory in quarantine (256 MB by default), so under it the
// resident size measures the quarantine, not the server: the transfer is still checked,
// the memory bound only in the normal build.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kMemoryMeasurable = false;
#else
constexpr bool kMemoryMeasurable = true;
#endif

TEST_F(Streaming, UploadOf300MBStaysInBoundedMemory) {
  reset_peak();
  const std::uint64_t before = status_kb("VmRSS");
  test::Client c(server_->port(), std::chrono::seconds(60));
  ASSERT_TRUE(c.send("POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kSize) + "\r\n\r\n"));
  const std::string block(256 * 1024, 'u');
  for (std::uint64_t sent = 0; sent < kSize; sent += block.size()) ASSERT_TRUE(c.send(block));
  auto r = c.read();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body, std::to_string(kSize));
  EXPECT_EQ(received_, kSize);
  const std::uint64_t growth = status_kb("VmHWM") - before;
  std::printf("upload: peak RSS growth %.1f MB\n", growth / 1048576.0);
  if (kMemoryMeasurable) {
    EXPECT_LT(growth, kBudget);
  }
}

TEST_F(Streaming, DownloadOf300MBStaysInBoundedMemory) {
  reset_peak();
  const std::uint64_t before = status_kb("VmRSS");
  EXPECT_GT(download("/source"), kSize);
  EXPECT_GT(download("/chunked-source"), kSize);
  const std::uint64_t growth = status_kb("VmHWM") - before;
  std::printf("download: peak RSS growth %.1f MB\n", growth / 1048576.0);
  if (kMemoryMeasurable) {
    EXPECT_LT(growth, kBudget);
  }
}

TEST_F(Streaming, ChunkedUploadOver300MB) {
  reset_peak();
  const std::uint64_t before = status_kb("VmRSS");
  test::Client c(server_->port(), std::chrono::seconds(60));
  ASSERT_TRUE(c.send("POST /sink HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string block = "40000\r\n" + std::string(0x40000, 'k') + "\r\n";
  std::uint64_t payload = 0;
  for (; payload + 0x40000 <= kSize; payload += 0x40000) ASSERT_TRUE(c.send(block));
  ASSERT_TRUE(c.send("0\r\n\r\n"));
  auto r = c.read();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body, std::to_string(payload));
  const std::uint64_t growth = status_kb("VmHWM") - before;
  if (kMemoryMeasurable) {
    EXPECT_LT(growth, kBudget);
  }
}

}  // namespace
}  // namespace custos::http
