// ResponseWriter::write_while: the bytes and what was gathered before them arrive whole when
// the check passes, with a Content-Length or chunked; a failed check cuts the answer off so
// the client never reads a complete response, and end() cannot complete it.
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "net/http/server.h"
#include "net/http/tests/test_client.h"

namespace custos::http {
namespace {

class WriteWhile : public ::testing::Test {
 protected:
  void SetUp() override {
    // /{mode}/{check}: mode "length" or "chunked"; check "pass" or "fail".
    router_.add(Method::kGet, "/{mode}/{check}", [this](Request& r, ResponseWriter& w) {
      const bool length = r.param("mode") == "length";
      const bool pass = r.param("check") == "pass";
      const std::string head = "head:";                 // gathered, goes with the body
      const std::string body(300 * 1024 + 7, 'x');      // larger than a flush
      const std::string tail = ":tail";
      if (length) w.set_content_length(head.size() + body.size() + tail.size());
      w.set_header("Content-Type", "text/plain");
      if (!w.write(head)) return;
      const auto s = w.write_while(std::as_bytes(std::span(body)), [&]() -> Status {
        ++checks_;
        if (pass) return {};
        return fail(ErrorCode::kCorruption, "the bytes do not match");
      });
      if (!s) {
        last_error_ = s.error().message;
        EXPECT_FALSE(w.end());  // nothing completes a cut-off answer
        EXPECT_FALSE(w.write(std::string_view("more")));
        return;
      }
      if (!w.write(tail)) return;
      (void)w.end();
    });
    ServerOptions o;
    o.port = 0;
    o.access_log = nullptr;
    auto server = Server::start(o, std::move(router_));
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
  }
  void TearDown() override {
    if (server_) server_->stop(std::chrono::milliseconds(100));
  }

  Router router_;
  std::unique_ptr<Server> server_;
  std::atomic<int> checks_{0};
  std::string last_error_;
};

TEST_F(WriteWhile, PassingCheckDeliversEverythingInOrder) {
  for (const std::string mode : {"length", "chunked"}) {
    auto r = test::fetch(server_->port(), "GET", "/" + mode + "/pass");
    ASSERT_TRUE(r.ok) << mode << ": " << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "head:" + std::string(300 * 1024 + 7, 'x') + ":tail") << mode;
    EXPECT_EQ(r.has("content-length"), mode == "length");
  }
  EXPECT_EQ(checks_.load(), 2);
}

TEST_F(WriteWhile, FailingCheckCutsTheAnswerOff) {
  for (const std::string mode : {"length", "chunked"}) {
    auto r = test::fetch(server_->port(), "GET", "/" + mode + "/fail");
    EXPECT_FALSE(r.ok) << mode << ": a complete answer of " << r.body.size() << " bytes";
    EXPECT_LT(r.body.size(), 300u * 1024 + 12) << mode;
  }
  EXPECT_EQ(checks_.load(), 2);
  EXPECT_EQ(last_error_, "the bytes do not match");
}

}  // namespace
}  // namespace custos::http
