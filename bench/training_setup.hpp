// bench/training.cpp's networks and samples, shared with scripts/ab.sh's bench/ab/side.cpp. They live
// in typegrad's namespace so that bench/ab, which renames it, gets one copy per version of the headers.
#pragma once

#include <cstddef>

#include <typegrad/typegrad.hpp>

namespace typegrad::bench_training {

using net_small = sequential<dense<784, 128>, relu, dense<128, 10>>;
using net_large = sequential<dense<784, 256>, relu, dense<256, 128>, relu, dense<128, 10>>;

inline constexpr std::size_t samples = 4096;

/// Random inputs in [0, 1) with labels 0..9, the same for every side.
inline const dataset<float, 784>& data() {
    static const dataset<float, 784> d = [] {
        dataset<float, 784> d;
        d.classes = 10;
        rng r{11};
        for (std::size_t s = 0; s < samples; ++s) {
            vec<float, 784> x;
            for (float& v : x) v = static_cast<float>(r.uniform(0, 1));
            d.push_back(x, r.next() % 10);
        }
        return d;
    }();
    return d;
}

}  // namespace typegrad::bench_training
