#include "core/workspace.h"

#include <algorithm>
#include <cstdlib>
#include <new>

#include "core/error.h"

namespace kerasm {

namespace {
size_t RoundUp(size_t bytes) { return (bytes + Workspace::kAlignment - 1) / Workspace::kAlignment * Workspace::kAlignment; }
}  // namespace

Workspace::Workspace(size_t capacity_bytes) : capacity_(capacity_bytes) {}

Workspace::~Workspace() { FreeBlocks(); }

void Workspace::FreeBlocks() {
  for (Block& b : blocks_) std::free(b.data);
  blocks_.clear();
  allocated_ = 0;
}

void Workspace::Allocate(size_t bytes) {
  void* p = std::aligned_alloc(kAlignment, bytes);
  if (!p) throw std::bad_alloc();
  blocks_.push_back({static_cast<char*>(p), bytes, 0});
  allocated_ += bytes;
}

Workspace::Scoped Workspace::Reserve(size_t floats, const char* what) {
  const size_t bytes = RoundUp(floats * sizeof(float));
  if (bytes > capacity_ - reserved_) {
    Fail<Error>(what, ": needs a scratch buffer of ", bytes, " bytes with ", reserved_,
                " already reserved, over the workspace's bound of ", capacity_, " bytes");
  }
  if (bytes == 0) return Scoped(this, nullptr, 0, 0);
  if (reserved_ == 0 && (blocks_.size() > 1 || blocks_.empty() || blocks_.back().bytes < bytes)) {
    // Nothing live: one block that fits this reservation and the most ever held at once replaces the
    // blocks there are, so the next round of reservations fits in it.
    FreeBlocks();
    Allocate(std::max(bytes, high_water_));
  } else if (blocks_.back().bytes - blocks_.back().used < bytes) {
    // Live reservations pin the blocks they sit in; empty blocks after them can go. What does not fit
    // gets a block of its own, so at most capacity bytes sit in such blocks besides the merged one.
    while (blocks_.size() > 1 && blocks_.back().used == 0) {
      allocated_ -= blocks_.back().bytes;
      std::free(blocks_.back().data);
      blocks_.pop_back();
    }
    if (blocks_.back().bytes - blocks_.back().used < bytes) Allocate(bytes);
  }
  Block& b = blocks_.back();
  float* data = reinterpret_cast<float*>(b.data + b.used);
  b.used += bytes;
  reserved_ += bytes;
  if (reserved_ > high_water_) high_water_ = reserved_;
  return Scoped(this, data, floats, bytes);
}

void Workspace::Release(size_t bytes) {
  reserved_ -= bytes;
  // Releases come in reverse order, so these bytes are the top of the newest block still in use.
  for (size_t i = blocks_.size(); i-- > 0;) {
    if (blocks_[i].used > 0) {
      blocks_[i].used -= bytes;
      return;
    }
  }
}

Workspace::Scoped::Scoped(Scoped&& other) noexcept
    : ws_(other.ws_), data_(other.data_), floats_(other.floats_), bytes_(other.bytes_) {
  other.ws_ = nullptr;
}

Workspace::Scoped::~Scoped() {
  if (ws_ && bytes_) ws_->Release(bytes_);
}

Workspace& Workspace::ThisThread() {
  thread_local Workspace ws;
  return ws;
}

}  // namespace kerasm
