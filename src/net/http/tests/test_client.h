// A small blocking HTTP/1.1 client for the server tests: raw bytes out, Beast-parsed
// responses in, receive timeouts so a broken server fails a test instead of hanging it.
#pragma once

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <cctype>
#include <chrono>
#include <map>
#include <string>

namespace custos::http::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool ok = false;  // a whole response was read
  std::string error;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool has(const std::string& name) const { return headers.count(name) != 0; }
};

class Client {
 public:
  explicit Client(std::uint16_t port, std::chrono::seconds timeout = std::chrono::seconds(10))
      : socket_(io_) {
    boost::system::error_code ec;
    socket_.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    connected_ = !ec;
    timeval tv{static_cast<time_t>(timeout.count()), 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  bool connected() const { return connected_; }
  asio::ip::tcp::socket& socket() { return socket_; }

  bool send(std::string_view raw) {
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(raw.data(), raw.size()), ec);
    return !ec;
  }

  Response read(bool head = false) {
    Response out;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1ull << 32);
    parser.skip(head);
    boost::system::error_code ec;
    bhttp::read(socket_, buffer_, parser, ec);
    if (ec) {
      out.error = ec.message();
      return out;
    }
    const auto& res = parser.get();
    out.ok = true;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    out.body = res.body();
    return out;
  }

  Response request(const std::string& method, const std::string& target, const std::string& body = "",
                   const std::string& extra_headers = "") {
    std::string raw = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
    if (!body.empty() || method == "POST" || method == "PUT") {
      raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    raw += "\r\n" + body;
    if (!send(raw)) return Response{0, {}, {}, false, "send failed"};
    return read(method == "HEAD");
  }

  // True when the server closed the connection (EOF or reset) within the receive timeout.
  bool closed_by_peer() {
    char c;
    boost::system::error_code ec;
    socket_.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
};

// One request on a fresh connection.
inline Response fetch(std::uint16_t port, const std::string& method, const std::string& target,
                      const std::string& body = "", const std::string& extra_headers = "") {
  Client c(port);
  return c.request(method, target, body, extra_headers);
}

}  // namespace custos::http::test
