// The render cache: least recently used entries leave first, the byte bound holds, keys
// separate every option that changes the image, and concurrent use is safe.
#include <gtest/gtest.h>

#include <thread>

#include "render/render_cache.h"

namespace custos::render {
namespace {

std::shared_ptr<const std::string> image(std::size_t n, char c = 'x') {
  return std::make_shared<const std::string>(n, c);
}

TEST(RenderCache, EvictsLeastRecentlyUsedWithinTheByteBound) {
  RenderCache cache(3000);
  cache.put("a", image(900));
  cache.put("b", image(900));
  cache.put("c", image(900));
  ASSERT_NE(cache.get("a"), nullptr);  // a is now the most recent
  cache.put("d", image(900));          // b leaves
  EXPECT_EQ(cache.get("b"), nullptr);
  EXPECT_NE(cache.get("a"), nullptr);
  EXPECT_NE(cache.get("c"), nullptr);
  EXPECT_NE(cache.get("d"), nullptr);
  EXPECT_LE(cache.size_bytes(), 3000u);
  cache.put("huge", image(5000));  // larger than the whole cache: not stored
  EXPECT_EQ(cache.get("huge"), nullptr);
  EXPECT_EQ(cache.entries(), 3u);
  cache.put("a", image(10, 'y'));  // replaced, accounted once
  EXPECT_EQ(*cache.get("a"), std::string(10, 'y'));
  EXPECT_EQ(cache.entries(), 3u);
}

TEST(RenderCache, KeysSeparateOptions) {
  RenderOptions jpeg;
  RenderOptions png;
  png.format = Format::kPng;
  RenderOptions q50;
  q50.quality = 50;
  RenderOptions windowed;
  windowed.window = Window{40, 400, VoiFunction::kLinear};
  RenderOptions sigmoid = windowed;
  sigmoid.window->function = VoiFunction::kSigmoid;
  RenderOptions thumb;
  thumb.viewport = Viewport{};
  const std::string h = "ab12";
  const std::vector<std::string> keys{
      cache_key(h, 1, jpeg), cache_key(h, 2, jpeg), cache_key(h, 1, png),
      cache_key(h, 1, q50),  cache_key(h, 1, windowed), cache_key(h, 1, sigmoid),
      cache_key(h, 1, thumb), cache_key("cd34", 1, jpeg)};
  for (std::size_t i = 0; i < keys.size(); ++i) {
    for (std::size_t j = i + 1; j < keys.size(); ++j) EXPECT_NE(keys[i], keys[j]) << i << " " << j;
  }
  EXPECT_EQ(cache_key(h, 1, jpeg), cache_key(h, 1, RenderOptions{}));
}

TEST(RenderCache, ConcurrentUseKeepsTheBound) {
  RenderCache cache(64 * 1024);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string key = std::to_string((i * 7 + t) % 300);
        if (auto hit = cache.get(key)) {
          ASSERT_EQ(hit->size(), 1000u);
        } else {
          cache.put(key, image(1000));
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(cache.size_bytes(), 64u * 1024);
}

}  // namespace
}  // namespace custos::render
