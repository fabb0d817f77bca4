// A byte-bounded LRU of rendered images, so a viewer scrolling back and forth or a grid of
// thumbnails does not decode and encode the same frame again.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "render/pixels.h"

namespace custos::render {

// The cache key of one rendering: instance content hash (hex SHA-256), frame number and
// every option that changes the output.
[[nodiscard]] std::string cache_key(std::string_view instance_sha256, int frame,
                                    const RenderOptions& options);

// Thread-safe (one mutex; get and put are O(1)). Values are shared and immutable, so a
// caller keeps using an image after it was evicted.
class RenderCache {
 public:
  explicit RenderCache(std::size_t capacity_bytes = 32u << 20);

  // The image, or nullptr. A hit makes the entry the most recently used.
  [[nodiscard]] std::shared_ptr<const std::string> get(const std::string& key);
  // Stores (or replaces) an image and evicts least recently used entries until the total
  // fits. An image larger than the capacity is not stored.
  void put(const std::string& key, std::shared_ptr<const std::string> image);

  [[nodiscard]] std::size_t size_bytes() const;
  [[nodiscard]] std::size_t entries() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const std::string> image;
  };
  static std::size_t cost(const Entry& e) { return e.key.size() + e.image->size() + 64; }
  void evict_locked();

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> order_;  // front: most recent
  std::unordered_map<std::string, std::list<Entry>::iterator> by_key_;
  std::size_t bytes_ = 0;
};

}  // namespace custos::render
