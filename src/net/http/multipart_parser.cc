// Streaming multipart parser (see multipart.h).
#include <algorithm>
#include <cctype>

#include "net/http/multipart.h"

namespace custos::http {
namespace {

bool bchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string_view> PartHeaders::get(std::string_view lower_name) const {
  for (const auto& [k, v] : fields) {
    if (k == lower_name) return std::string_view(v);
  }
  return std::nullopt;
}

Result<MultipartParser> MultipartParser::create(std::string_view boundary, Callbacks callbacks,
                                                MultipartLimits limits) {
  if (boundary.empty() || boundary.size() > 70 || boundary.back() == ' ' ||
      !std::all_of(boundary.begin(), boundary.end(), bchar)) {
    return fail(ErrorCode::kInvalidArgument, "invalid multipart boundary");
  }
  return MultipartParser("\r\n--" + std::string(boundary), std::move(callbacks), limits);
}

Result<std::string> MultipartParser::boundary_of(const MediaType& content_type) {
  if (content_type.type != "multipart") {
    return fail(ErrorCode::kInvalidArgument, "not a multipart content type");
  }
  const auto it = content_type.params.find("boundary");
  if (it == content_type.params.end()) {
    return fail(ErrorCode::kInvalidArgument, "multipart content type without a boundary");
  }
  return it->second;
}

MultipartParser::MultipartParser(std::string delimiter, Callbacks callbacks, MultipartLimits limits)
    : delimiter_(std::move(delimiter)), cb_(std::move(callbacks)), limits_(limits) {
  buf_ = "\r\n";  // so that a boundary on the very first line is found like any other
}

Status MultipartParser::error(std::string message) {
  state_ = State::kError;
  error_ = Error{ErrorCode::kInvalidArgument, "multipart body: " + std::move(message)};
  return fail(error_);
}

Status MultipartParser::emit(std::size_t n) {
  if (n == 0) return {};
  const auto* p = reinterpret_cast<const std::byte*>(buf_.data() + pos_);
  pos_ += n;
  if (!cb_.on_part_data) return {};
  return cb_.on_part_data(std::span<const std::byte>(p, n));
}

Status MultipartParser::feed(std::span<const std::byte> data) {
  if (state_ == State::kError) return fail(error_);
  if (state_ == State::kEpilogue) return {};
  buf_.append(reinterpret_cast<const char*>(data.data()), data.size());
  bool progressed = true;
  while (progressed && state_ != State::kError && state_ != State::kEpilogue) {
    progressed = false;
    if (auto s = step(&progressed); !s) {
      if (state_ != State::kError) {
        state_ = State::kError;
        error_ = s.error();
      }
      return s;
    }
  }
  buf_.erase(0, pos_);
  pos_ = 0;
  if (state_ == State::kEpilogue) buf_.clear();
  return {};
}

Status MultipartParser::step(bool* progressed) {
  const std::string_view avail = std::string_view(buf_).substr(pos_);
  switch (state_) {
    case State::kPreamble: {
      const auto at = avail.find(delimiter_);
      if (at == std::string_view::npos) {
        const std::size_t keep = std::min(avail.size(), delimiter_.size() - 1);
        preamble_ += avail.size() - keep;
        pos_ += avail.size() - keep;
        if (preamble_ > limits_.max_preamble_bytes) {
          return error("no boundary in the first " + std::to_string(limits_.max_preamble_bytes) + " bytes");
        }
        return {};
      }
      preamble_ += at;
      if (preamble_ > limits_.max_preamble_bytes) return error("the first boundary comes too late");
      pos_ += at + delimiter_.size();
      state_ = State::kAfterDelimiter;
      *progressed = true;
      return {};
    }
    case State::kAfterDelimiter: {
      if (avail.size() < 2) return {};
      if (avail.substr(0, 2) == "--") {
        pos_ = buf_.size();
        state_ = State::kEpilogue;
        *progressed = true;
        return {};
      }
      std::size_t i = 0;
      while (i < avail.size() && (avail[i] == ' ' || avail[i] == '\t')) ++i;
      if (i > 256) return error("too much padding after a boundary");
      if (avail.size() < i + 2) return {};
      if (avail.substr(i, 2) != "\r\n") return error("unexpected bytes after a boundary");
      pos_ += i + 2;
      if (++parts_ > limits_.max_parts) return error("too many parts");
      headers_ = PartHeaders{};
      header_bytes_ = 0;
      state_ = State::kHeaders;
      *progressed = true;
      return {};
    }
    case State::kHeaders: {
      const auto eol = avail.find("\r\n");
      if (eol == std::string_view::npos) {
        if (header_bytes_ + avail.size() > limits_.max_header_bytes) return error("part header too long");
        return {};
      }
      header_bytes_ += eol + 2;
      if (header_bytes_ > limits_.max_header_bytes) return error("part header too long");
      const std::string_view line = avail.substr(0, eol);
      pos_ += eol + 2;
      *progressed = true;
      if (line.empty()) {
        state_ = State::kBody;
        return cb_.on_part_begin ? cb_.on_part_begin(headers_) : Status{};
      }
      if (line.front() == ' ' || line.front() == '\t') return error("folded part header");
      const auto colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) return error("malformed part header");
      if (headers_.fields.size() >= limits_.max_headers) return error("too many part headers");
      std::string name(trim(line.substr(0, colon)));
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name.empty() || name.find_first_of(" \t") != std::string::npos) return error("malformed part header");
      headers_.fields.emplace_back(std::move(name), std::string(trim(line.substr(colon + 1))));
      return {};
    }
    case State::kBody: {
      const auto at = avail.find(delimiter_);
      if (at == std::string_view::npos) {
        const std::size_t keep = std::min(avail.size(), delimiter_.size() - 1);
        return emit(avail.size() - keep);
      }
      if (auto s = emit(at); !s) return s;
      pos_ += delimiter_.size();
      state_ = State::kAfterDelimiter;
      *progressed = true;
      return cb_.on_part_end ? cb_.on_part_end() : Status{};
    }
    case State::kEpilogue:
    case State::kError:
      return {};
  }
  return {};
}

Status MultipartParser::finish() {
  switch (state_) {
    case State::kEpilogue: return {};
    case State::kError: return fail(error_);
    case State::kPreamble: return error("no boundary found");
    default: return error("the body ended before the closing boundary");
  }
}

}  // namespace custos::http
