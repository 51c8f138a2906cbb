// A data set's samples as sequences: for a sequence network with in_size In, a tg::dataset<T, N> sample
// of N = steps · In values is `steps` rows of In, row-major (Fashion-MNIST's 784 pixels: 28 rows of 28).
// tg::fit and tg::evaluate train and score such a network from sequence to label, when it ends in one
// row per sequence (tg::last_step), against the sample's target (tg::accuracy, tg::confusion_matrix and
// tg::r2 too); or from sequence to sequence, each sample's target then a tg::vec of steps · out_size
// values, one row of out_size per step.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>

#include <typegrad/core/rows.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/loss/loss.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/sequence.hpp>
#include <typegrad/net/sequential.hpp>

namespace typegrad::detail {

/// The steps of a sequence network's sample of Data: its values over the network's in_size.
template <class Net, class Data>
inline constexpr std::size_t sequence_steps = Data::input_size / Net::in_size;

/// Net ends in one row per sequence (tg::last_step): it maps a sequence to a label.
template <class Net, class T>
inline constexpr bool to_label = sequence_plan<Net, T>::one_row[Net::layer_count];

/// Data's targets are vectors for a sequence-to-sequence Net trained with Loss: one row of the loss's
/// target per step (check_sequence_data checks their size).
template <class Data, class Net, class T, class Loss>
concept sequence_targets = sequence_network<Net> && !to_label<Net, T> && requires {
    requires std::same_as<typename Data::target_type, vec<T, Data::target_type::extent>>;
    requires std::same_as<loss_target_t<Loss, T, Net::out_size>, vec<T, Net::out_size>>;
};

template <class Net, class T, class Data>
constexpr void check_sequence_data() {
    static_assert(Data::input_size % Net::in_size == 0,
                  "tg::fit / tg::evaluate: a sequence network's sample is steps rows of its in_size values, "
                  "row-major: the data set's sample size must be a multiple of the network's in_size");
    if constexpr (!to_label<Net, T>)
        static_assert(std::same_as<typename Data::target_type, vec<T, Data::input_size / Net::in_size * Net::out_size>>,
                      "tg::fit / tg::evaluate: a sequence-to-sequence network's target is a tg::vec of steps × "
                      "out_size values, one row per step (for a label per sequence, put tg::last_step after the "
                      "last sequence layer)");
}

/// The target of output row r within a sample's target: the target itself (sequence to label), or its
/// row r of out_size values (sequence to sequence).
template <class Net, class T, class Target>
decltype(auto) row_target(const Target& target, std::size_t r) noexcept {
    if constexpr (to_label<Net, T>) {
        return (target);
    } else {
        vec<T, Net::out_size> row;
        std::copy_n(target.data() + r * Net::out_size, Net::out_size, row.data());
        return row;
    }
}

/// Copies sample x into ws's input rows, one row per step.
template <class Net, class T, std::size_t N>
void load_sample(const vec<T, N>& x, sequence_workspace<Net, T>& ws) noexcept {
    std::copy_n(x.data(), N, ws.template values<0>().data());
}

/// Runs the sequence of sample x through the network in inference mode (ws holds sequence_steps steps)
/// and returns its output rows (one after tg::last_step, else one per step).
template <class Net, class T, std::size_t N>
const T* forward_sample(const params<Net, T>& p, const vec<T, N>& x, sequence_workspace<Net, T>& ws) {
    load_sample(x, ws);
    return forward_sequence<Net>(p, ws.template values<0>(), N / Net::in_size, ws).data();
}

}  // namespace typegrad::detail
