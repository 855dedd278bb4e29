// Tensor: a shape, a dtype and a reference-counted, 64-byte-aligned buffer.
//
// Copies of a Tensor share the buffer and the identity (id()); every op makes a new Tensor with a new id.
// The autodiff tape keys gradients by id, so a reshape that shares the buffer still gets its own id.
// Tensors are immutable once an op has returned them; only the code that creates one writes into it
// (variables replace their Tensor on assignment rather than writing into it).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/shape.h"

namespace kerasm {

enum class DType { kFloat32, kInt32 };

const char* DTypeName(DType dtype);
DType DTypeFromName(const std::string& name);  // "float32" | "int32"; throws ValueError otherwise

// An aligned allocation. Live counts and bytes are kept so tests can prove there are no leaks.
class Storage {
 public:
  static constexpr size_t kAlignment = 64;
  explicit Storage(size_t bytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }

  // Bumped by every write access (Tensor's non-const f32() / i32()): a derived copy made at an older
  // version is stale.
  uint64_t version() const { return version_; }
  void Touch() { ++version_; }

  // What a derived copy was made from: the layout (e.g. a GEMM packing's panel width, which differs
  // between SIMD targets) and the dimensions it was read with (a reshaped view shares the buffer).
  using DerivedKey = std::array<int64_t, 4>;
  // The contents in another layout, made by make(dst, floats) on first use and kept with the buffer (so a
  // variable's packed weights live exactly as long as its value) until the buffer is written to or another
  // key is asked for. The copy is a Storage of its own, counted by LiveCount / LiveBytes.
  const float* Derived(const DerivedKey& key, size_t floats, const std::function<void(float*)>& make);

  static int64_t LiveCount();
  static int64_t LiveBytes();
  // Derived copies made so far (tests prove that weights are packed once, not per call).
  static int64_t DerivedMade();

 private:
  struct DerivedCopy {
    DerivedKey key;
    uint64_t version;
    std::unique_ptr<Storage> data;
  };
  void* data_;
  size_t bytes_;
  uint64_t version_ = 0;
  std::unique_ptr<DerivedCopy> derived_;
};

class Tensor {
 public:
  Tensor() = default;  // the empty tensor: defined() is false
  Tensor(Shape shape, DType dtype = DType::kFloat32);  // uninitialised contents

  static Tensor Zeros(const Shape& shape, DType dtype = DType::kFloat32);
  static Tensor Full(const Shape& shape, float value);
  static Tensor Scalar(float value) { return Full({}, value); }
  static Tensor FromData(const Shape& shape, const float* data);
  static Tensor FromData(const Shape& shape, const int32_t* data);
  static Tensor FromVector(const Shape& shape, const std::vector<float>& data);

  bool defined() const { return storage_ != nullptr; }
  uint64_t id() const { return id_; }
  const Shape& shape() const { return shape_; }
  DType dtype() const { return dtype_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t size() const { return size_; }
  int64_t dim(int axis) const;  // Python-style axis
  size_t bytes() const { return static_cast<size_t>(size_) * 4; }

  // Typed access; throws DTypeError when the dtype differs. The non-const forms are for writing: they
  // mark the buffer changed, which drops a derived copy (packed weights) made from it.
  float* f32();
  const float* f32() const;
  int32_t* i32();
  const int32_t* i32() const;
  void* raw() const { return storage_ ? storage_->data() : nullptr; }

  // The buffer's contents in a derived layout, cached with the buffer (Storage::Derived). Undefined
  // tensors have no buffer: ValueError.
  const float* Derived(const Storage::DerivedKey& key, size_t floats, const std::function<void(float*)>& make) const;

  std::vector<float> ToFloatVector() const;  // int32 values are converted
  float item() const;                        // the single value of a size-1 tensor

  // Same buffer, new shape and new id (no copy). Sizes must agree.
  Tensor Reshaped(const Shape& shape) const;
  // A deep copy with a new id.
  Tensor Clone() const;

 private:
  std::shared_ptr<Storage> storage_;
  Shape shape_;
  DType dtype_ = DType::kFloat32;
  int64_t size_ = 0;
  uint64_t id_ = 0;
};

uint64_t NextTensorId();

// Throws ShapeError("<op>: <what> must have shape X, got Y") when shapes differ.
void CheckShape(const Tensor& t, const Shape& expected, const char* op, const char* what);
void CheckDType(const Tensor& t, DType expected, const char* op, const char* what);
void CheckDefined(const Tensor& t, const char* op, const char* what);

}  // namespace kerasm
