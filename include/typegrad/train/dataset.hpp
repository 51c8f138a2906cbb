// tg::dataset<T, In, Target>: fixed-size samples with their labels or targets, the input of
// training and evaluation. Target is a class index (std::size_t, the default) or a vector
// tg::vec<T, Out> for regression.
#pragma once

#include <concepts>
#include <cstddef>
#include <vector>

#include <typegrad/core/error.hpp>
#include <typegrad/core/scalar.hpp>
#include <typegrad/core/vec.hpp>

namespace typegrad {

/// @brief A dataset target for element type T: a class index, or a vector of T.
template <class Target, class T>
concept dataset_target = std::same_as<Target, std::size_t> ||
                         std::same_as<Target, vec<T, Target::extent>>;

/// Samples as two parallel vectors: inputs[i] goes with targets[i].
///   dataset<float, 784> mnist;                      // labelled: targets are class indices
///   dataset<double, 3, vec<double, 2>> regression;  // targets are vectors
/// For a labelled set, `classes` is the number of classes (every label is < classes); readers
/// set it, and check() enforces it. It stays 0 for regression sets.
template <scalar T, std::size_t In, class Target = std::size_t>
    requires dataset_target<Target, T>
struct dataset {
    using value_type = T;
    using input_type = vec<T, In>;
    using target_type = Target;
    static constexpr std::size_t input_size = In;
    static constexpr bool labelled = std::same_as<Target, std::size_t>;

    std::vector<input_type> inputs;
    std::vector<target_type> targets;
    std::size_t classes = 0;

    std::size_t size() const noexcept { return inputs.size(); }
    bool empty() const noexcept { return inputs.empty(); }

    void push_back(const input_type& input, const target_type& target) {
        inputs.push_back(input);
        targets.push_back(target);
    }

    /// Throws value_error unless inputs and targets pair up and, for a labelled set with
    /// classes > 0, every label is below classes.
    void check() const {
        if (inputs.size() != targets.size())
            throw value_error(detail::message("dataset: ", inputs.size(), " inputs but ", targets.size(),
                                              " targets, expected one target per input"));
        if constexpr (labelled) {
            if (classes == 0) return;
            for (std::size_t i = 0; i < targets.size(); ++i)
                if (targets[i] >= classes)
                    throw value_error(detail::message("dataset: sample ", i, " has label ", targets[i],
                                                      ", expected a label below ", classes, " classes"));
        }
    }
};

}  // namespace typegrad
