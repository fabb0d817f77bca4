// The request loop of a connection (included by connection.h).
#pragma once

namespace custos::http::detail {

template <class Stream>
asio::awaitable<void> Connection<Stream>::serve() {
  beast::error_code ec;
  const auto& opt = core_.options;
  if constexpr (kTls) {
    expire(opt.header_timeout);
    co_await stream_.async_handshake(asio::ssl::stream_base::server,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;  // not TLS, an old protocol version, or too slow
  }
  bool first = true;
  while (!core_.stopping) {
    idle_ = true;
    if (!first && buffer_.size() == 0) {  // kept alive: wait for the next request
      expire(opt.idle_timeout);
      const std::size_t n = co_await stream_.async_read_some(
          buffer_.prepare(4096), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      buffer_.commit(n);
    }
    first = false;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(opt.max_header_bytes));
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    head_ = false;
    method_.clear();
    route_.clear();
    actor_.clear();
    request_id_ = new_request_id();
    body_read_ = bytes_out_ = 0;
    status_ = 0;
    expire(opt.header_timeout);
    co_await bhttp::async_read_header(stream_, buffer_, *parser_,
                                      asio::redirect_error(asio::use_awaitable, ec));
    idle_ = false;
    started_at_ = std::chrono::steady_clock::now();
    if (ec) {
      close_after_ = true;
      if (ec == bhttp::error::header_limit) {
        co_await answer(431, "header_too_large", "the request header is larger than " +
                                                     std::to_string(opt.max_header_bytes) + " bytes");
      } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
                 ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        co_await answer(400, "bad_request", "malformed request: " + ec.message());
      }
      break;
    }
    lowest().expires_never();
    co_await handle_request();
    if (close_after_) break;
  }
  co_await close_gracefully();
}

template <class Stream>
asio::awaitable<void> Connection<Stream>::handle_request() {
  auto& req = parser_->get();
  method_ = std::string(req.method_string());
  response_started_ = response_complete_ = false;
  expect_continue_ = continue_sent_ = false;
  has_body_ = true;
  chunked_ = false;
  const auto method = parse_method(method_);
  if (!method) {
    co_await answer(501, "not_implemented", "method not supported");
    co_return;
  }
  head_ = *method == Method::kHead;
  auto target = parse_target(std::string_view(req.target().data(), req.target().size()));
  if (!target) {
    co_await answer(400, "bad_request", target.error().message);
    co_return;
  }
  Router::Match match = core_.router.match(*method, target->segments);
  if (match.route == nullptr) {
    // (Fields built outside co_await: GCC 12 miscompiles braced lists in coroutine calls.)
    Fields allow;
    allow.emplace_back("Allow", allow_header(match.allowed));
    if (match.allowed.empty()) {
      co_await answer(404, "not_found", "no such resource");
    } else if (*method == Method::kOptions) {
      // A CORS preflight from an allowed origin learns the methods too (add_cors_headers).
      if (allowed_origin()) allow.emplace_back("Access-Control-Allow-Methods", allow_header(match.allowed));
      co_await answer(204, "", "", std::move(allow));
    } else {
      co_await answer(405, "method_not_allowed", "method not allowed on this resource",
                      std::move(allow));
    }
    co_return;
  }
  const Router::Route& route = *match.route;
  route_ = route.pattern;
  body_limit_ = route.options.max_body_bytes;
  const auto length = parser_->content_length();
  if (length && *length > body_limit_) {
    close_after_ = true;
    co_await answer(413, "payload_too_large",
                    "request body larger than the " + std::to_string(body_limit_) +
                        " bytes this route accepts");
    co_return;
  }
  if (auto expect = req[bhttp::field::expect]; !expect.empty()) {
    if (!iequals(std::string_view(expect.data(), expect.size()), "100-continue")) {
      close_after_ = true;
      co_await answer(417, "expectation_failed", "only 100-continue is supported");
      co_return;
    }
    expect_continue_ = true;
  }

  Request::Parts parts;
  parts.method = *method;
  parts.target = std::string(req.target());
  parts.path = std::move(target->path);
  parts.query = std::move(target->query);
  parts.params = std::move(match.params);
  parts.route = route.pattern;
  parts.remote_ip = remote_ip_;
  parts.request_id = request_id_;
  parts.tls = kTls;
  if (length) parts.content_length = *length;
  for (const auto& f : req) parts.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));

  // Hand the exchange to a pool thread and wait (without blocking the I/O thread) for it.
  asio::steady_timer finished(stream_.get_executor());
  finished.expires_at(std::chrono::steady_clock::time_point::max());
  bool done = false;
  core_.pool.submit([this, self = this->shared_from_this(), &route, &finished, &done,
                     parts = std::move(parts)]() mutable {
    run_handler(route, std::move(parts));
    asio::post(stream_.get_executor(), [&finished, &done] {
      done = true;
      finished.cancel();
    });
  });
  beast::error_code ec;
  while (!done) co_await finished.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (!response_complete_) close_after_ = true;
}

template <class Stream>
void Connection<Stream>::run_handler(const Router::Route& route, Request::Parts parts) {
  Request request(std::move(parts), this, body_limit_);
  ResponseWriter writer(this, head_);
  const char* failure = nullptr;
  try {
    route.handler(request, writer);
  } catch (const std::exception&) {
    failure = "the request handler failed";  // what() may quote input: not logged
  } catch (...) {
    failure = "the request handler failed";
  }
  if (failure != nullptr) {
    std::fprintf(stderr, "http: handler for %s %s threw (request %s)\n", method_.c_str(),
                 route.pattern.c_str(), request_id_.c_str());
  }
  if (!response_started_) {
    const std::string body = error_json(
        "internal", failure != nullptr ? failure : "the request handler did not answer");
    if (failure == nullptr) {
      std::fprintf(stderr, "http: handler for %s %s did not answer (request %s)\n", method_.c_str(),
                   route.pattern.c_str(), request_id_.c_str());
    }
    if (write_head(500, {{"Content-Type", "application/json"}}, body.size())) {
      if (head_ || write_body(as_bytes(body))) (void)finish_body();
    }
  } else if (!response_complete_) {
    if (failure == nullptr && writer.started() && !writer.ended()) {
      (void)writer.end();
    } else {
      close_after_ = true;  // a body cut short: the client sees the connection close
    }
  }
  actor_ = writer.actor();
  if (writer.started()) bytes_out_ = writer.bytes_out();
  body_read_ = request.body().bytes_read();
  log_access();
}

template <class Stream>
asio::awaitable<void> Connection<Stream>::close_gracefully() {
  // Shut down our side, then read and drop what the client still sends for a moment, so
  // that unread request bytes do not turn the close into a reset that loses our answer.
  beast::error_code ec;
  lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
  if (!lowest().socket().is_open()) co_return;
  char sink[16 * 1024];
  std::size_t dropped = 0;
  lowest().expires_after(std::chrono::seconds(1));
  while (!ec && dropped < (4u << 20)) {
    dropped += co_await lowest().async_read_some(asio::buffer(sink),
                                                 asio::redirect_error(asio::use_awaitable, ec));
  }
  lowest().close();
}

}  // namespace custos::http::detail
