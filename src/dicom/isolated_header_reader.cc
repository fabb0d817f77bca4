#include "dicom/isolated_header_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/posix_file.h"
#include "dicom/header_codec.h"

namespace custos::dicom {
namespace {

constexpr std::uint64_t kMaxMessage = 256ull << 20;  // prefix cap (64 MiB) plus headroom

bool write_exact(int fd, const void* data, std::size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Reads exactly n bytes, waiting at most until `deadline` (none when deadline_ms < 0).
// Returns false on EOF, error or time-out (timed_out tells which).
bool read_exact(int fd, void* data, std::size_t n, int timeout_ms, bool& timed_out) {
  auto* p = static_cast<char*>(data);
  while (n > 0) {
    if (timeout_ms >= 0) {
      pollfd pfd{fd, POLLIN, 0};
      const int r = ::poll(&pfd, 1, timeout_ms);
      if (r == 0) {
        timed_out = true;
        return false;
      }
      if (r < 0) {
        if (errno == EINTR) continue;
        return false;
      }
    }
    const ssize_t got = ::read(fd, p, n);
    if (got < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (got == 0) return false;
    p += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

bool send_message(int fd, const std::vector<std::byte>& payload) {
  const std::uint64_t n = payload.size();
  return write_exact(fd, &n, sizeof n) && write_exact(fd, payload.data(), payload.size());
}

bool receive_message(int fd, std::vector<std::byte>& payload, int timeout_ms, bool& timed_out) {
  std::uint64_t n = 0;
  if (!read_exact(fd, &n, sizeof n, timeout_ms, timed_out) || n > kMaxMessage) return false;
  payload.resize(n);
  return read_exact(fd, payload.data(), n, timeout_ms, timed_out);
}

// The worker's whole life: limits, then answer requests until the pipe closes.
[[noreturn]] void worker_main(int in, int out, const IsolationOptions& options) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Keep only the two pipe ends: the worker must not hold the vault's files or locks.
  const int high_in = ::fcntl(in, F_DUPFD, 64);
  const int high_out = ::fcntl(out, F_DUPFD, 64);
  if (high_in < 0 || high_out < 0 || ::dup2(high_in, 3) < 0 || ::dup2(high_out, 4) < 0) {
    ::_exit(71);
  }
  in = 3;
  out = 4;
  ::close_range(5, ~0U, 0);
  ::signal(SIGPIPE, SIG_IGN);
  const rlimit core{0, 0};
  ::setrlimit(RLIMIT_CORE, &core);
#if !defined(__SANITIZE_ADDRESS__)
  // Under AddressSanitizer the shadow memory alone exceeds any sane address-space limit.
  const rlimit as{options.memory_limit_bytes, options.memory_limit_bytes};
  ::setrlimit(RLIMIT_AS, &as);
#endif
  const rlimit cpu{options.cpu_seconds_limit, options.cpu_seconds_limit};
  ::setrlimit(RLIMIT_CPU, &cpu);
  // Nothing may unwind out of here: the child shares the parent's stack frames above.
  try {
    std::vector<std::byte> request;
    for (;;) {
      bool timed_out = false;
      if (!receive_message(in, request, -1, timed_out)) ::_exit(0);
      auto scan = decode_request(request);
      const Result<InstanceHeader> header =
          scan ? options.parse(*scan) : Result<InstanceHeader>(fail(scan.error()));
      if (!send_message(out, encode_reply(header))) ::_exit(0);
    }
  } catch (...) {
    ::_exit(70);
  }
}

}  // namespace

struct IsolatedHeaderReader::Worker {
  pid_t pid = -1;
  UniqueFd to_worker;
  UniqueFd from_worker;
};

IsolatedHeaderReader::IsolatedHeaderReader(IsolationOptions options)
    : options_(std::move(options)) {}

IsolatedHeaderReader::~IsolatedHeaderReader() { stop_worker(); }

Status IsolatedHeaderReader::start_worker() {
  int down[2];
  int up[2];
  if (::pipe2(down, O_CLOEXEC) != 0) return fail(ErrorCode::kInternal, "cannot create a pipe");
  if (::pipe2(up, O_CLOEXEC) != 0) {
    ::close(down[0]);
    ::close(down[1]);
    return fail(ErrorCode::kInternal, "cannot create a pipe");
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    for (int fd : {down[0], down[1], up[0], up[1]}) ::close(fd);
    return fail(ErrorCode::kInternal, std::string("cannot start the parse worker: ") +
                                          std::strerror(errno));
  }
  if (pid == 0) {
    ::close(down[1]);
    ::close(up[0]);
    worker_main(down[0], up[1], options_);
  }
  ::close(down[0]);
  ::close(up[1]);
  worker_ = std::make_unique<Worker>();
  worker_->pid = pid;
  worker_->to_worker = UniqueFd(down[1]);
  worker_->from_worker = UniqueFd(up[0]);
  ++workers_started_;
  return {};
}

void IsolatedHeaderReader::stop_worker() {
  if (!worker_) return;
  worker_->to_worker = UniqueFd();  // EOF: a healthy worker exits by itself
  ::kill(worker_->pid, SIGKILL);
  int status = 0;
  while (::waitpid(worker_->pid, &status, 0) < 0 && errno == EINTR) {
  }
  worker_.reset();
}

Result<InstanceHeader> IsolatedHeaderReader::read(const ScanSummary& scan) {
  const std::lock_guard lock(mutex_);
  if (!worker_) {
    if (auto s = start_worker(); !s) return fail(s.error());
  }
  // A write to a dead worker must fail with EPIPE, not kill the importer.
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  const bool sent = send_message(worker_->to_worker.get(), encode_request(scan));
  std::vector<std::byte> reply;
  bool timed_out = false;
  const bool received =
      sent && receive_message(worker_->from_worker.get(), reply,
                              static_cast<int>(options_.timeout.count()), timed_out);
  ::sigaction(SIGPIPE, &previous, nullptr);
  if (received) return decode_reply(reply);

  stop_worker();
  if (timed_out) {
    return fail(ErrorCode::kRejected,
                "the DICOM parser did not finish within " +
                    std::to_string(options_.timeout.count() / 1000) + " s on this file");
  }
  return fail(ErrorCode::kRejected, "the DICOM parser crashed on this file");
}

}  // namespace custos::dicom
