#include "render/decode_pool.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "base/posix_file.h"
#include "render/native.h"
#include "render/worker_protocol.h"

namespace custos::render {
namespace {

constexpr std::uint64_t kMaxMessage = 1ull << 30;
constexpr int kPipeBytes = 1 << 20;  // the default /proc/sys/fs/pipe-max-size

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

// Reads exactly n bytes before `deadline` (none for the worker side). False on EOF, error or
// time-out (timed_out tells which).
bool read_exact(int fd, void* data, std::size_t n,
                std::optional<std::chrono::steady_clock::time_point> deadline, bool& timed_out) {
  auto* p = static_cast<char*>(data);
  while (n > 0) {
    if (deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        timed_out = true;
        return false;
      }
      pollfd pfd{fd, POLLIN, 0};
      const int r = ::poll(&pfd, 1, static_cast<int>(left.count()));
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

bool receive_message(int fd, std::vector<std::byte>& payload,
                     std::optional<std::chrono::steady_clock::time_point> deadline,
                     bool& timed_out) {
  std::uint64_t n = 0;
  if (!read_exact(fd, &n, sizeof n, deadline, timed_out) || n > kMaxMessage) return false;
  payload.resize(n);
  return read_exact(fd, payload.data(), n, deadline, timed_out);
}

// The worker's whole life: limits, then answer requests until the pipe closes.
[[noreturn]] void worker_main(int in, int out, const DecoderOptions& options) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // Keep only the two pipe ends: not the server's sockets, files, or other workers' pipes
  // (which would hide their end of file).
  const int high_in = ::fcntl(in, F_DUPFD, 64);
  const int high_out = ::fcntl(out, F_DUPFD, 64);
  if (high_in < 0 || high_out < 0 || ::dup2(high_in, 3) < 0 || ::dup2(high_out, 4) < 0) {
    ::_exit(71);
  }
  ::close_range(5, ~0U, 0);
  ::signal(SIGPIPE, SIG_IGN);
  const rlimit core{0, 0};
  ::setrlimit(RLIMIT_CORE, &core);
#if !defined(__SANITIZE_ADDRESS__)
  const rlimit as{options.memory_limit_bytes, options.memory_limit_bytes};
  ::setrlimit(RLIMIT_AS, &as);
#endif
  const rlimit cpu{options.cpu_seconds_limit, options.cpu_seconds_limit};
  ::setrlimit(RLIMIT_CPU, &cpu);
  // Nothing may unwind out of here: the child shares the parent's stack frames above.
  try {
    std::vector<std::byte> message;
    for (;;) {
      bool timed_out = false;
      if (!receive_message(3, message, std::nullopt, timed_out)) ::_exit(0);
      auto request = decode_request(message);
      const Result<NativeFrame> reply =
          request ? decode_with_codec(*request) : Result<NativeFrame>(fail(request.error()));
      if (!send_message(4, encode_reply(reply))) ::_exit(0);
    }
  } catch (...) {
    ::_exit(70);
  }
}

}  // namespace

struct DecodePool::Worker {
  std::atomic<pid_t> pid{-1};  // read by worker_pids() while a request owns the worker
  UniqueFd to_worker;
  UniqueFd from_worker;
  bool busy = false;
};

DecodePool::DecodePool(const DecoderOptions& options) : options_(options) {}

DecodePool::~DecodePool() {
  for (auto& w : workers_) stop(*w);
}

Result<std::unique_ptr<DecodePool>> DecodePool::start(const DecoderOptions& options) {
  std::unique_ptr<DecodePool> pool(new DecodePool(options));
  int n = options.workers;
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  prepare_codecs();
  for (int i = 0; i < n; ++i) {
    pool->workers_.push_back(std::make_unique<Worker>());
    if (auto s = pool->spawn(*pool->workers_.back()); !s) return fail(s.error());
  }
  return pool;
}

Status DecodePool::spawn(Worker& w) {
  int down[2];
  int up[2];
  if (::pipe2(down, O_CLOEXEC) != 0) return fail(ErrorCode::kInternal, "cannot create a pipe");
  if (::pipe2(up, O_CLOEXEC) != 0) {
    ::close(down[0]);
    ::close(down[1]);
    return fail(ErrorCode::kInternal, "cannot create a pipe");
  }
  // Large pipes let a whole frame pass in one write instead of a ping-pong of 64 KiB
  // chunks, each a context switch that costs milliseconds on a loaded machine.
  for (int fd : {down[1], up[1]}) (void)::fcntl(fd, F_SETPIPE_SZ, kPipeBytes);
  const pid_t pid = ::fork();
  if (pid < 0) {
    for (int fd : {down[0], down[1], up[0], up[1]}) ::close(fd);
    return fail(ErrorCode::kInternal,
                std::string("cannot start an image decoder process: ") + std::strerror(errno));
  }
  if (pid == 0) worker_main(down[0], up[1], options_);
  ::close(down[0]);
  ::close(up[1]);
  w.pid = pid;
  w.to_worker = UniqueFd(down[1]);
  w.from_worker = UniqueFd(up[0]);
  const std::lock_guard lock(mutex_);
  ++started_;
  return {};
}

void DecodePool::stop(Worker& w) {
  if (w.pid < 0) return;
  w.to_worker = UniqueFd();
  const pid_t pid = w.pid;
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  w.from_worker = UniqueFd();
  w.pid = -1;
}

Result<DecodePool::Worker*> DecodePool::acquire() {
  std::unique_lock lock(mutex_);
  Worker* found = nullptr;
  const bool ok = free_.wait_for(lock, options_.wait_for_worker, [&] {
    for (auto& w : workers_) {
      if (!w->busy) {
        found = w.get();
        return true;
      }
    }
    return false;
  });
  if (!ok) return fail(ErrorCode::kInternal, "all image decoders are busy");
  found->busy = true;
  return found;
}

void DecodePool::release(Worker* w) {
  {
    const std::lock_guard lock(mutex_);
    w->busy = false;
  }
  free_.notify_one();
}

Result<Decoded> DecodePool::decode(const PixelDescription& d, Codec codec, Fragments fragments) {
  auto acquired = acquire();
  if (!acquired) return fail(acquired.error());
  Worker& w = **acquired;
  struct Releaser {
    DecodePool* pool;
    Worker* w;
    ~Releaser() { pool->release(w); }
  } releaser{this, &w};

  if (w.pid < 0) {
    if (auto s = spawn(w); !s) return fail(s.error());
  }
  // A write to a dead worker must fail with EPIPE, not kill the server. MSG_NOSIGNAL does
  // not exist for pipes, so SIGPIPE is ignored for the process (the server ignores it too).
  static const bool ignored = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)ignored;
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  const bool sent = send_message(w.to_worker.get(), encode_request(codec, d, fragments));
  std::vector<std::byte> message;
  bool timed_out = false;
  const bool received = sent && receive_message(w.from_worker.get(), message, deadline, timed_out);
  if (!received) {
    stop(w);
    // Start the replacement now so the next request does not pay for it.
    (void)spawn(w);
    if (timed_out) {
      return fail(ErrorCode::kCorruption,
                  "could not decode the frame: the decoder did not finish within " +
                      std::to_string(options_.timeout.count()) + " ms");
    }
    return fail(ErrorCode::kCorruption, "could not decode the frame: the decoder crashed");
  }
  auto frame = decode_reply(message);
  if (!frame) return fail(frame.error());
  // The worker's answer is untrusted: its size must match the described image exactly.
  const PixelDescription& got = frame->description;
  if (got.rows != d.rows || got.columns != d.columns ||
      got.samples_per_pixel != d.samples_per_pixel) {
    return fail(ErrorCode::kCorruption,
                "could not decode: the compressed frame is " + std::to_string(got.columns) +
                    "x" + std::to_string(got.rows) + " where the dataset says " +
                    std::to_string(d.columns) + "x" + std::to_string(d.rows));
  }
  return unpack_native(got, frame->bytes, ByteOrder::kLittle);
}

int DecodePool::workers_started() const {
  const std::lock_guard lock(mutex_);
  return started_;
}

std::vector<int> DecodePool::worker_pids() const {
  const std::lock_guard lock(mutex_);
  std::vector<int> pids;
  for (const auto& w : workers_) {
    if (w->pid >= 0) pids.push_back(w->pid);
  }
  return pids;
}

}  // namespace custos::render
