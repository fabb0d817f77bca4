// One client connection: an Asio coroutine reads request headers and answers framework
// errors on the I/O thread; handlers run on the pool and reach the socket through the
// Exchange calls, each a round trip to this connection's strand (see exchange.h).
// Internal to the module; the template covers plain TCP and TLS.
#pragma once

#include <array>
#include <chrono>
#include <cstdio>
#include <future>
#include <limits>
#include <string>
#include <type_traits>

#include "net/http/core.h"
#include "net/http/exchange.h"
#include "net/http/request.h"
#include "net/http/response.h"
#include "net/http/target.h"
#include "net/http/wire.h"

namespace custos::http::detail {

Error io_error(const beast::error_code& ec, std::string_view what);

template <class Stream>
class Connection : public ConnectionBase,
                   public Exchange,
                   public std::enable_shared_from_this<Connection<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  Connection(Core& core, Stream stream, std::string remote_ip)
      : core_(core), stream_(std::move(stream)), remote_ip_(std::move(remote_ip)) {}

  // The coroutine frame holds `self` (parameters are copied into it), keeping the
  // connection alive until the loop ends.
  static asio::awaitable<void> run(std::shared_ptr<Connection> self) {
    Core& core = self->core_;
    const std::uint64_t id = core.add(self);
    try {
      co_await self->serve();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "http: connection ended by an unexpected error: %s\n", e.what());
    }
    beast::error_code ec;
    self->lowest().socket().close(ec);
    core.remove(id);
  }

  void close_if_idle() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_) self->lowest().close();
    });
  }
  void close_now() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->lowest().close(); });
  }

  // ---- Exchange: called on a handler thread, performed on the strand. ----
  Result<std::size_t> read_body(std::span<std::byte> out) override {
    auto r = on_strand([this, out](auto done) { do_read(out, std::move(done)); });
    if (!r && r.error().code == ErrorCode::kRejected && !response_started_) {
      force_close();
      const std::string body = error_json("payload_too_large", r.error().message);
      if (write_head(413, {{"Content-Type", "application/json"}}, body.size())) {
        if (write_body(as_bytes(body))) (void)finish_body();
      }
    }
    return r;
  }

  Status write_head(int status, const Fields& fields, std::optional<std::uint64_t> length) override {
    if (response_started_) return fail(ErrorCode::kInvalidArgument, "response already sent");
    response_started_ = true;
    status_ = status;
    auto r = on_strand([&](auto done) { do_write_head(status, fields, length, std::move(done)); });
    return r ? Status{} : fail(r.error());
  }

  Status write_body(std::span<const std::byte> data) override {
    if (head_) return {};
    if (!has_body_) return fail(ErrorCode::kInvalidArgument, "this status has no body");
    return write_body_while(data, [] { return Status{}; });
  }

  Status write_body_while(std::span<const std::byte> data,
                          const std::function<Status()>& alongside) override {
    if (head_ || !has_body_) return alongside();
    bytes_out_ += data.size();
    auto pending = start_on_strand([this, data](auto done) {
      auto cb = [done = std::move(done)](beast::error_code ec, std::size_t n) {
        ec ? done(fail(io_error(ec, "writing the response"))) : done(n);
      };
      expire(core_.options.body_timeout);
      if (chunked_) {
        asio::async_write(stream_, bhttp::make_chunk(asio::buffer(data.data(), data.size())), std::move(cb));
      } else {
        asio::async_write(stream_, asio::buffer(data.data(), data.size()), std::move(cb));
      }
    });
    const Status checked = alongside();
    const auto written = pending.get();  // `data` must outlive the write: wait for it
    if (!written) {
      close_after_ = true;
      return fail(written.error());
    }
    return checked;
  }

  Status finish_body() override {
    if (!chunked_ || head_) {
      response_complete_ = true;
      return {};
    }
    auto r = on_strand([&](auto done) {
      expire(core_.options.body_timeout);
      asio::async_write(stream_, bhttp::make_chunk_last(),
                        [done = std::move(done)](beast::error_code ec, std::size_t n) {
                          ec ? done(fail(io_error(ec, "ending the response"))) : done(n);
                        });
    });
    if (!r) {
      close_after_ = true;
      return fail(r.error());
    }
    response_complete_ = true;
    return {};
  }

  void force_close() override { close_after_ = true; }

 private:
  using Done = std::function<void(Result<std::size_t>)>;

  static std::span<const std::byte> as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
  }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  void expire(std::chrono::steady_clock::duration d) { lowest().expires_after(d); }

  // Runs init(done) on the strand and blocks this (handler) thread until done is called.
  template <class Init>
  Result<std::size_t> on_strand(Init init) {
    auto promise = std::make_shared<std::promise<Result<std::size_t>>>();
    auto future = promise->get_future();
    asio::post(stream_.get_executor(), [promise, &init, self = this->shared_from_this()] {
      init(Done([promise](Result<std::size_t> r) { promise->set_value(std::move(r)); }));
    });
    return future.get();
  }

  // Like on_strand, without waiting: `init` is moved to the strand; the caller must get()
  // the future before anything `init` refers to goes away.
  template <class Init>
  std::future<Result<std::size_t>> start_on_strand(Init init) {
    auto promise = std::make_shared<std::promise<Result<std::size_t>>>();
    auto future = promise->get_future();
    asio::post(stream_.get_executor(),
               [promise, init = std::move(init), self = this->shared_from_this()]() mutable {
                 init(Done([promise](Result<std::size_t> r) { promise->set_value(std::move(r)); }));
               });
    return future;
  }

  void do_read(std::span<std::byte> out, Done done) {
    if (parser_->is_done()) return done(std::size_t{0});
    if (expect_continue_ && !continue_sent_) {
      continue_sent_ = true;
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      expire(core_.options.body_timeout);
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [this, out, done = std::move(done)](beast::error_code ec, std::size_t) mutable {
                          if (ec) return done(fail(io_error(ec, "sending 100 Continue")));
                          do_read(out, std::move(done));
                        });
      return;
    }
    const std::uint64_t remaining = body_limit_ - body_read_;  // body_read_ <= body_limit_
    const std::size_t want = remaining >= out.size() ? out.size() : static_cast<std::size_t>(remaining) + 1;
    auto& body = parser_->get().body();
    body.data = out.data();
    body.size = want;
    body.more = true;
    expire(core_.options.body_timeout);
    bhttp::async_read_some(
        stream_, buffer_, *parser_,
        [this, out, want, done = std::move(done)](beast::error_code ec, std::size_t) mutable {
          if (ec == bhttp::error::need_buffer) ec = {};
          if (ec) {
            close_after_ = true;
            return done(fail(io_error(ec, "reading the request body")));
          }
          const std::size_t got = want - parser_->get().body().size;
          if (got == 0 && !parser_->is_done()) return do_read(out, std::move(done));
          body_read_ += got;
          if (body_read_ > body_limit_) {
            close_after_ = true;
            return done(fail(ErrorCode::kRejected, "request body larger than the " +
                                                       std::to_string(body_limit_) +
                                                       " bytes this route accepts"));
          }
          done(got);
        });
  }

  bool keep_alive_now() {
    return !close_after_ && !core_.stopping && parser_ && parser_->is_done() &&
           parser_->get().keep_alive();
  }

  // The origin of the request when it is one the server was configured to allow.
  std::optional<std::string> allowed_origin() const {
    if (core_.options.cors_origins.empty() || !parser_) return std::nullopt;
    auto origin = parser_->get()[bhttp::field::origin];
    const std::string_view o(origin.data(), origin.size());
    for (const auto& allowed : core_.options.cors_origins) {
      if (!o.empty() && o == allowed) return std::string(o);
    }
    return std::nullopt;
  }

  void add_cors_headers(Fields* fields) const {
    auto origin = allowed_origin();
    if (!origin) return;
    fields->emplace_back("Access-Control-Allow-Origin", *origin);
    fields->emplace_back("Vary", "Origin");
    fields->emplace_back("Access-Control-Expose-Headers", "Content-Type, Content-Length, X-Request-Id");
    if (parser_->get().method() == bhttp::verb::options) {
      fields->emplace_back("Access-Control-Allow-Headers",
                           "Authorization, Content-Type, Accept, X-CSRF-Token");
      fields->emplace_back("Access-Control-Max-Age", "600");
    }
  }

  static bool status_has_body(int status) { return status >= 200 && status != 204 && status != 304; }

  void fill_head(bhttp::response<bhttp::empty_body>& res, int status, Fields fields) {
    res.version(11);
    res.result(static_cast<unsigned>(status));
    add_common_headers(&fields, core_.options.headers, kTls, request_id_);
    add_cors_headers(&fields);
    for (const auto& [k, v] : fields) res.insert(k, v);
    const bool keep = keep_alive_now();
    if (!keep) close_after_ = true;
    res.keep_alive(keep);
  }

  void do_write_head(int status, const Fields& fields, std::optional<std::uint64_t> length, Done done) {
    res_.emplace();
    fill_head(*res_, status, fields);
    has_body_ = status_has_body(status);
    chunked_ = false;
    if (has_body_) {
      if (length) {
        res_->content_length(*length);
      } else if (parser_->get().version() >= 11) {
        res_->chunked(true);
        chunked_ = true;
      } else {  // HTTP/1.0: the end of the body is the end of the connection
        close_after_ = true;
        res_->keep_alive(false);
      }
    }
    sr_.emplace(*res_);
    expire(core_.options.body_timeout);
    bhttp::async_write_header(stream_, *sr_, [done = std::move(done)](beast::error_code ec, std::size_t n) {
      ec ? done(fail(io_error(ec, "writing the response header"))) : done(n);
    });
  }

  // A framework answer (error, OPTIONS) written on the I/O thread.
  asio::awaitable<void> answer(int status, std::string_view code, std::string_view message,
                               Fields extra = {}) {
    bhttp::response<bhttp::string_body> res;
    std::string body = status == 204 ? std::string() : error_json(code, message);
    if (!body.empty()) extra.emplace_back("Content-Type", "application/json");
    bhttp::response<bhttp::empty_body> head;
    fill_head(head, status, std::move(extra));
    res.base() = head.base();
    if (status != 204) res.content_length(body.size());
    if (!head_) res.body() = body;
    status_ = status;
    bytes_out_ = head_ ? 0 : body.size();
    beast::error_code ec;
    expire(core_.options.header_timeout);
    co_await bhttp::async_write(stream_, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) close_after_ = true;
    log_access();
  }

  void log_access() {
    AccessLogEntry e;
    e.time = now_rfc3339();
    e.request_id = request_id_;
    e.remote_ip = remote_ip_;
    e.method = method_;
    e.route = route_;
    e.actor = actor_;
    e.status = status_;
    e.bytes_in = body_read_;
    e.bytes_out = bytes_out_;
    e.millis = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_at_).count();
    core_.log(e);
  }

  asio::awaitable<void> serve();
  asio::awaitable<void> handle_request();
  void run_handler(const Router::Route& route, Request::Parts parts);
  asio::awaitable<void> close_gracefully();

  Core& core_;
  Stream stream_;
  std::string remote_ip_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::buffer_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> res_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> sr_;
  bool idle_ = true;
  // Per request; written by whichever side owns the exchange at the time (the strand
  // before and after the handler, the handler thread in between).
  std::string request_id_, method_, route_, actor_;
  std::chrono::steady_clock::time_point started_at_;
  bool head_ = false, expect_continue_ = false, continue_sent_ = false;
  bool response_started_ = false, response_complete_ = false, has_body_ = true, chunked_ = false;
  bool close_after_ = false;
  int status_ = 0;
  std::uint64_t body_limit_ = 0, body_read_ = 0, bytes_out_ = 0;
};

}  // namespace custos::http::detail

#include "net/http/connection_impl.h"
