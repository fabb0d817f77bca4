#include "api/multipart_reader.h"

#include <cstring>

namespace custos::api {

Result<std::unique_ptr<MultipartReader>> MultipartReader::open(http::BodyReader& body,
                                                               std::string boundary) {
  std::unique_ptr<MultipartReader> r(new MultipartReader(body));
  MultipartReader* self = r.get();
  http::MultipartParser::Callbacks cb;
  cb.on_part_begin = [self](const http::PartHeaders& h) {
    self->events_.push_back({Event::Kind::kBegin, h, {}, 0});
    return Status{};
  };
  cb.on_part_data = [self](std::span<const std::byte> d) {
    if (!self->events_.empty() && self->events_.back().kind == Event::Kind::kData) {
      auto& data = self->events_.back().data;
      data.insert(data.end(), d.begin(), d.end());
    } else {
      self->events_.push_back({Event::Kind::kData, {}, {d.begin(), d.end()}, 0});
    }
    return Status{};
  };
  cb.on_part_end = [self] {
    self->events_.push_back({Event::Kind::kEnd, {}, {}, 0});
    return Status{};
  };
  auto parser = http::MultipartParser::create(boundary, std::move(cb));
  if (!parser) return fail(parser.error());
  r->parser_.emplace(std::move(*parser));
  r->chunk_.resize(256 * 1024);
  return r;
}

Result<bool> MultipartReader::pump() {
  if (body_done_) return false;
  auto n = body_.read(chunk_);
  if (!n) return fail(n.error());
  if (*n == 0) {
    body_done_ = true;
    if (auto s = parser_->finish(); !s) return fail(s.error());
    return false;
  }
  if (auto s = parser_->feed(std::span(chunk_).first(*n)); !s) return fail(s.error());
  return true;
}

Result<std::optional<http::PartHeaders>> MultipartReader::next_part() {
  for (;;) {
    while (!events_.empty()) {
      Event e = std::move(events_.front());
      events_.pop_front();
      if (e.kind == Event::Kind::kBegin) {
        in_part_ = true;
        return std::optional<http::PartHeaders>(std::move(e.headers));
      }
      if (e.kind == Event::Kind::kEnd) in_part_ = false;
    }
    auto more = pump();
    if (!more) return fail(more.error());
    if (!*more && events_.empty()) return std::optional<http::PartHeaders>();
  }
}

Result<std::size_t> MultipartReader::read(std::span<std::byte> buf) {
  for (;;) {
    if (!in_part_) return std::size_t{0};
    if (!events_.empty()) {
      Event& e = events_.front();
      if (e.kind == Event::Kind::kEnd) {
        events_.pop_front();
        in_part_ = false;
        return std::size_t{0};
      }
      if (e.kind == Event::Kind::kData) {
        const std::size_t n = std::min(buf.size(), e.data.size() - e.taken);
        std::memcpy(buf.data(), e.data.data() + e.taken, n);
        e.taken += n;
        if (e.taken == e.data.size()) events_.pop_front();
        if (n > 0) return n;
        continue;
      }
      // A begin before this part's end cannot happen: the parser ends parts first.
      return fail(ErrorCode::kInternal, "multipart part without an end");
    }
    auto more = pump();
    if (!more) return fail(more.error());
    if (!*more && events_.empty()) {
      return fail(ErrorCode::kInvalidArgument, "the request body ended inside a part");
    }
  }
}

std::string disposition_filename(std::string_view value) {
  // filename="a/b.dcm" or filename=a.dcm; filename* (RFC 5987) is not needed by browsers'
  // form uploads, which send UTF-8 in filename.
  std::size_t pos = 0;
  while ((pos = value.find("filename", pos)) != std::string_view::npos) {
    std::size_t i = pos + 8;
    pos = i;
    while (i < value.size() && value[i] == ' ') ++i;
    if (i >= value.size() || value[i] != '=') continue;
    ++i;
    while (i < value.size() && value[i] == ' ') ++i;
    std::string out;
    if (i < value.size() && value[i] == '"') {
      for (++i; i < value.size() && value[i] != '"'; ++i) {
        if (value[i] == '\\' && i + 1 < value.size()) ++i;
        out += value[i];
      }
    } else {
      while (i < value.size() && value[i] != ';' && value[i] != ' ') out += value[i++];
    }
    return out;
  }
  return "";
}

}  // namespace custos::api
