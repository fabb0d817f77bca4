#include "render/render_cache.h"

#include <cstdio>

namespace custos::render {

std::string cache_key(std::string_view sha256, int frame, const RenderOptions& o) {
  char buffer[256];
  int n = std::snprintf(buffer, sizeof buffer, "|%d|%c|%d", frame,
                        o.format == Format::kPng ? 'p' : 'j',
                        o.format == Format::kJpeg ? o.quality : 0);
  std::string key(sha256);
  key.append(buffer, static_cast<std::size_t>(n));
  if (o.window) {
    n = std::snprintf(buffer, sizeof buffer, "|w%.17g,%.17g,%d", o.window->center,
                      o.window->width, static_cast<int>(o.window->function));
    key.append(buffer, static_cast<std::size_t>(n));
  }
  if (o.viewport) {
    n = std::snprintf(buffer, sizeof buffer, "|v%d,%d", o.viewport->width, o.viewport->height);
    key.append(buffer, static_cast<std::size_t>(n));
  }
  return key;
}

RenderCache::RenderCache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}

std::shared_ptr<const std::string> RenderCache::get(const std::string& key) {
  const std::lock_guard lock(mutex_);
  const auto it = by_key_.find(key);
  if (it == by_key_.end()) return nullptr;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->image;
}

void RenderCache::put(const std::string& key, std::shared_ptr<const std::string> image) {
  if (!image) return;
  Entry entry{key, std::move(image)};
  const std::size_t c = cost(entry);
  const std::lock_guard lock(mutex_);
  if (const auto it = by_key_.find(key); it != by_key_.end()) {
    bytes_ -= cost(*it->second);
    order_.erase(it->second);
    by_key_.erase(it);
  }
  if (c > capacity_) return;
  order_.push_front(std::move(entry));
  by_key_.emplace(key, order_.begin());
  bytes_ += c;
  evict_locked();
}

void RenderCache::evict_locked() {
  while (bytes_ > capacity_ && !order_.empty()) {
    bytes_ -= cost(order_.back());
    by_key_.erase(order_.back().key);
    order_.pop_back();
  }
}

std::size_t RenderCache::size_bytes() const {
  const std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t RenderCache::entries() const {
  const std::lock_guard lock(mutex_);
  return by_key_.size();
}

}  // namespace custos::render
