// ResponseWriter (see response.h): validates what the handler sets, gathers small writes,
// and hands whole chunks to the connection.
#include "net/http/response.h"

#include <algorithm>
#include <cctype>

#include "net/http/exchange.h"
#include "net/http/wire.h"

namespace custos::http {
namespace {

constexpr std::size_t kFlushBytes = 64 * 1024;

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

}  // namespace

void ResponseWriter::set_header(std::string_view name, std::string_view value) {
  if (!misuse_.empty()) return;
  if (started_) {
    misuse_ = "header set after the response started: " + std::string(name);
  } else if (!is_token(name)) {
    misuse_ = "invalid header name";
  } else if (is_framework_header(name)) {
    misuse_ = "header " + std::string(name) + " is set by the server, not by handlers";
  } else if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    misuse_ = "control character in the value of header " + std::string(name);
  } else {
    headers_.emplace_back(name, value);
  }
}

bool ResponseWriter::has_header(std::string_view name) const {
  return std::any_of(headers_.begin(), headers_.end(),
                     [&](const auto& h) { return iequals(h.first, name); });
}

Status ResponseWriter::send(int status, std::string_view content_type, std::string_view body) {
  if (started_) return fail(ErrorCode::kInvalidArgument, "response already started");
  status_ = status;
  if (!content_type.empty()) set_header("Content-Type", content_type);
  content_length_ = body.size();
  if (auto s = begin(); !s) return s;
  if (auto s = write(body); !s) return s;
  return end();
}

Status ResponseWriter::begin() {
  if (started_) return fail(ErrorCode::kInvalidArgument, "response already started");
  if (!misuse_.empty()) return fail(ErrorCode::kInvalidArgument, misuse_);
  if (status_ < 200 || status_ > 599) {
    return fail(ErrorCode::kInvalidArgument, "invalid status " + std::to_string(status_));
  }
  started_ = true;
  return exchange_->write_head(status_, headers_, content_length_);
}

Status ResponseWriter::write(std::string_view data) {
  return write(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data.data()),
                                          data.size()));
}

Status ResponseWriter::admit(std::size_t n) {
  if (!started_) {
    if (auto s = begin(); !s) return s;
  }
  if (ended_ || cut_) return fail(ErrorCode::kInvalidArgument, "response already ended");
  if (content_length_ && bytes_out_ + n > *content_length_) {
    exchange_->force_close();
    return fail(ErrorCode::kInvalidArgument, "more body bytes than the Content-Length");
  }
  bytes_out_ += n;
  return {};
}

Status ResponseWriter::write(std::span<const std::byte> data) {
  if (auto s = admit(data.size()); !s) return s;
  if (head_only_ || data.empty()) return {};
  if (pending_.size() + data.size() <= kFlushBytes) {
    pending_.append(reinterpret_cast<const char*>(data.data()), data.size());
    return {};
  }
  if (auto s = flush(); !s) return s;
  if (data.size() >= kFlushBytes) return exchange_->write_body(data);
  pending_.append(reinterpret_cast<const char*>(data.data()), data.size());
  return {};
}

Status ResponseWriter::write_while(std::span<const std::byte> data,
                                   const std::function<Status()>& check) {
  if (auto s = admit(data.size()); !s) return s;
  Status s;
  if (head_only_ || data.empty()) {
    s = check();
  } else if (s = flush(); s) {
    s = exchange_->write_body_while(data, check);
  }
  if (!s) {
    exchange_->force_close();
    cut_ = true;  // nothing may complete this response now
  }
  return s;
}

Status ResponseWriter::flush() {
  if (pending_.empty()) return {};
  const auto s = exchange_->write_body(
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(pending_.data()), pending_.size()));
  pending_.clear();
  return s;
}

Status ResponseWriter::end() {
  if (cut_) return fail(ErrorCode::kIoError, "the response was cut off");
  if (!started_) {
    if (auto s = begin(); !s) return s;
  }
  if (ended_) return {};
  ended_ = true;
  if (auto s = flush(); !s) return s;
  if (content_length_ && bytes_out_ != *content_length_ && !head_only_) {
    exchange_->force_close();
    return fail(ErrorCode::kInvalidArgument, "fewer body bytes than the Content-Length");
  }
  return exchange_->finish_body();
}

Status ResponseWriter::error(int status, std::string_view code, std::string_view message) {
  return send(status, "application/json", error_json(code, message));
}

}  // namespace custos::http
