#include "core/tensor.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include "core/error.h"

namespace kerasm {
namespace {
std::atomic<int64_t> g_live_count{0};
std::atomic<int64_t> g_live_bytes{0};
std::atomic<uint64_t> g_next_id{1};
std::atomic<int64_t> g_derived_made{0};
}  // namespace

const char* DTypeName(DType dtype) { return dtype == DType::kFloat32 ? "float32" : "int32"; }

DType DTypeFromName(const std::string& name) {
  if (name == "float32") return DType::kFloat32;
  if (name == "int32") return DType::kInt32;
  Fail<ValueError>("unknown dtype '", name, "' (expected 'float32' or 'int32')");
}

Storage::Storage(size_t bytes) : bytes_(bytes) {
  // Round up so aligned_alloc's size is a multiple of the alignment; never zero so data() is unique.
  const size_t padded = (bytes + kAlignment - 1) / kAlignment * kAlignment + kAlignment;
  data_ = std::aligned_alloc(kAlignment, padded);
  if (!data_) throw std::bad_alloc();
  g_live_count.fetch_add(1, std::memory_order_relaxed);
  g_live_bytes.fetch_add(static_cast<int64_t>(bytes), std::memory_order_relaxed);
}

Storage::~Storage() {
  std::free(data_);
  g_live_count.fetch_sub(1, std::memory_order_relaxed);
  g_live_bytes.fetch_sub(static_cast<int64_t>(bytes_), std::memory_order_relaxed);
}

const float* Storage::Derived(const DerivedKey& key, size_t floats, const std::function<void(float*)>& make) {
  if (derived_ && derived_->key == key && derived_->version == version_ && derived_->data->bytes() == floats * 4) {
    return static_cast<const float*>(derived_->data->data());
  }
  // Made before it replaces the old copy, so a throwing make leaves the cache as it was.
  auto copy = std::make_unique<DerivedCopy>(DerivedCopy{key, version_, std::make_unique<Storage>(floats * 4)});
  make(static_cast<float*>(copy->data->data()));
  derived_ = std::move(copy);
  g_derived_made.fetch_add(1, std::memory_order_relaxed);
  return static_cast<const float*>(derived_->data->data());
}

int64_t Storage::DerivedMade() { return g_derived_made.load(); }
int64_t Storage::LiveCount() { return g_live_count.load(); }
int64_t Storage::LiveBytes() { return g_live_bytes.load(); }

uint64_t NextTensorId() { return g_next_id.fetch_add(1, std::memory_order_relaxed); }

Tensor::Tensor(Shape shape, DType dtype) : shape_(std::move(shape)), dtype_(dtype) {
  bool empty = false;
  for (int64_t d : shape_) {
    if (d < 0) Fail<ShapeError>("cannot create a tensor of shape ", shape_, ": dimensions must be >= 0");
    empty = empty || d == 0;
  }
  // The size is checked while multiplying: on wasm32 size_t has 32 bits, and a wrapped byte count would
  // allocate a small buffer for a huge shape.
  constexpr int64_t kMaxValues =
      static_cast<int64_t>(std::min<uint64_t>((std::numeric_limits<size_t>::max() - 2 * Storage::kAlignment) / 4,
                                              std::numeric_limits<int64_t>::max() / 4));
  size_ = 1;
  for (int64_t d : shape_) {
    if (empty) {
      size_ = 0;
      break;
    }
    if (size_ > kMaxValues / d) {
      Fail<ValueError>("cannot create a tensor of shape ", shape_, ": it has more values than memory can hold");
    }
    size_ *= d;
  }
  storage_ = std::make_shared<Storage>(static_cast<size_t>(size_) * 4);
  id_ = NextTensorId();
}

Tensor Tensor::Zeros(const Shape& shape, DType dtype) {
  Tensor t(shape, dtype);
  std::memset(t.raw(), 0, t.bytes());
  return t;
}

Tensor Tensor::Full(const Shape& shape, float value) {
  Tensor t(shape);
  float* p = t.f32();
  for (int64_t i = 0; i < t.size(); ++i) p[i] = value;
  return t;
}

Tensor Tensor::FromData(const Shape& shape, const float* data) {
  Tensor t(shape);
  if (t.size()) std::memcpy(t.raw(), data, t.bytes());
  return t;
}

Tensor Tensor::FromData(const Shape& shape, const int32_t* data) {
  Tensor t(shape, DType::kInt32);
  if (t.size()) std::memcpy(t.raw(), data, t.bytes());
  return t;
}

Tensor Tensor::FromVector(const Shape& shape, const std::vector<float>& data) {
  if (static_cast<int64_t>(data.size()) != ShapeSize(shape)) {
    Fail<ShapeError>("tensor: ", data.size(), " values do not fill shape ", shape, " (", ShapeSize(shape), " values)");
  }
  return FromData(shape, data.data());
}

int64_t Tensor::dim(int axis) const { return shape_[NormalizeAxis(axis, rank(), "dim")]; }

const float* Tensor::f32() const {
  if (dtype_ != DType::kFloat32) Fail<DTypeError>("expected a float32 tensor, got ", DTypeName(dtype_));
  return static_cast<const float*>(raw());
}
float* Tensor::f32() {
  const float* p = static_cast<const Tensor*>(this)->f32();
  if (storage_) storage_->Touch();
  return const_cast<float*>(p);
}
const int32_t* Tensor::i32() const {
  if (dtype_ != DType::kInt32) Fail<DTypeError>("expected an int32 tensor, got ", DTypeName(dtype_));
  return static_cast<const int32_t*>(raw());
}
int32_t* Tensor::i32() {
  const int32_t* p = static_cast<const Tensor*>(this)->i32();
  if (storage_) storage_->Touch();
  return const_cast<int32_t*>(p);
}

const float* Tensor::Derived(const Storage::DerivedKey& key, size_t floats,
                             const std::function<void(float*)>& make) const {
  if (!storage_) Fail<ValueError>("a derived copy of an undefined tensor was asked for");
  return storage_->Derived(key, floats, make);
}

std::vector<float> Tensor::ToFloatVector() const {
  std::vector<float> out(static_cast<size_t>(size_));
  if (dtype_ == DType::kFloat32) {
    if (size_) std::memcpy(out.data(), raw(), bytes());
  } else {
    const int32_t* p = i32();
    for (int64_t i = 0; i < size_; ++i) out[i] = static_cast<float>(p[i]);
  }
  return out;
}

float Tensor::item() const {
  if (size_ != 1) Fail<ShapeError>("item: expected a tensor with one value, got shape ", shape_);
  return dtype_ == DType::kFloat32 ? f32()[0] : static_cast<float>(i32()[0]);
}

Tensor Tensor::Reshaped(const Shape& shape) const {
  if (ShapeSize(shape) != size_) {
    Fail<ShapeError>("reshape: cannot reshape a tensor of shape ", shape_, " (", size_, " values) into ", shape);
  }
  Tensor t = *this;
  t.shape_ = shape;
  t.id_ = NextTensorId();
  return t;
}

Tensor Tensor::Clone() const {
  Tensor t(shape_, dtype_);
  if (size_) std::memcpy(t.raw(), raw(), bytes());
  return t;
}

void CheckShape(const Tensor& t, const Shape& expected, const char* op, const char* what) {
  if (t.shape() != expected) Fail<ShapeError>(op, ": ", what, " must have shape ", expected, ", got ", t.shape());
}

void CheckDType(const Tensor& t, DType expected, const char* op, const char* what) {
  if (t.dtype() != expected) {
    Fail<DTypeError>(op, ": ", what, " must be ", DTypeName(expected), ", got ", DTypeName(t.dtype()));
  }
}

void CheckDefined(const Tensor& t, const char* op, const char* what) {
  if (!t.defined()) Fail<ValueError>(op, ": ", what, " is an empty tensor");
}

}  // namespace kerasm
