// MultipartParser on every split of the input, malformed bodies, the writer round trip,
// media types and Accept ordering.
#include "net/http/multipart.h"

#include <gtest/gtest.h>

namespace custos::http {
namespace {

struct Collected {
  std::vector<std::string> bodies;
  std::vector<PartHeaders> headers;
  int ends = 0;
};

MultipartParser::Callbacks collect(Collected* c) {
  return {[c](const PartHeaders& h) {
            c->headers.push_back(h);
            c->bodies.emplace_back();
            return Status{};
          },
          [c](std::span<const std::byte> d) {
            c->bodies.back().append(reinterpret_cast<const char*>(d.data()), d.size());
            return Status{};
          },
          [c] {
            ++c->ends;
            return Status{};
          }};
}

const std::string kBody =
    "preamble to ignore\r\n"
    "--b0undary\r\n"
    "Content-Type: application/dicom\r\n"
    "Content-Location:  /x/1 \r\n"
    "\r\n"
    "DICM\r\n--b0undar not yet\r\nx--b0undary\r\n"
    "--b0undary  \r\n"
    "\r\n"
    "\r\n"
    "--b0undary--\r\n"
    "epilogue --b0undary\r\n";

Status parse_in_pieces(const std::string& body, std::size_t piece, Collected* c,
                       MultipartLimits limits = {}) {
  auto p = MultipartParser::create("b0undary", collect(c), limits);
  if (!p) return fail(p.error());
  for (std::size_t i = 0; i < body.size(); i += piece) {
    if (auto s = p->feed(std::string_view(body).substr(i, piece)); !s) return s;
  }
  return p->finish();
}

TEST(MultipartParser, SameResultForEverySplit) {
  for (std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7},
                            std::size_t{13}, kBody.size()}) {
    Collected c;
    ASSERT_TRUE(parse_in_pieces(kBody, piece, &c)) << piece;
    ASSERT_EQ(c.bodies.size(), 2u) << piece;
    EXPECT_EQ(c.ends, 2);
    EXPECT_EQ(c.bodies[0], "DICM\r\n--b0undar not yet\r\nx--b0undary") << piece;
    EXPECT_EQ(c.bodies[1], "");
    EXPECT_EQ(c.headers[0].get("content-type"), "application/dicom");
    EXPECT_EQ(c.headers[0].get("content-location"), "/x/1");
    EXPECT_TRUE(c.headers[1].fields.empty());
  }
  // Every two-way split too.
  for (std::size_t cut = 0; cut <= kBody.size(); ++cut) {
    Collected c;
    auto p = MultipartParser::create("b0undary", collect(&c));
    ASSERT_TRUE(p);
    ASSERT_TRUE(p->feed(std::string_view(kBody).substr(0, cut)));
    ASSERT_TRUE(p->feed(std::string_view(kBody).substr(cut)));
    ASSERT_TRUE(p->finish());
    EXPECT_EQ(c.bodies.at(0), "DICM\r\n--b0undar not yet\r\nx--b0undary") << cut;
  }
}

TEST(MultipartParser, BoundaryOnFirstLineWithoutPreamble) {
  Collected c;
  ASSERT_TRUE(parse_in_pieces("--b0undary\r\nA: 1\r\n\r\nxyz\r\n--b0undary--", 1, &c));
  ASSERT_EQ(c.bodies.size(), 1u);
  EXPECT_EQ(c.bodies[0], "xyz");
}

TEST(MultipartParser, MalformedInputsAreRejected) {
  MultipartLimits small;
  small.max_preamble_bytes = 100;
  small.max_headers = 2;
  small.max_header_bytes = 64;
  const std::pair<const char*, std::string> cases[] = {
      {"missing boundary", std::string(50, 'x')},
      {"late boundary", std::string(200, 'x') + "\r\n--b0undary\r\n\r\nx\r\n--b0undary--"},
      {"truncated body", "--b0undary\r\n\r\nabc"},
      {"truncated headers", "--b0undary\r\nA: 1\r\n"},
      {"junk after boundary", "--b0undary junk\r\n\r\nx\r\n--b0undary--"},
      {"too many headers", "--b0undary\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\nx\r\n--b0undary--"},
      {"header too long", "--b0undary\r\nA: " + std::string(100, 'a') + "\r\n\r\nx\r\n--b0undary--"},
      {"header line without colon", "--b0undary\r\nnocolon\r\n\r\nx\r\n--b0undary--"},
      {"folded header", "--b0undary\r\nA: 1\r\n  folded\r\n\r\nx\r\n--b0undary--"},
  };
  for (const auto& [name, body] : cases) {
    for (std::size_t piece : {std::size_t{1}, body.size()}) {
      Collected c;
      const auto s = parse_in_pieces(body, piece, &c, small);
      ASSERT_FALSE(s) << name;
      EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument) << name;
    }
  }
  EXPECT_FALSE(MultipartParser::create("", {}));
  EXPECT_FALSE(MultipartParser::create(std::string(71, 'a'), {}));
  EXPECT_FALSE(MultipartParser::create("bad\r\n", {}));
}

TEST(MultipartParser, CallbackErrorStopsParsing) {
  auto p = MultipartParser::create("b", {[](const PartHeaders&) {
                                           return Status(fail(ErrorCode::kRejected, "no"));
                                         },
                                         {}, {}});
  ASSERT_TRUE(p);
  const auto s = p->feed(std::string_view("--b\r\n\r\nx\r\n--b--"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kRejected);
  EXPECT_FALSE(p->feed(std::string_view("more")));
}

TEST(MediaType, ParsesParametersAndQuotes) {
  auto m = parse_media_type(R"(Multipart/Related; Type="application/dicom"; boundary="a \"b\"";x=1)");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->type, "multipart");
  EXPECT_EQ(m->subtype, "related");
  EXPECT_EQ(m->params["type"], "application/dicom");
  EXPECT_EQ(m->params["boundary"], "a \"b\"");
  EXPECT_EQ(m->params["x"], "1");
  EXPECT_EQ(*MultipartParser::boundary_of(*m), "a \"b\"");
  for (const char* bad : {"", "text", "text/", "/plain", "text/plain; x", "text/plain; x=\"open",
                          "text/plain x=1", "text/plain; =1"}) {
    EXPECT_FALSE(parse_media_type(bad)) << bad;
  }
}

TEST(MediaType, AcceptIsSortedByQualityStably) {
  auto items = parse_accept(
      R"(multipart/related; type="application/dicom, odd", application/json;q=0.5, */*;q=0.1, )"
      R"(application/dicom+json, text/html;q=0, garbage, image/png;q=0.5, x/y;q=2)");
  ASSERT_EQ(items.size(), 5u);
  EXPECT_EQ(items[0].media.subtype, "related");
  EXPECT_EQ(items[0].media.params.at("type"), "application/dicom, odd");
  EXPECT_EQ(items[1].media.subtype, "dicom+json");
  EXPECT_EQ(items[2].media.subtype, "json");
  EXPECT_DOUBLE_EQ(items[2].q, 0.5);
  EXPECT_EQ(items[2].media.params.count("q"), 0u);
  EXPECT_EQ(items[3].media.subtype, "png");
  EXPECT_EQ(items[4].media.type, "*");
}

}  // namespace
}  // namespace custos::http
