// tg::predict<Net>(p, inputs): the network's outputs for many samples at once, in inference mode
// (dropout off, batch_norm on its running statistics), on the batch path and split over threads:
// each thread takes a contiguous share of the samples and runs them batch_size rows at a time.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

#include <typegrad/core/error.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/net/batch.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/train/dataset.hpp>
#include <typegrad/train/thread_pool.hpp>

namespace typegrad {

struct predict_options {
    std::size_t batch_size = 256;  // rows per batch pass
    std::size_t threads = 0;       // threads the samples are split over; 0 = every core
};

/// Writes Net's output for inputs[i] into outputs[i], for every i. Throws value_error when the two
/// spans differ in size or options.batch_size is 0.
template <network Net, class T>
void predict(const params<Net, T>& p, std::span<const std::type_identity_t<vec<T, Net::in_size>>> inputs,
             std::span<std::type_identity_t<vec<T, Net::out_size>>> outputs, const predict_options& options = {}) {
    if (inputs.size() != outputs.size())
        throw value_error(detail::message("tg::predict: ", inputs.size(), " inputs but room for ", outputs.size(),
                                          " outputs, expected one output per input"));
    if (options.batch_size == 0) throw value_error("tg::predict: batch_size is 0, expected at least 1");
    const std::size_t n = inputs.size();
    if (n == 0) return;
    thread_pool pool(std::min(n, thread_count(options.threads)));
    auto job = [&](std::size_t t) {
        const std::size_t lo = n * t / pool.size(), hi = n * (t + 1) / pool.size();
        batch_workspace<Net, T> ws(std::min(options.batch_size, hi - lo));
        detail::infer_rows<Net>(
            p, ws, lo, hi, [&](std::size_t i) -> const auto& { return inputs[i]; },
            [&](const T* out, std::size_t i) { std::copy_n(out, Net::out_size, outputs[i].data()); });
    };
    pool.run(job);
}

/// Net's outputs for inputs, one per input.
template <network Net, class T>
std::vector<vec<T, Net::out_size>> predict(const params<Net, T>& p,
                                           std::span<const std::type_identity_t<vec<T, Net::in_size>>> inputs,
                                           const predict_options& options = {}) {
    std::vector<vec<T, Net::out_size>> outputs(inputs.size());
    predict<Net>(p, inputs, std::span(outputs), options);
    return outputs;
}

/// Net's outputs for the inputs of a data set (its targets are not used).
template <network Net, class T, class Target>
std::vector<vec<T, Net::out_size>> predict(const params<Net, T>& p, const dataset<T, Net::in_size, Target>& set,
                                           const predict_options& options = {}) {
    return predict<Net>(p, std::span(set.inputs), options);
}

}  // namespace typegrad
