// What the PyTorch parity checkers of whole sequence networks (check_conv1d, check_recurrent_net)
// share: a count of the values compared and of those that differ, and the comparison itself, in
// double within 1e-12 relative (with a floor of 1).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace parity {

inline int failures = 0;
inline std::size_t compared = 0;

/// Compares ours[i] with theirs[i] for every i, printing each that differs.
inline void compare(const std::string& what, const double* ours, const std::vector<double>& theirs) {
    for (std::size_t i = 0; i < theirs.size(); ++i, ++compared)
        if (!(std::abs(ours[i] - theirs[i]) <= 1e-12 * (1 + std::abs(theirs[i])))) {
            std::printf("%s[%zu]: typegrad %.17g, PyTorch %.17g\n", what.c_str(), i, ours[i], theirs[i]);
            ++failures;
        }
}

}  // namespace parity
