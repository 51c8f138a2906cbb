// A data set's samples as sequences: for a sequence network with in_size In, a tg::dataset<T, N> sample
// of N = steps · In values is `steps` rows of In, row-major (Fashion-MNIST's 784 pixels: 28 rows of 28).
// tg::fit, tg::evaluate, tg::accuracy and the rest train and score such a network from sequence to
// label: it ends in one row per sequence (tg::last_step), which the sample's target is compared with.
#pragma once

#include <algorithm>
#include <cstddef>

#include <typegrad/core/rows.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/sequence.hpp>
#include <typegrad/net/sequential.hpp>

namespace typegrad::detail {

/// The steps of a sequence network's sample of Data: its values over the network's in_size.
template <class Net, class Data>
inline constexpr std::size_t sequence_steps = Data::input_size / Net::in_size;

template <class Net, class T, class Data>
constexpr void check_sequence_data() {
    static_assert(Data::input_size % Net::in_size == 0,
                  "tg::fit / tg::evaluate: a sequence network's sample is steps rows of its in_size values, "
                  "row-major: the data set's sample size must be a multiple of the network's in_size");
    static_assert(sequence_plan<Net, T>::one_row[Net::layer_count],
                  "tg::fit / tg::evaluate train and score a sequence network from sequence to label: it must end "
                  "in one row per sequence (put tg::last_step after its last sequence layer)");
}

/// Copies sample x into ws's input rows, one row per step.
template <class Net, class T, std::size_t N>
void load_sample(const vec<T, N>& x, sequence_workspace<Net, T>& ws) noexcept {
    std::copy_n(x.data(), N, ws.template values<0>().data());
}

/// Runs the sequence of sample x through the network in inference mode (ws holds sequence_steps steps)
/// and returns its output row.
template <class Net, class T, std::size_t N>
const T* forward_sample(const params<Net, T>& p, const vec<T, N>& x, sequence_workspace<Net, T>& ws) {
    load_sample(x, ws);
    return forward_sequence<Net>(p, ws.template values<0>(), N / Net::in_size, ws).data();
}

}  // namespace typegrad::detail
