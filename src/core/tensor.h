// Tensor<T>: an owning, row-major, shape-checked n-dimensional array.
// Deliberately small: kernels work on rows (std::span) and raw pointers; the tensor only
// guarantees that the shape and the element count agree.
#pragma once

#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace atl::core {

using Shape = std::vector<std::int64_t>;

std::string to_string(const Shape& shape);

// Number of elements of a shape; throws on a negative dimension.
std::int64_t element_count(const Shape& shape);

template <class T>
class Tensor {
 public:
  using value_type = T;

  Tensor() = default;
  explicit Tensor(Shape shape) : shape_(std::move(shape)), data_(element_count(shape_)) {}
  Tensor(Shape shape, std::vector<T> data) : shape_(std::move(shape)), data_(std::move(data)) {
    if (static_cast<std::int64_t>(data_.size()) != element_count(shape_)) {
      throw Error("Tensor: shape " + to_string(shape_) + " needs " +
                  std::to_string(element_count(shape_)) + " elements, got " +
                  std::to_string(data_.size()));
    }
  }

  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  std::int64_t dim(int i) const { return shape_.at(static_cast<std::size_t>(i)); }
  std::int64_t size() const { return static_cast<std::int64_t>(data_.size()); }
  bool empty() const { return data_.empty(); }

  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }
  std::vector<T>& values() { return data_; }
  const std::vector<T>& values() const { return data_; }

  T& operator[](std::int64_t i) { return data_[static_cast<std::size_t>(i)]; }
  const T& operator[](std::int64_t i) const { return data_[static_cast<std::size_t>(i)]; }

  // Rank-2 element access (unchecked beyond the debug asserts of std::vector).
  T& operator()(std::int64_t i, std::int64_t j) { return data_[index2(i, j)]; }
  const T& operator()(std::int64_t i, std::int64_t j) const { return data_[index2(i, j)]; }

  // Row i of a rank-2 tensor (or the i-th slice along the first axis of any rank >= 1).
  std::span<T> row(std::int64_t i) { return {data_.data() + i * row_size(), row_size_u()}; }
  std::span<const T> row(std::int64_t i) const {
    return {data_.data() + i * row_size(), row_size_u()};
  }
  std::int64_t rows() const { return shape_.empty() ? 0 : shape_[0]; }
  std::int64_t row_size() const { return shape_.empty() || shape_[0] == 0 ? 0 : size() / shape_[0]; }

  friend bool operator==(const Tensor& a, const Tensor& b) {
    return a.shape_ == b.shape_ && a.data_ == b.data_;
  }

 private:
  std::size_t index2(std::int64_t i, std::int64_t j) const {
    return static_cast<std::size_t>(i * shape_[1] + j);
  }
  std::size_t row_size_u() const { return static_cast<std::size_t>(row_size()); }

  Shape shape_;
  std::vector<T> data_;
};

// Throws core::Error naming `what` unless `t` has exactly `expected` shape.
template <class T>
void expect_shape(const Tensor<T>& t, const Shape& expected, const std::string& what) {
  if (t.shape() != expected) {
    throw Error(what + ": expected shape " + to_string(expected) + ", got " + to_string(t.shape()));
  }
}

}  // namespace atl::core
