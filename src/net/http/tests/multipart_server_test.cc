// Multipart through a real server: an upload parsed as it streams in, and a
// multipart/related download read back with the parser.
#include <gtest/gtest.h>

#include "net/http/multipart.h"
#include "net/http/server.h"
#include "net/http/tests/test_client.h"

namespace custos::http {
namespace {

TEST(MultipartServer, UploadParsedWhileStreamingAndDownloadRoundTrips) {
  Router router;
  router.add(Method::kPost, "/stow", [](Request& r, ResponseWriter& w) {
    auto type = parse_media_type(r.header("content-type").value_or(""));
    if (!type) return (void)w.error(415, "unsupported_media_type", type.error().message);
    auto boundary = MultipartParser::boundary_of(*type);
    if (!boundary) return (void)w.error(400, "bad_request", boundary.error().message);
    std::string summary;
    auto parser = MultipartParser::create(
        *boundary, {[&](const PartHeaders& h) {
                      summary += "[" + std::string(h.get("content-type").value_or("?")) + ":";
                      return Status{};
                    },
                    [&](std::span<const std::byte> d) {
                      summary += std::to_string(d.size()) + ",";
                      return Status{};
                    },
                    [&] {
                      summary += "]";
                      return Status{};
                    }});
    std::byte buf[7];  // tiny reads: parts arrive split anywhere
    for (;;) {
      auto n = r.body().read(buf);
      if (!n) return;
      if (*n == 0) break;
      if (auto s = parser->feed(std::span<const std::byte>(buf, *n)); !s) {
        return (void)w.error(400, "bad_request", s.error().message);
      }
    }
    if (auto s = parser->finish(); !s) return (void)w.error(400, "bad_request", s.error().message);
    (void)w.send(200, "text/plain", summary);
  });
  router.add(Method::kGet, "/wado", [](Request&, ResponseWriter& w) {
    MultipartWriter out(w, "related", {{"type", "application/dicom"}});
    if (!out.begin()) return;
    for (int i = 0; i < 3; ++i) {
      if (!out.begin_part({{"Content-Type", "application/dicom"}})) return;
      if (!out.write(std::string(1000 * (i + 1), static_cast<char>('a' + i)))) return;
    }
    (void)out.end();
  });
  ServerOptions o;
  o.port = 0;
  o.access_log = nullptr;
  auto server = Server::start(o, std::move(router));
  ASSERT_TRUE(server) << server.error().message;
  const auto port = (*server)->port();

  const std::string body =
      "--zz\r\nContent-Type: application/dicom\r\n\r\n" + std::string(30, 'x') +
      "\r\n--zz\r\nContent-Type: text/plain\r\n\r\nhi\r\n--zz--\r\n";
  auto r = test::fetch(port, "POST", "/stow", body,
                       "Content-Type: multipart/related; type=\"application/dicom\"; boundary=zz\r\n");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, 200) << r.body;
  // Data arrives in pieces; only the sequence of parts and their total matter.
  EXPECT_EQ(r.body.substr(0, 18), "[application/dicom");
  EXPECT_NE(r.body.find("][text/plain:"), std::string::npos) << r.body;
  auto bad = test::fetch(port, "POST", "/stow", "--zz\r\n\r\nabc",
                         "Content-Type: multipart/related; boundary=zz\r\n");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("closing boundary"), std::string::npos) << bad.body;

  auto d = test::fetch(port, "GET", "/wado");
  ASSERT_TRUE(d.ok) << d.error;
  auto type = parse_media_type(d.header("content-type"));
  ASSERT_TRUE(type);
  EXPECT_EQ(type->params["type"], "application/dicom");
  auto boundary = MultipartParser::boundary_of(*type);
  ASSERT_TRUE(boundary);
  EXPECT_GE(boundary->size(), 40u);
  std::vector<std::string> parts;
  auto parser = MultipartParser::create(*boundary, {[&](const PartHeaders&) {
                                                      parts.emplace_back();
                                                      return Status{};
                                                    },
                                                    [&](std::span<const std::byte> s) {
                                                      parts.back().append(
                                                          reinterpret_cast<const char*>(s.data()), s.size());
                                                      return Status{};
                                                    },
                                                    {}});
  ASSERT_TRUE(parser->feed(d.body));
  ASSERT_TRUE(parser->finish());
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2], std::string(3000, 'c'));
  (*server)->stop(std::chrono::milliseconds(100));
}

TEST(MultipartServer, KnownLengthBodyMatchesItsContentLengthForAnyNumberOfParts) {
  Router router;
  router.add(Method::kGet, "/wado/{n}", [](Request& r, ResponseWriter& w) {
    const int n = std::stoi(std::string(r.param("n")));
    MultipartWriter out(w, "related", {{"type", "application/dicom"}});
    std::vector<MultipartWriter::PartShape> shapes;
    for (int i = 0; i < n; ++i) {
      shapes.push_back({{{"Content-Type", "application/dicom"},
                         {"Content-Length", std::to_string(70000 * i + 1)}},
                        static_cast<std::uint64_t>(70000 * i + 1)});
    }
    if (!out.begin(out.encoded_length(shapes))) return;
    for (int i = 0; i < n; ++i) {
      if (!out.begin_part(shapes[static_cast<std::size_t>(i)].headers)) return;
      if (!out.write(std::string(70000 * static_cast<std::size_t>(i) + 1, 'a'))) return;
    }
    (void)out.end();
  });
  ServerOptions o;
  o.port = 0;
  o.access_log = nullptr;
  auto server = Server::start(o, std::move(router));
  ASSERT_TRUE(server) << server.error().message;
  for (const int n : {0, 1, 3}) {
    auto d = test::fetch((*server)->port(), "GET", "/wado/" + std::to_string(n));
    ASSERT_TRUE(d.ok) << d.error;
    EXPECT_EQ(d.status, 200);
    // Sent with a length, not chunked, and the length is the body's.
    EXPECT_EQ(d.header("transfer-encoding"), "") << n;
    EXPECT_EQ(d.header("content-length"), std::to_string(d.body.size())) << n;
    auto type = parse_media_type(d.header("content-type"));
    ASSERT_TRUE(type);
    auto boundary = MultipartParser::boundary_of(*type);
    ASSERT_TRUE(boundary);
    std::size_t parts = 0;
    auto parser = MultipartParser::create(*boundary, {[&](const PartHeaders&) {
                                                        ++parts;
                                                        return Status{};
                                                      },
                                                      {},
                                                      {}});
    ASSERT_TRUE(parser->feed(d.body));
    EXPECT_TRUE(parser->finish()) << n;
    EXPECT_EQ(parts, static_cast<std::size_t>(n));
  }
  (*server)->stop(std::chrono::milliseconds(100));
}

}  // namespace
}  // namespace custos::http
