// Routing, framework answers, limits and timeouts over real sockets on 127.0.0.1.
#include "net/http/server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <thread>

#include "net/http/tests/test_client.h"

namespace custos::http {
namespace {

using test::Client;
using test::fetch;

void expect_security_headers(const test::Response& r) {
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(r.header("referrer-policy"), "no-referrer");
  EXPECT_NE(r.header("content-security-policy").find("wasm-unsafe-eval"), std::string::npos);
  EXPECT_EQ(r.header("cross-origin-opener-policy"), "same-origin");
  EXPECT_EQ(r.header("cross-origin-embedder-policy"), "require-corp");
  EXPECT_EQ(r.header("cross-origin-resource-policy"), "same-origin");
  EXPECT_EQ(r.header("x-request-id").size(), 32u);
  EXPECT_FALSE(r.has("strict-transport-security"));  // plain HTTP
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add(Method::kGet, "/hello", [](Request&, ResponseWriter& w) {
      (void)w.send(200, "text/plain", "hello");
    });
    router_.add(Method::kGet, "/items/{id}", [](Request& r, ResponseWriter& w) {
      std::string out = "id=" + std::string(r.param("id"));
      for (const auto& [k, v] : r.query()) out += ";" + k + "=" + v;
      (void)w.send(200, "text/plain", out);
    });
    router_.add(Method::kGet, "/items/special", [](Request&, ResponseWriter& w) {
      (void)w.send(200, "text/plain", "literal");
    });
    router_.add(Method::kDelete, "/items/{id}", [](Request&, ResponseWriter& w) {
      w.set_status(204);
      (void)w.end();
    });
    RouteOptions small;
    small.max_body_bytes = 1000;
    router_.add(Method::kPost, "/echo", [](Request& r, ResponseWriter& w) {
      auto body = r.body().read_all(1 << 20);
      if (!body) return;  // 413 already sent by the framework
      (void)w.send(200, "application/octet-stream", *body);
    }, small);
    router_.add(Method::kGet, "/throw", [](Request&, ResponseWriter&) {
      throw std::runtime_error("secret body detail");
    });
    router_.add(Method::kGet, "/silent", [](Request&, ResponseWriter&) {});
    router_.add(Method::kGet, "/owned-header", [](Request&, ResponseWriter& w) {
      w.set_header("Content-Length", "3");
      (void)w.send(200, "text/plain", "abc");
    });
    router_.add(Method::kGet, "/cached", [](Request& r, ResponseWriter& w) {
      w.set_header("Cache-Control", "max-age=60");
      (void)w.send(200, "text/plain", std::string(r.cookie("sid").value_or("none")));
    });
    router_.add(Method::kGet, "/stream", [](Request&, ResponseWriter& w) {
      w.set_header("Content-Type", "text/plain");
      for (int i = 0; i < 3; ++i) (void)w.write(std::string_view("part;"));
      (void)w.end();
    });
    router_.add(Method::kGet, "/slow", [this](Request&, ResponseWriter& w) {
      slow_started_ = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(700));
      (void)w.send(200, "text/plain", "slow done");
    });
  }

  void start(ServerOptions options = {}) {
    options.port = 0;
    options.access_log = [this](const AccessLogEntry& e) {
      const std::lock_guard lock(log_mu_);
      log_.push_back(e);
    };
    auto s = Server::start(std::move(options), std::move(router_));
    ASSERT_TRUE(s) << s.error().message;
    server_ = std::move(*s);
    port_ = server_->port();
  }
  void TearDown() override {
    if (server_) server_->stop(std::chrono::milliseconds(100));
  }

  Router router_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::atomic<bool> slow_started_{false};
  std::mutex log_mu_;
  std::vector<AccessLogEntry> log_;
};

TEST_F(ServerTest, RoutesExactAndParameterSegments) {
  start();
  auto r = fetch(port_, "GET", "/hello");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.header("cache-control"), "no-store");
  expect_security_headers(r);

  r = fetch(port_, "GET", "/items/a%20b?x=1&y=two+words&x=3&e=%26");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "id=a b;x=1;y=two words;x=3;e=&");
  EXPECT_EQ(fetch(port_, "GET", "/items/special").body, "literal");  // literal beats {id}
  EXPECT_EQ(fetch(port_, "DELETE", "/items/7").status, 204);
}

TEST_F(ServerTest, UnknownPathIs404JsonWithSecurityHeaders) {
  start();
  for (const char* target : {"/nope", "/items", "/items/", "/items/1/2", "/"}) {
    auto r = fetch(port_, "GET", target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_EQ(r.header("content-type"), "application/json");
    EXPECT_NE(r.body.find(R"({"error":{"code":"not_found")"), std::string::npos) << r.body;
    expect_security_headers(r);
  }
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
  start();
  auto r = fetch(port_, "PUT", "/items/1", "x");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "GET, HEAD, DELETE, OPTIONS");
  EXPECT_NE(r.body.find("method_not_allowed"), std::string::npos);
  expect_security_headers(r);
  EXPECT_EQ(fetch(port_, "BREW", "/hello").status, 501);
}

TEST_F(ServerTest, HeadIsServedByGetWithoutBody) {
  start();
  Client c(port_);
  auto r = c.request("HEAD", "/hello");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-length"), "5");
  EXPECT_EQ(r.body, "");
  // The connection is still in sync: no stray body bytes.
  auto r2 = c.request("GET", "/hello");
  EXPECT_EQ(r2.body, "hello");
}

TEST_F(ServerTest, OptionsAnswers204WithAllowAndNoCors) {
  start();
  auto r = fetch(port_, "OPTIONS", "/echo");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.header("allow"), "POST, OPTIONS");
  EXPECT_FALSE(r.has("access-control-allow-origin"));
  expect_security_headers(r);
}

TEST_F(ServerTest, CorsOnlyForConfiguredOrigins) {
  ServerOptions options;
  options.cors_origins = {"https://viewer.example.org"};
  start(options);
  const std::string allowed = "Origin: https://viewer.example.org\r\n";
  auto pre = fetch(port_, "OPTIONS", "/echo", "",
                   allowed + "Access-Control-Request-Method: POST\r\n");
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.header("access-control-allow-origin"), "https://viewer.example.org");
  EXPECT_EQ(pre.header("access-control-allow-methods"), "POST, OPTIONS");
  EXPECT_NE(pre.header("access-control-allow-headers").find("Authorization"), std::string::npos);
  auto r = fetch(port_, "GET", "/hello", "", allowed);
  EXPECT_EQ(r.header("access-control-allow-origin"), "https://viewer.example.org");
  EXPECT_EQ(r.header("vary"), "Origin");
  // Any other origin, or a near miss, gets nothing.
  for (const char* o : {"https://evil.example", "https://viewer.example.org.evil", "null"}) {
    auto x = fetch(port_, "GET", "/hello", "", std::string("Origin: ") + o + "\r\n");
    EXPECT_FALSE(x.has("access-control-allow-origin")) << o;
  }
}

TEST_F(ServerTest, DangerousPathsAre400) {
  start();
  for (const char* target : {"/items/a%2Fb", "/items/%2e%2e", "/items/..", "/items/a%00b",
                             "/items/%zz", "/items/a%2fb", "http://x/hello"}) {
    auto r = fetch(port_, "GET", target);
    EXPECT_EQ(r.status, 400) << target;
    expect_security_headers(r);
  }
}

TEST_F(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  start();
  Client c(port_);
  auto a = c.request("GET", "/hello");
  auto b = c.request("GET", "/items/9");
  ASSERT_TRUE(a.ok && b.ok) << a.error << b.error;
  EXPECT_EQ(a.body, "hello");
  EXPECT_EQ(b.body, "id=9");
  EXPECT_NE(a.header("x-request-id"), b.header("x-request-id"));
  auto e = c.request("POST", "/echo", "abc");
  auto d = c.request("GET", "/hello");
  EXPECT_EQ(e.body, "abc");
  EXPECT_EQ(d.status, 200);
}

TEST_F(ServerTest, ChunkedRequestBody) {
  start();
  Client c(port_);
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\n\r\n"));
  auto r = c.read();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello world");
  EXPECT_EQ(c.request("GET", "/hello").body, "hello");  // still alive after a chunked body
}

TEST_F(ServerTest, MalformedChunkingIsRefused) {
  start();
  Client c(port_);
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "zz\r\nhello\r\n0\r\n\r\n"));
  auto r = c.read();
  // The handler's read fails; it answers nothing, so the framework answers 500 and closes.
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_GE(r.status, 400);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(ServerTest, BodyOverRouteLimitIs413AndCloses) {
  start();
  {  // declared length
    Client c(port_);
    auto r = c.request("POST", "/echo", std::string(5000, 'x'));
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 413);
    EXPECT_NE(r.body.find("payload_too_large"), std::string::npos);
    expect_security_headers(r);
    EXPECT_EQ(r.header("connection"), "close");
    EXPECT_TRUE(c.closed_by_peer());
  }
  {  // chunked: found while reading
    Client c(port_);
    std::string raw = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 5; ++i) raw += "200\r\n" + std::string(512, 'y') + "\r\n";
    raw += "0\r\n\r\n";
    ASSERT_TRUE(c.send(raw));
    auto r = c.read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 413);
    expect_security_headers(r);
    EXPECT_TRUE(c.closed_by_peer());
  }
  EXPECT_EQ(fetch(port_, "POST", "/echo", std::string(1000, 'z')).body.size(), 1000u);
}

TEST_F(ServerTest, HeaderTooLargeIs431) {
  ServerOptions o;
  o.max_header_bytes = 2048;
  start(o);
  Client c(port_);
  auto r = c.request("GET", "/hello", "", "X-Big: " + std::string(4000, 'a') + "\r\n");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 431);
  expect_security_headers(r);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(ServerTest, SlowHeaderIsCutOffAtHeaderTimeout) {
  ServerOptions o;
  o.header_timeout = std::chrono::seconds(1);
  start(o);
  Client c(port_);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHost: x\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  (void)c.send("X-A: 1\r\n");  // trickling bytes does not extend the deadline
  EXPECT_TRUE(c.closed_by_peer());
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_LT(took, std::chrono::seconds(4));
}

TEST_F(ServerTest, IdleKeptAliveConnectionIsClosed) {
  ServerOptions o;
  o.idle_timeout = std::chrono::seconds(1);
  start(o);
  Client c(port_);
  EXPECT_EQ(c.request("GET", "/hello").status, 200);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));
}

TEST_F(ServerTest, HandlerFailuresAre500Json) {
  start();
  for (const char* target : {"/throw", "/silent", "/owned-header"}) {
    auto r = fetch(port_, "GET", target);
    ASSERT_TRUE(r.ok) << target << r.error;
    EXPECT_EQ(r.status, 500) << target;
    EXPECT_NE(r.body.find(R"({"error":{"code":"internal")"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("secret"), std::string::npos);
    expect_security_headers(r);
  }
}

TEST_F(ServerTest, HandlerCacheControlAndCookies) {
  start();
  auto r = fetch(port_, "GET", "/cached", "", "Cookie: a=1; sid=\"s3\"; b=2\r\n");
  EXPECT_EQ(r.header("cache-control"), "max-age=60");
  EXPECT_EQ(r.body, "s3");
}

TEST_F(ServerTest, StreamedResponseIsChunked) {
  start();
  Client c(port_);
  auto r = c.request("GET", "/stream");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.header("transfer-encoding"), "chunked");
  EXPECT_EQ(r.body, "part;part;part;");
  EXPECT_EQ(c.request("GET", "/hello").body, "hello");
}

TEST_F(ServerTest, ExpectContinueIsHonoured) {
  start();
  Client c(port_);
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.read();
  ASSERT_TRUE(interim.ok) << interim.error;
  EXPECT_EQ(interim.status, 100);
  ASSERT_TRUE(c.send("ping"));
  auto r = c.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ping");
}

TEST_F(ServerTest, AccessLogHasRoutePatternNotPath) {
  start();
  (void)fetch(port_, "GET", "/items/SECRET-UID");
  (void)fetch(port_, "GET", "/nope");
  server_->stop(std::chrono::milliseconds(100));
  const std::lock_guard lock(log_mu_);
  ASSERT_EQ(log_.size(), 2u);
  // Entries are written after the answer, so their order across requests is not fixed.
  std::sort(log_.begin(), log_.end(), [](const auto& a, const auto& b) { return a.status < b.status; });
  EXPECT_EQ(log_[0].route, "/items/{id}");
  EXPECT_EQ(log_[0].status, 200);
  EXPECT_EQ(log_[0].method, "GET");
  EXPECT_EQ(log_[0].remote_ip, "127.0.0.1");
  EXPECT_EQ(log_[1].status, 404);
  EXPECT_EQ(log_[1].route, "");
}

TEST_F(ServerTest, GracefulStopFinishesInFlightAndRefusesNew) {
  start();
  test::Response slow;
  std::thread client([&] { slow = fetch(port_, "GET", "/slow"); });
  while (!slow_started_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  Client idle(port_);  // connected, no request yet: closed at once
  const auto t0 = std::chrono::steady_clock::now();
  std::thread stopper([&] { server_->stop(std::chrono::seconds(5)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Client late(port_);
  EXPECT_FALSE(late.connected() && late.request("GET", "/hello").ok);
  EXPECT_TRUE(idle.closed_by_peer());
  client.join();
  stopper.join();
  EXPECT_EQ(slow.status, 200);
  EXPECT_EQ(slow.body, "slow done");
  EXPECT_EQ(slow.header("connection"), "close");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

TEST_F(ServerTest, StopAfterGraceCutsAHangingRequest) {
  router_.add(Method::kPost, "/upload", [](Request& r, ResponseWriter& w) {
    std::byte buf[1024];
    while (true) {
      auto n = r.body().read(buf);
      if (!n || *n == 0) break;
    }
    (void)w.send(200, "text/plain", "ok");
  });
  start();
  Client c(port_);
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto t0 = std::chrono::steady_clock::now();
  server_->stop(std::chrono::milliseconds(300));
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST_F(ServerTest, ConnectionsBeyondTheLimitAreClosed) {
  ServerOptions o;
  o.max_connections = 2;
  start(o);
  Client a(port_), b(port_);
  EXPECT_EQ(a.request("GET", "/hello").status, 200);
  EXPECT_EQ(b.request("GET", "/hello").status, 200);
  Client c(port_);
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(a.request("GET", "/hello").status, 200);  // the others still work
}

TEST_F(ServerTest, StalledBodyFailsTheReadAtBodyTimeout) {
  std::atomic<int> code{-1};
  router_.add(Method::kPost, "/upload", [&code](Request& r, ResponseWriter&) {
    std::byte buf[64];
    for (;;) {
      auto n = r.body().read(buf);
      if (!n) {
        code = static_cast<int>(n.error().code);
        return;
      }
      if (*n == 0) return;
    }
  });
  ServerOptions o;
  o.body_timeout = std::chrono::seconds(1);
  start(o);
  Client c(port_);
  ASSERT_TRUE(c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"));
  EXPECT_TRUE(c.closed_by_peer());
  // The socket closes at the timeout; the handler thread learns of it just after.
  for (int i = 0; i < 200 && code == -1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(code, static_cast<int>(ErrorCode::kIoError));
}

TEST_F(ServerTest, SigtermStopsTheServer) {
  start();
  StopOnSignal::install(*server_, std::chrono::milliseconds(500));
  EXPECT_EQ(fetch(port_, "GET", "/hello").status, 200);
  std::thread waiter([this] { server_->wait(); });
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  waiter.join();  // returns only once the signal stopped the server
  Client late(port_);
  EXPECT_FALSE(late.connected() && late.request("GET", "/hello").ok);
}

TEST(RouterTest, RejectsBadPatternsAndDuplicates) {
  Router a;
  a.add(Method::kGet, "nope", [](Request&, ResponseWriter&) {});
  EXPECT_FALSE(a.validate());
  Router b;
  b.add(Method::kGet, "/x/{a", [](Request&, ResponseWriter&) {});
  EXPECT_FALSE(b.validate());
  Router c;
  c.add(Method::kGet, "/x", [](Request&, ResponseWriter&) {});
  c.add(Method::kGet, "/x", [](Request&, ResponseWriter&) {});
  EXPECT_FALSE(c.validate());
  ServerOptions o;
  o.port = 0;
  EXPECT_FALSE(Server::start(o, c));
}

}  // namespace
}  // namespace custos::http
