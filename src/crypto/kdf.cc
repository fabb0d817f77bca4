// Argon2id derivation and calibration. Calibration reads the CPU clock directly: it measures
// this machine, which is not logic a test needs to control.
#include "crypto/kdf.h"

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <span>
#include <string>

namespace custos::crypto {
namespace {

// Upper bounds for parameters read from disk: 4 GiB and 64 passes would already take
// minutes; anything above is an edited or damaged file.
constexpr std::size_t kMaxMemlimit = std::size_t{4} << 30;
constexpr std::uint64_t kMaxOpslimit = 64;

double thread_cpu_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

}  // namespace

// 96 MiB keeps a whole import under 150 MB of RSS; 16 passes bring it to about half a
// second here (measured: 256 MiB x 3 passes and 96 MiB x 16 passes both take ~0.5 s).
KdfParams default_kdf_params() { return {16, std::size_t{96} << 20}; }

KdfParams minimal_kdf_params() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

Status check_kdf_params(const KdfParams& p) {
  if (p.opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN || p.opslimit > kMaxOpslimit ||
      p.memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN || p.memlimit > kMaxMemlimit) {
    return fail(ErrorCode::kCorruption, "key derivation parameters out of range (opslimit " +
                                            std::to_string(p.opslimit) + ", memlimit " +
                                            std::to_string(p.memlimit) + ")");
  }
  return {};
}

Salt random_salt() {
  Salt salt{};
  random_bytes(std::as_writable_bytes(std::span(salt)));
  return salt;
}

Result<SecretKey> derive_passphrase_key(std::string_view passphrase, const Salt& salt,
                                        const KdfParams& params) {
  if (auto s = check_kdf_params(params); !s) return fail(s.error());
  auto key = SecretKey::zeroed();
  if (!key) return key;
  static_assert(kSaltBytes == crypto_pwhash_SALTBYTES);
  if (::crypto_pwhash(key->data(), kKeyBytes, passphrase.data(), passphrase.size(), salt.data(),
                      params.opslimit, params.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    // The only failure left after the range check is the memory allocation.
    return fail(ErrorCode::kInternal, "not enough memory to derive the key from the passphrase (" +
                                          std::to_string(params.memlimit >> 20) + " MiB needed)");
  }
  return key;
}

Result<Calibration> calibrate_kdf(std::chrono::milliseconds target, std::size_t memlimit) {
  const Salt salt = random_salt();
  // CPU time of this thread, not wall time: on a busy shared machine wall time counts the
  // neighbours' work too and would pick a cost too low for an attacker's dedicated machine.
  auto time_one = [&](const KdfParams& p) -> Result<double> {
    const double start = thread_cpu_ms();
    auto key = derive_passphrase_key("calibration", salt, p);
    if (!key) return fail(key.error());
    return thread_cpu_ms() - start;
  };
  // Time is about a + b * passes: `a` is the first touch of the memory (page faults),
  // `b` one pass over it. Two points give both; the best of two runs at each point filters
  // out cache and frequency noise.
  auto best_of_two = [&](std::uint64_t passes) -> Result<double> {
    double best = 0;
    for (int run = 0; run < 2; ++run) {
      auto t = time_one({passes, memlimit});
      if (!t) return fail(t.error());
      best = run == 0 ? *t : std::min(best, *t);
    }
    return best;
  };
  auto t1 = best_of_two(1);
  if (!t1) return fail(t1.error());
  auto t2 = best_of_two(2);
  if (!t2) return fail(t2.error());
  const double per_pass = std::max(1.0, *t2 - *t1);
  const double fixed = std::max(0.0, *t1 - per_pass);
  const double passes = (static_cast<double>(target.count()) - fixed) / per_pass;
  KdfParams p{std::clamp<std::uint64_t>(
                  static_cast<std::uint64_t>(std::max(1.0, std::round(passes))), 1, kMaxOpslimit),
              memlimit};
  auto measured = time_one(p);
  if (!measured) return fail(measured.error());
  return Calibration{p, std::chrono::milliseconds(std::lround(*measured))};
}

}  // namespace custos::crypto
