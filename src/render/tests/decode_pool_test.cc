// The isolated decoders: hostile JPEG-LS / JPEG 2000 / JPEG streams cost one request, never
// the test process; a worker killed mid-request or hung past the timeout is replaced; many
// threads share the bounded pool.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <random>
#include <thread>

#include "render/decoder.h"
#include "render/tests/test_frames.h"

namespace custos::render {
namespace {

using namespace std::chrono_literals;

struct Frame {
  testing::Case c;
  std::vector<std::vector<std::byte>> fragments;
};

Frame frame(const std::string& name) {
  return {testing::load_case(name), testing::load_fragments(name, 0)};
}

Result<Decoded> decode(Decoder& decoder, const Frame& f) {
  const testing::Spans spans(f.fragments);
  return decoder.decode(f.c.description, spans.spans);
}

std::unique_ptr<Decoder> open(int workers, std::chrono::milliseconds timeout = 10s) {
  DecoderOptions o;
  o.workers = workers;
  o.timeout = timeout;
  auto d = Decoder::open(o);
  EXPECT_TRUE(d.has_value());
  return d ? std::move(*d) : nullptr;
}

class FaultDecodePool : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::frames_dir().empty()) GTEST_SKIP() << "pydicom test files absent";
  }
};

TEST_F(FaultDecodePool, CorruptStreamsFailOneRequestOnly) {
  auto decoder = open(2);
  std::mt19937 random(7);
  int failures = 0;
  for (const std::string name : {"mr_jpegls", "mr_j2k", "j2k_ct", "rgb_jpeg_ybr", "mr_jpeg_lossless"}) {
    const Frame good = frame(name);
    for (int round = 0; round < 30; ++round) {
      Frame bad = good;
      auto& bytes = bad.fragments.front();
      // Flip bytes after the first few (keep the marker so the codec is reached), or cut.
      for (int k = 0; k < 8; ++k) {
        const std::size_t at = 4 + random() % (bytes.size() - 4);
        bytes[at] = static_cast<std::byte>(random());
      }
      if (round % 3 == 0) bytes.resize(bytes.size() / 2);
      auto r = decode(*decoder, bad);
      if (!r) {
        ++failures;
        EXPECT_TRUE(r.error().code == ErrorCode::kCorruption ||
                    r.error().code == ErrorCode::kUnsupported)
            << r.error().message;
      }
    }
    auto ok = decode(*decoder, good);
    ASSERT_TRUE(ok.has_value()) << name << ": " << ok.error().message;
  }
  EXPECT_GT(failures, 0);
}

TEST_F(FaultDecodePool, WorkerKilledMidRequestIsReplaced) {
  auto decoder = open(1);
  const Frame f = frame("mr_jpegls");
  ASSERT_TRUE(decode(*decoder, f).has_value());
  const auto pids = decoder->worker_pids();
  ASSERT_EQ(pids.size(), 1u);
  // Stop the worker so the request is certainly in flight, then kill it.
  ASSERT_EQ(::kill(pids[0], SIGSTOP), 0);
  std::thread killer([&] {
    std::this_thread::sleep_for(200ms);
    ::kill(pids[0], SIGKILL);
  });
  auto r = decode(*decoder, f);
  killer.join();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kCorruption);
  EXPECT_NE(r.error().message.find("could not decode"), std::string::npos);
  EXPECT_EQ(decoder->workers_started(), 2);
  EXPECT_NE(decoder->worker_pids().at(0), pids[0]);
  auto again = decode(*decoder, f);
  ASSERT_TRUE(again.has_value()) << again.error().message;
}

TEST_F(FaultDecodePool, HungWorkerTimesOutAndIsReplaced) {
  auto decoder = open(1, 300ms);
  const Frame f = frame("mr_j2k");
  const auto pids = decoder->worker_pids();
  ASSERT_EQ(::kill(pids.at(0), SIGSTOP), 0);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = decode(*decoder, f);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("did not finish"), std::string::npos);
  auto again = decode(*decoder, f);
  ASSERT_TRUE(again.has_value()) << again.error().message;
}

TEST_F(FaultDecodePool, ImpossibleSizeIsCorruptionNotACrash) {
  auto decoder = open(1);
  Frame f = frame("mr_jpegls");
  f.c.description.rows = 4000;  // the codestream says 64
  f.c.description.columns = 4000;
  auto r = decode(*decoder, f);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kCorruption);
  f = frame("mr_j2k");
  f.c.description.rows = 32;
  EXPECT_FALSE(decode(*decoder, f).has_value());
  EXPECT_EQ(decoder->workers_started(), 1);
}

TEST_F(FaultDecodePool, ManyThreadsShareTheBoundedPool) {
  auto decoder = open(2);
  const Frame a = frame("mr_jpegls");
  const Frame b = frame("mr_j2k");
  const auto expected = testing::load_expected("mr_jpegls", 0);
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        auto r = decode(*decoder, (t + i) % 2 ? a : b);
        if (r && testing::values(*r) == expected) ++good;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 120);
  EXPECT_EQ(decoder->workers_started(), 2);
}

}  // namespace
}  // namespace custos::render
