// What the network and training tests share: random parameters with random biases, random input
// vectors, the largest (absolute or relative) difference between two params values, a relative error
// with a floor, a check for a value_error's text, and a small labelled problem (points on either
// side of the line x - y = 0.2).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "gradient_check.hpp"

namespace net_support {

namespace tg = typegrad;

/// tg::init's parameters for seed, with biases drawn from [-0.5, 0.5) so that they are not all 0.
template <class Net, class T = double>
tg::params<Net, T> random_params(std::uint64_t seed) {
    auto p = tg::init<Net, T>(seed);
    tg::rng r{seed + 17};
    tg::for_each_tensor(
        [&](std::size_t, std::string_view name, auto& t) {
            if (name == "bias")
                for (auto& v : t) v = static_cast<T>(r.uniform(-0.5, 0.5));
        },
        p);
    return p;
}

/// n vectors with entries uniform in [-1, 1).
template <class T, std::size_t N>
std::vector<tg::vec<T, N>> random_vecs(std::size_t n, std::uint64_t seed) {
    tg::rng r{seed};
    std::vector<tg::vec<T, N>> xs(n);
    for (auto& x : xs)
        for (auto& e : x) e = static_cast<T>(r.uniform(-1, 1));
    return xs;
}

/// n rows of N entries uniform in [lo, hi).
template <class T, std::size_t N>
tg::rows<T, N> random_rows(std::size_t n, std::uint64_t seed, double lo = -1, double hi = 1) {
    tg::rows<T, N> x(n);
    tg::rng r{seed};
    for (std::size_t i = 0; i < n * N; ++i) x.data()[i] = static_cast<T>(r.uniform(lo, hi));
    return x;
}

/// max |a - b| over every parameter of two params values of one type, or with relative = true
/// max |a - b| / max(|b|, 1); infinite if any is NaN.
template <class P>
double max_difference(const P& a, const P& b, bool relative = false) {
    double worst = 0;
    tg::for_each_tensor(
        [&](std::size_t, std::string_view, const auto& x, const auto& y) {
            for (std::size_t i = 0; i < x.size(); ++i) {
                const double scale = relative ? std::max(std::abs(double(y.data()[i])), 1.0) : 1.0;
                const double d = std::abs(double(x.data()[i]) - double(y.data()[i])) / scale;
                worst = std::isnan(d) ? INFINITY : std::max(worst, d);
            }
        },
        a, b);
    return worst;
}

/// max_difference relative to the second value, with a floor of 1.
template <class P>
double max_relative_difference(const P& a, const P& b) {
    return max_difference(a, b, true);
}

/// Whether f() throws a tg::value_error whose message contains text.
template <class F>
bool throws_value_error(F&& f, std::string_view text) {
    try {
        f();
    } catch (const tg::value_error& e) {
        return std::string_view(e.what()).find(text) != std::string_view::npos;
    }
    return false;
}

using gradient_check::relative_error;

/// n points uniform in [-1, 1)², labelled 1 where x - y > 0.2.
inline tg::dataset<double, 2> line_points(std::size_t n, std::uint64_t seed) {
    tg::dataset<double, 2> set;
    set.classes = 2;
    tg::rng r{seed};
    for (std::size_t i = 0; i < n; ++i) {
        const tg::vec<double, 2> x{r.uniform(-1, 1), r.uniform(-1, 1)};
        set.push_back(x, x[0] - x[1] > 0.2 ? 1 : 0);
    }
    return set;
}

}  // namespace net_support
