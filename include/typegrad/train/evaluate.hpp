// tg::evaluate and tg::accuracy: how a network does on a data set, run on the batch path in
// inference mode. Accuracy counts a sample as right when its largest output is at its label.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <span>

#include <typegrad/core/error.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/loss/loss.hpp>
#include <typegrad/net/batch.hpp>
#include <typegrad/net/params.hpp>

namespace typegrad {

struct evaluation {
    double loss;      // the mean loss per sample
    double accuracy;  // the fraction classified right (labelled data); NaN for regression data
};

namespace detail {

/// The index of the largest of n values (the first, on a tie).
template <class T>
std::size_t argmax(const T* values, std::size_t n) noexcept {
    return static_cast<std::size_t>(std::max_element(values, values + n) - values);
}

template <class Net, class T, class Data>
constexpr void check_data() {
    static_assert(std::same_as<typename Data::value_type, T>,
                  "tg::fit / tg::evaluate: the data set's element type must be the parameters' (tg::params<Net, T>)");
    static_assert(Data::input_size == Net::in_size,
                  "tg::fit / tg::evaluate: the data set's sample size must be the network's in_size");
}

/// Calls score(output row, sample index) for every sample of set, or for the samples `rows` lists when
/// it is not empty, in chunks on the batch path.
template <class Net, class T, class Data, class Score>
void for_each_output(const params<Net, T>& p, const Data& set, Score score, std::span<const std::size_t> rows = {}) {
    constexpr std::size_t chunk = 256;
    const std::size_t count = rows.empty() ? set.size() : rows.size();
    const auto sample = [&](std::size_t i) { return rows.empty() ? i : rows[i]; };
    batch_workspace<Net, T> ws(std::min(chunk, count));
    for (std::size_t begin = 0; begin < count; begin += chunk) {
        const std::size_t n = std::min(chunk, count - begin);
        for (std::size_t r = 0; r < n; ++r) ws.set_input(r, set.inputs[sample(begin + r)]);
        forward_batch<Net>(p, ws, n, {mode::inference});
        for (std::size_t r = 0; r < n; ++r) score(ws.output(r), sample(begin + r));
    }
}

/// tg::evaluate on the samples `rows` lists (all of set when it is empty), which must not be none.
template <class Net, class T, class Data, class Loss>
evaluation evaluate_rows(const params<Net, T>& p, const Data& set, const Loss& loss,
                         std::span<const std::size_t> rows = {}) {
    double loss_sum = 0;
    std::size_t right = 0;
    for_each_output<Net>(
        p, set,
        [&](const T* out, std::size_t i) {
            vec<T, Net::out_size> y;
            std::copy_n(out, Net::out_size, y.data());
            loss_sum += loss.value(y, set.targets[i]);
            if constexpr (Data::labelled) right += argmax(out, Net::out_size) == set.targets[i];
        },
        rows);
    const double n = double(rows.empty() ? set.size() : rows.size());
    return {loss_sum / n, Data::labelled ? double(right) / n : std::numeric_limits<double>::quiet_NaN()};
}

}  // namespace detail

/// The fraction of the samples of a labelled set whose largest output is at their label. Throws
/// value_error for a label that names no output, as fit and evaluate do (through the loss).
template <network Net, class T, class Data>
double accuracy(const params<Net, T>& p, const Data& set) {
    detail::check_data<Net, T, Data>();
    static_assert(Data::labelled, "tg::accuracy needs a labelled data set (class-index targets)");
    static_assert(Net::out_size >= 2, "tg::accuracy needs one output per class (out_size >= 2)");
    set.check();
    if (set.empty()) throw value_error("tg::accuracy: the data set is empty");
    // set.check() tests labels only against set.classes, which is 0 for a set built by push_back.
    for (std::size_t i = 0; i < set.size(); ++i)
        if (set.targets[i] >= Net::out_size)
            throw value_error(detail::message("tg::accuracy: sample ", i, " has label ", set.targets[i],
                                              ", expected a label below ", Net::out_size,
                                              " (one class per network output)"));
    std::size_t right = 0;
    detail::for_each_output<Net>(p, set, [&](const T* out, std::size_t i) {
        right += detail::argmax(out, Net::out_size) == set.targets[i];
    });
    return double(right) / double(set.size());
}

/// The mean loss over a data set and, for a labelled one, the accuracy.
template <network Net, class T, class Data, class Loss>
    requires loss_for<Loss, T, Net::out_size>
evaluation evaluate(const params<Net, T>& p, const Data& set, const Loss& loss) {
    detail::check_data<Net, T, Data>();
    set.check();
    if (set.empty()) throw value_error("tg::evaluate: the data set is empty");
    return detail::evaluate_rows<Net>(p, set, loss);
}

}  // namespace typegrad
