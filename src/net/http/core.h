// State shared by the server and its connections; the Asio/Beast side of the module.
// Internal: only .cc files of this module include it.
#pragma once

#include <utility>  // before Asio: its awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "net/http/options.h"
#include "net/http/router.h"
#include "net/http/thread_pool.h"

namespace custos::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// What stop() needs from a connection; both calls post to the connection's strand.
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  virtual void close_if_idle() = 0;  // between requests or still reading a header
  virtual void close_now() = 0;
};

struct Core {
  Core(ServerOptions o, Router r) : options(std::move(o)), router(std::move(r)), pool(options.handler_threads) {}

  ServerOptions options;
  Router router;
  ThreadPool pool;
  std::optional<asio::ssl::context> ssl;
  std::atomic<bool> stopping{false};

  std::mutex mu;
  std::condition_variable cv;  // signalled when a connection ends
  std::map<std::uint64_t, std::weak_ptr<ConnectionBase>> connections;
  std::uint64_t next_id = 0;

  std::uint64_t add(std::weak_ptr<ConnectionBase> c) {
    const std::lock_guard lock(mu);
    connections.emplace(next_id, std::move(c));
    return next_id++;
  }
  void remove(std::uint64_t id) {
    {
      const std::lock_guard lock(mu);
      connections.erase(id);
    }
    cv.notify_all();
  }
  std::size_t live() {
    const std::lock_guard lock(mu);
    return connections.size();
  }
  void log(const AccessLogEntry& e) const {
    if (options.access_log) options.access_log(e);
  }
};

}  // namespace custos::http::detail
