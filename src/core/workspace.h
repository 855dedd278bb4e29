// Workspace: a bounded, reusable scratch arena for the temporary buffers ops hand to kernels (a packed
// K x N block of GEMM's B today; im2col columns and RNN gate blocks next, alongside it).
//
// Reservations are stack-like: Reserve returns a Scoped that gives its floats back when it goes out of
// scope, and scopes nest, so several buffers can be live at once (conv will hold packed weights and
// columns together). Memory is reused from call to call: the arena keeps its blocks, and once nothing is
// reserved merges them into one block of the high-water size, so a steady workload makes one allocation
// in total. It is bounded: live reservations never exceed the capacity (past it Reserve throws Error, so
// callers size requests per block, never per whole matrix), and the blocks held stay under twice that. Not thread safe; each thread has its own (ThisThread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kerasm {

class Workspace {
 public:
  static constexpr size_t kAlignment = 64;
  // 4 MiB: two 1 MiB GEMM B-blocks (256 x 1024 floats) with room for the columns of a conv block.
  static constexpr size_t kCapacity = size_t{4} << 20;

  explicit Workspace(size_t capacity_bytes = kCapacity);
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  // A reservation of size() floats at data(), 64-byte aligned, contents uninitialised.
  class Scoped {
   public:
    Scoped(Scoped&& other) noexcept;
    Scoped& operator=(Scoped&&) = delete;
    Scoped(const Scoped&) = delete;
    ~Scoped();
    float* data() const { return data_; }
    size_t size() const { return floats_; }

   private:
    friend class Workspace;
    Scoped(Workspace* ws, float* data, size_t floats, size_t bytes) : ws_(ws), data_(data), floats_(floats), bytes_(bytes) {}
    Workspace* ws_;
    float* data_;
    size_t floats_;
    size_t bytes_;  // rounded up to kAlignment
  };

  // `floats` floats until the Scoped dies. Releases must come in reverse order of reservation (as scopes
  // do). Throws Error naming `what` when the live reservations would exceed the capacity.
  Scoped Reserve(size_t floats, const char* what);

  size_t capacity() const { return capacity_; }
  size_t reserved_bytes() const { return reserved_; }   // held by live reservations
  size_t allocated_bytes() const { return allocated_; }  // held by the arena's blocks
  size_t high_water_bytes() const { return high_water_; }

  // The calling thread's workspace (the one every op uses).
  static Workspace& ThisThread();

 private:
  struct Block {
    char* data;
    size_t bytes;
    size_t used;
  };
  void Release(size_t bytes);
  void Allocate(size_t bytes);
  void FreeBlocks();

  size_t capacity_;
  size_t reserved_ = 0;
  size_t allocated_ = 0;
  size_t high_water_ = 0;
  std::vector<Block> blocks_;  // blocks_.back() is the one reservations come from
};

}  // namespace kerasm
