// Server: listening socket, accept loop, TLS context, orderly stop (see server.h).
#include "net/http/server.h"

#include <csignal>
#include <thread>

#include "net/http/connection.h"

namespace custos::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace detail {

Error io_error(const beast::error_code& ec, std::string_view what) {
  if (ec == beast::error::timeout) {
    return Error{ErrorCode::kIoError, std::string(what) + ": the client was too slow (timeout)"};
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
      ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
    return Error{ErrorCode::kInvalidArgument, std::string(what) + ": malformed: " + ec.message()};
  }
  return Error{ErrorCode::kIoError, std::string(what) + ": the client went away (" + ec.message() + ")"};
}

}  // namespace detail

class Server::Impl {
 public:
  Impl(ServerOptions options, Router router)
      : core_(std::move(options), std::move(router)),
        acceptor_(asio::make_strand(ioc_)),
        work_(asio::make_work_guard(ioc_)) {}

  ~Impl() {
    stop(std::chrono::milliseconds(0));
    if (signal_thread_.joinable()) signal_thread_.join();
  }

  Status listen() {
    const ServerOptions& o = core_.options;
    beast::error_code ec;
    const std::string where = o.host + ":" + std::to_string(o.port);
    tcp::resolver resolver(ioc_);
    const auto results = resolver.resolve(o.host, std::to_string(o.port),
                                          tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec || results.empty()) {
      return fail(ErrorCode::kInvalidArgument, "cannot resolve listen address " + where);
    }
    const tcp::endpoint endpoint = *results.begin();
    if (acceptor_.open(endpoint.protocol(), ec) ||
        acceptor_.set_option(asio::socket_base::reuse_address(true), ec) ||
        acceptor_.bind(endpoint, ec) || acceptor_.listen(asio::socket_base::max_listen_connections, ec)) {
      return fail(ErrorCode::kIoError, "cannot listen on " + where + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint(ec).port();
    if (o.tls) {
      if (auto s = make_tls_context(*o.tls); !s) return s;
    }
    asio::co_spawn(acceptor_.get_executor(), accept_loop(), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        std::fprintf(stderr, "http: the accept loop failed: %s\n", x.what());
      }
    });
    const std::size_t n = std::max<std::size_t>(1, o.io_threads);
    for (std::size_t i = 0; i < n; ++i) io_threads_.emplace_back([this] { ioc_.run(); });
    return {};
  }

  std::uint16_t port() const { return port_; }

  void stop(std::chrono::milliseconds grace) {
    {
      std::unique_lock lock(stop_mu_);
      if (stop_started_) {
        stop_cv_.wait(lock, [this] { return stopped_; });
        return;
      }
      stop_started_ = true;
    }
    core_.stopping = true;
    if (!io_threads_.empty()) {
      std::promise<void> closed;
      asio::post(acceptor_.get_executor(), [this, &closed] {
        beast::error_code ec;
        acceptor_.close(ec);
        if (signals_) signals_->cancel(ec);
        closed.set_value();
      });
      closed.get_future().wait();
      for (auto& c : snapshot()) c->close_if_idle();
      const auto deadline = std::chrono::steady_clock::now() + grace;
      {
        std::unique_lock lock(core_.mu);
        core_.cv.wait_until(lock, deadline, [this] { return core_.connections.empty(); });
      }
      for (auto& c : snapshot()) c->close_now();
      {
        // Handlers blocked on the socket fail now; others are waited for.
        std::unique_lock lock(core_.mu);
        core_.cv.wait(lock, [this] { return core_.connections.empty(); });
      }
    }
    core_.pool.shutdown();
    work_.reset();
    ioc_.stop();
    for (auto& t : io_threads_) t.join();
    io_threads_.clear();
    {
      const std::lock_guard lock(stop_mu_);
      stopped_ = true;
    }
    stop_cv_.notify_all();
  }

  void wait() {
    std::unique_lock lock(stop_mu_);
    stop_cv_.wait(lock, [this] { return stopped_; });
  }

  void stop_on_signal(std::chrono::milliseconds grace) {
    std::promise<void> installed;
    asio::post(acceptor_.get_executor(), [this, grace, &installed] {
      signals_.emplace(acceptor_.get_executor(), SIGINT, SIGTERM);
      signals_->async_wait([this, grace](const beast::error_code& ec, int) {
        if (ec) return;
        signal_thread_ = std::thread([this, grace] { stop(grace); });
      });
      installed.set_value();
    });
    installed.get_future().wait();
  }

 private:
  std::vector<std::shared_ptr<detail::ConnectionBase>> snapshot() {
    std::vector<std::shared_ptr<detail::ConnectionBase>> out;
    const std::lock_guard lock(core_.mu);
    for (auto& [id, weak] : core_.connections) {
      if (auto c = weak.lock()) out.push_back(std::move(c));
    }
    return out;
  }

  Status make_tls_context(const TlsFiles& files) {
    try {
      auto& ctx = core_.ssl.emplace(asio::ssl::context::tls_server);
      ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
      if (SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION) != 1) {
        return fail(ErrorCode::kInternal, "cannot require TLS 1.2");
      }
      ctx.use_certificate_chain_file(files.cert.string());
      ctx.use_private_key_file(files.key.string(), asio::ssl::context::pem);
    } catch (const std::exception& e) {
      core_.ssl.reset();
      return fail(ErrorCode::kInvalidArgument, "cannot load the TLS certificate " +
                                                   files.cert.string() + " or key " +
                                                   files.key.string() + ": " + e.what());
    }
    return {};
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(
          asio::make_strand(ioc_), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!acceptor_.is_open() || core_.stopping) co_return;
        asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));  // e.g. EMFILE
        continue;
      }
      if (core_.stopping || core_.live() >= core_.options.max_connections) {
        socket.close(ec);
        continue;
      }
      std::string ip = socket.remote_endpoint(ec).address().to_string();
      socket.set_option(tcp::no_delay(true), ec);
      auto ex = socket.get_executor();
      if (core_.ssl) {
        using Tls = beast::ssl_stream<beast::tcp_stream>;
        auto c = std::make_shared<detail::Connection<Tls>>(
            core_, Tls(beast::tcp_stream(std::move(socket)), *core_.ssl), std::move(ip));
        asio::co_spawn(ex, c->run(c), asio::detached);
      } else {
        auto c = std::make_shared<detail::Connection<beast::tcp_stream>>(
            core_, beast::tcp_stream(std::move(socket)), std::move(ip));
        asio::co_spawn(ex, c->run(c), asio::detached);
      }
    }
  }

  asio::io_context ioc_;
  detail::Core core_;
  tcp::acceptor acceptor_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::thread> io_threads_;
  std::uint16_t port_ = 0;
  std::optional<asio::signal_set> signals_;
  std::thread signal_thread_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_started_ = false, stopped_ = false;
};

Result<std::unique_ptr<Server>> Server::start(ServerOptions options, Router router) {
  if (auto s = router.validate(); !s) return fail(s.error());
  if (options.max_header_bytes < 512 || options.max_header_bytes > (1u << 24)) {
    return fail(ErrorCode::kInvalidArgument, "max_header_bytes must be between 512 and 16 MiB");
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(router));
  if (auto s = impl->listen(); !s) return fail(s.error());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;
std::uint16_t Server::port() const { return impl_->port(); }
void Server::stop(std::chrono::milliseconds grace) { impl_->stop(grace); }
void Server::wait() { impl_->wait(); }

void StopOnSignal::install(Server& server, std::chrono::milliseconds grace) {
  server.impl_->stop_on_signal(grace);
}

}  // namespace custos::http
