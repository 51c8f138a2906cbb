// tg::evaluate, tg::accuracy, tg::confusion_matrix and tg::r2: how a network does on a data set, run
// on the batch path in inference mode (a sequence network: each sample a sequence through
// tg::forward_sequence, see train/sequence_data.hpp). A sample is classified as its largest output.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include <typegrad/core/error.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/loss/loss.hpp>
#include <typegrad/net/batch.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/train/sequence_data.hpp>

namespace typegrad {

struct evaluation {
    double loss;      // the mean loss per sample (with class weights: Σ losses / Σ weights, as PyTorch's mean;
                      // sequence to sequence: per output row, each step's)
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
    if constexpr (sequence_network<Net>) check_sequence_data<Net, T, Data>();
    else
        static_assert(Data::input_size == Net::in_size,
                      "tg::fit / tg::evaluate: the data set's sample size must be the network's in_size");
}

/// Calls score(output row, sample index) for every sample of set, or for the samples `rows` lists when
/// it is not empty, in chunks on the batch path (a sequence network: one sequence at a time).
template <class Net, class T, class Data, class Score>
void for_each_output(const params<Net, T>& p, const Data& set, Score score, std::span<const std::size_t> rows = {}) {
    constexpr std::size_t chunk = 256;
    const std::size_t count = rows.empty() ? set.size() : rows.size();
    const auto sample = [&](std::size_t i) { return rows.empty() ? i : rows[i]; };
    if constexpr (sequence_network<Net>) {
        sequence_workspace<Net, T> ws(sequence_steps<Net, Data>);
        for (std::size_t i = 0; i < count; ++i)
            score(forward_sample<Net>(p, set.inputs[sample(i)], ws), sample(i));
    } else {
        batch_workspace<Net, T> ws(std::min(chunk, count));
        infer_rows<Net>(
            p, ws, 0, count, [&](std::size_t i) -> const auto& { return set.inputs[sample(i)]; },
            [&](const T* out, std::size_t i) { score(out, sample(i)); });
    }
}

/// tg::evaluate on the samples `rows` lists (all of set when it is empty), which must not be none.
template <class Net, class T, class Data, class Loss>
evaluation evaluate_rows(const params<Net, T>& p, const Data& set, const Loss& loss,
                         std::span<const std::size_t> rows = {}) {
    double loss_sum = 0, weight_sum = 0;
    std::size_t right = 0;
    const auto score_row = [&](const T* out, const auto& target) {
        vec<T, Net::out_size> y;
        std::copy_n(out, Net::out_size, y.data());
        loss_sum += loss.value(y, target);
        weight_sum += sample_weight<T, Net::out_size>(loss, target);
    };
    for_each_output<Net>(
        p, set,
        [&](const T* out, std::size_t i) {
            if constexpr (sequence_network<Net> && !to_label<Net, T>) {
                for (std::size_t r = 0; r < sequence_steps<Net, Data>; ++r)
                    score_row(out + r * Net::out_size, row_target<Net, T>(set.targets[i], r));
            } else {
                score_row(out, set.targets[i]);
                if constexpr (Data::labelled) right += argmax(out, Net::out_size) == set.targets[i];
            }
        },
        rows);
    const double n = double(rows.empty() ? set.size() : rows.size());
    return {loss_sum / weight_sum, Data::labelled ? double(right) / n : std::numeric_limits<double>::quiet_NaN()};
}

}  // namespace detail

namespace detail {

/// Throws value_error unless set is a non-empty labelled set whose every label names an output.
template <class Net, class Data>
void check_labels(std::string_view who, const Data& set) {
    set.check();
    if (set.empty()) throw value_error(message(who, ": the data set is empty"));
    // set.check() tests labels only against set.classes, which is 0 for a set built by push_back.
    for (std::size_t i = 0; i < set.size(); ++i)
        if (set.targets[i] >= Net::out_size)
            throw value_error(message(who, ": sample ", i, " has label ", set.targets[i], ", expected a label below ",
                                      Net::out_size, " (one class per network output)"));
}

}  // namespace detail

/// The fraction of the samples of a labelled set whose largest output is at their label. Throws
/// value_error for a label that names no output, as fit and evaluate do (through the loss).
template <network Net, class T, class Data>
double accuracy(const params<Net, T>& p, const Data& set) {
    detail::check_data<Net, T, Data>();
    static_assert(Data::labelled, "tg::accuracy needs a labelled data set (class-index targets)");
    static_assert(Net::out_size >= 2, "tg::accuracy needs one output per class (out_size >= 2)");
    detail::check_labels<Net>("tg::accuracy", set);
    std::size_t right = 0;
    detail::for_each_output<Net>(p, set, [&](const T* out, std::size_t i) {
        right += detail::argmax(out, Net::out_size) == set.targets[i];
    });
    return double(right) / double(set.size());
}

/// How a classifier's predictions fall: count(label, predicted) over the samples, one class per
/// output, with each class's precision and recall (scikit-learn's confusion_matrix, and
/// precision_score and recall_score with average=None, except that a class with no sample to divide
/// by gives NaN rather than 0).
struct confusion {
    std::size_t classes = 0;
    std::vector<std::size_t> counts;  // classes × classes: row = the label, column = the predicted class

    std::size_t count(std::size_t label, std::size_t predicted) const { return counts.at(label * classes + predicted); }
    /// Of the samples predicted c, the fraction labelled c.
    double precision(std::size_t c) const { return ratio(c, [&](std::size_t k) { return count(k, c); }); }
    /// Of the samples labelled c, the fraction predicted c.
    double recall(std::size_t c) const { return ratio(c, [&](std::size_t k) { return count(c, k); }); }
    /// The fraction predicted right: the diagonal over every sample.
    double accuracy() const {
        std::size_t right = 0, all = 0;
        for (std::size_t k = 0; k < classes; ++k) right += count(k, k);
        for (std::size_t n : counts) all += n;
        return double(right) / double(all);
    }

private:
    template <class F>
    double ratio(std::size_t c, F cell) const {
        std::size_t all = 0;
        for (std::size_t k = 0; k < classes; ++k) all += cell(k);
        return all ? double(count(c, c)) / double(all) : std::numeric_limits<double>::quiet_NaN();
    }
};

/// The confusion matrix of a labelled set, one class per network output. Throws value_error for an
/// empty set or a label that names no output.
template <network Net, class T, class Data>
confusion confusion_matrix(const params<Net, T>& p, const Data& set) {
    detail::check_data<Net, T, Data>();
    static_assert(Data::labelled, "tg::confusion_matrix needs a labelled data set (class-index targets)");
    static_assert(Net::out_size >= 2, "tg::confusion_matrix needs one output per class (out_size >= 2)");
    detail::check_labels<Net>("tg::confusion_matrix", set);
    confusion result{Net::out_size, std::vector<std::size_t>(Net::out_size * Net::out_size)};
    detail::for_each_output<Net>(p, set, [&](const T* out, std::size_t i) {
        ++result.counts[set.targets[i] * Net::out_size + detail::argmax(out, Net::out_size)];
    });
    return result;
}

/// The coefficient of determination of a regression set, 1 - Σ(y - ŷ)² / Σ(y - ȳ)² per output,
/// averaged over the outputs (scikit-learn's r2_score, multioutput="uniform_average"): 1 for a
/// perfect fit, 0 for predicting each output's mean, below 0 for worse. An output whose targets are
/// all equal scores 1 when it is predicted exactly and 0 otherwise, as scikit-learn does.
template <network Net, class T, class Data>
double r2(const params<Net, T>& p, const Data& set) {
    detail::check_data<Net, T, Data>();
    static_assert(!Data::labelled, "tg::r2 needs a regression data set (vector targets)");
    if constexpr (sequence_network<Net>)
        static_assert(detail::to_label<Net, T>, "tg::r2 scores one output row per sample: a sequence network ending in tg::last_step");
    set.check();
    if (set.empty()) throw value_error("tg::r2: the data set is empty");
    constexpr std::size_t outputs = Net::out_size;
    std::vector<double> mean(outputs), residual(outputs), total(outputs);
    for (const auto& y : set.targets)
        for (std::size_t j = 0; j < outputs; ++j) mean[j] += double(y[j]) / double(set.size());
    for (const auto& y : set.targets)
        for (std::size_t j = 0; j < outputs; ++j) total[j] += (double(y[j]) - mean[j]) * (double(y[j]) - mean[j]);
    detail::for_each_output<Net>(p, set, [&](const T* out, std::size_t i) {
        for (std::size_t j = 0; j < outputs; ++j)
            residual[j] += (double(set.targets[i][j]) - double(out[j])) * (double(set.targets[i][j]) - double(out[j]));
    });
    double sum = 0;
    for (std::size_t j = 0; j < outputs; ++j)
        sum += total[j] > 0 ? 1 - residual[j] / total[j] : residual[j] == 0 ? 1.0 : 0.0;
    return sum / double(outputs);
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
