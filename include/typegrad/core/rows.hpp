// tg::rows<T, N>: a run-time number of rows of N elements, stored row-major and contiguously
// (row i starts at data() + i·N) in one 64-byte-aligned, zero-initialised heap block. A mini-batch
// as a matrix: allocated once for a capacity, then reused by every batch without allocating.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>

#include <typegrad/core/scalar.hpp>

namespace typegrad {

template <scalar T, std::size_t N>
class rows {
public:
    static constexpr std::size_t columns = N;

    rows() = default;
    explicit rows(std::size_t capacity)
        : data_(capacity == 0 ? nullptr
                              : static_cast<T*>(::operator new(capacity * N * sizeof(T), std::align_val_t{alignment}))),
          capacity_(capacity) {
        std::fill_n(data_.get(), capacity * N, T{});
    }

    /// The number of rows the storage holds.
    std::size_t capacity() const noexcept { return capacity_; }

    T* data() noexcept { return data_.get(); }
    const T* data() const noexcept { return data_.get(); }
    T* row(std::size_t i) noexcept { return data_.get() + i * N; }
    const T* row(std::size_t i) const noexcept { return data_.get() + i * N; }

private:
    struct aligned_delete {
        void operator()(T* p) const noexcept { ::operator delete(p, std::align_val_t{alignment}); }
    };
    std::unique_ptr<T, aligned_delete> data_;
    std::size_t capacity_ = 0;
};

}  // namespace typegrad
