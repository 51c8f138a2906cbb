// The batch kernels on a range of neurons (simd::index_range), as tg::fit's threads run them when
// they split a layer: together, the ranges of a split give what the whole-layer kernels give. The
// forward's sums, and the weight and bias gradients of a range, are the same sums as the whole
// layer's, bit for bit (the forward's f may differ in the last bits: a range's last few columns take
// it one at a time); the input gradient's parts add up to the whole within the rounding of a split sum.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <typegrad/simd.hpp>

#include "simd_reference.hpp"

using namespace simd_test;
namespace simd = typegrad::simd;

namespace {

template <class T, std::size_t In, std::size_t Out>
void check_split(std::size_t n, const std::vector<std::size_t>& cuts) {
    array<T> X(n * In, 61), W(Out * In, 62), b(Out, 63), dZ(n * Out, 64);
    array<T> Z(n * Out, 65), G(Out * In, 66), dX(n * In, 67), db(Out, 68);
    array<T> Zs(n * Out, 65), Gs(Out * In, 66), Gadd(Out * In, 69), Gadds(Out * In, 69), dXs(n * In, 70), dbs(Out, 68);
    const auto tanh = [](auto z) {
        using std::tanh;
        return tanh(z);
    };
    simd::gemm_forward<In, Out>(n, X.data(), W.data(), b.data(), Z.data(), tanh);
    simd::gemm_weight_grad<In, Out, false>(n, dZ.data(), X.data(), G.data());
    simd::gemm_weight_grad<In, Out, true>(n, dZ.data(), X.data(), Gadd.data());
    simd::gemm_input_grad<In, Out>(n, dZ.data(), W.data(), dX.data());
    simd::bias_grad<Out, false>(n, dZ.data(), db.data());
    std::vector<T> part(n * In);
    for (std::size_t i = 0; i < n * In; ++i) dXs[i] = 0;
    for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
        const simd::index_range r{cuts[k], cuts[k + 1]};
        simd::gemm_forward<In, Out>(n, X.data(), W.data(), b.data(), Zs.data(), tanh, r);
        simd::gemm_weight_grad<In, Out, false>(n, dZ.data(), X.data(), Gs.data(), r);
        simd::gemm_weight_grad<In, Out, true>(n, dZ.data(), X.data(), Gadds.data(), r);
        simd::gemm_input_grad<In, Out>(n, dZ.data(), W.data(), part.data(), r);
        for (std::size_t i = 0; i < n * In; ++i) dXs[i] += part[i];
        simd::bias_grad<Out, false>(n, dZ.data(), dbs.data(), r);
    }
    std::string shape = name<T>("split gemm", In, Out) + " n=" + std::to_string(n) + " cuts";
    for (std::size_t c : cuts) shape += ' ' + std::to_string(c);
    // A narrow layer's forward (4·In ≤ one batch) runs as a gemv whole, and as scalar sums in a range.
    const bool narrow = 4 * In <= simd::width<T>;
    for (std::size_t i = 0; i < n * Out; ++i)
        expect(std::fabs(Zs[i] - Z[i]) <= (narrow ? bound<T>(In, In) : 4 * std::numeric_limits<T>::epsilon()),
               "forward " + shape, i);
    for (std::size_t i = 0; i < Out * In; ++i) {
        expect(Gs[i] == G[i], "weight grad replacing " + shape, i);
        expect(Gadds[i] == Gadd[i], "weight grad adding " + shape, i);
    }
    for (std::size_t o = 0; o < Out; ++o) expect(dbs[o] == db[o], "bias grad " + shape, o);
    for (std::size_t s = 0; s < n; ++s)
        for (std::size_t i = 0; i < In; ++i) {
            long double magnitude = 0;
            for (std::size_t o = 0; o < Out; ++o) magnitude += std::fabs((long double)dZ[s * Out + o] * W[typegrad::detail::panel_offset(Out, In, o, i)]);
            expect(close(dXs[s * In + i], dX[s * In + i], 2 * Out, magnitude), "input grad parts " + shape, s * In + i);
        }
}

template <class T, std::size_t In, std::size_t Out>
void check_splits() {
    // Halves and thirds, cut anywhere (tg::split_neurons cuts at multiples of 16, but a kernel takes any
    // range), an empty range, and cuts off the batch width.
    for (std::size_t n : {0, 5, 64})
        for (const std::vector<std::size_t>& cuts : {std::vector<std::size_t>{0, Out / 2, Out},
                                                    std::vector<std::size_t>{0, Out / 3, Out / 3, 2 * Out / 3, Out},
                                                    std::vector<std::size_t>{0, 1, Out}})
            check_split<T, In, Out>(n, cuts);
}

// The weight gradient by inputs (simd::gemm_weight_grad_inputs), as tg::fit's threads split that of a
// layer whose neurons they leave uncut: the ranges' columns make up the whole gradient, bit for bit.
template <class T, std::size_t In, std::size_t Out>
void check_input_split(std::size_t n, const std::vector<std::size_t>& cuts) {
    array<T> X(n * In, 61), dZ(n * Out, 64), G(Out * In, 66), Gs(Out * In, 66), Gadd(Out * In, 69), Gadds(Out * In, 69);
    simd::gemm_weight_grad<In, Out, false>(n, dZ.data(), X.data(), G.data());
    simd::gemm_weight_grad<In, Out, true>(n, dZ.data(), X.data(), Gadd.data());
    for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
        const simd::index_range inputs{cuts[k], cuts[k + 1]};
        simd::gemm_weight_grad_inputs<In, Out, false>(n, dZ.data(), X.data(), Gs.data(), inputs);
        simd::gemm_weight_grad_inputs<In, Out, true>(n, dZ.data(), X.data(), Gadds.data(), inputs);
    }
    std::string shape = name<T>("weight grad by inputs", In, Out) + " n=" + std::to_string(n) + " cuts";
    for (std::size_t c : cuts) shape += ' ' + std::to_string(c);
    for (std::size_t i = 0; i < Out * In; ++i) {
        expect(Gs[i] == G[i], "replacing " + shape, i);
        expect(Gadds[i] == Gadd[i], "adding " + shape, i);
    }
}

template <class T, std::size_t In, std::size_t Out>
void check_input_splits() {
    for (std::size_t n : {0, 5, 64})
        for (const std::vector<std::size_t>& cuts : {std::vector<std::size_t>{0, In / 2, In},
                                                    std::vector<std::size_t>{0, 0, In / 3, In},
                                                    std::vector<std::size_t>{0, 1, In}})
            check_input_split<T, In, Out>(n, cuts);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(simd_gemm_split)

BOOST_AUTO_TEST_CASE(ranges_of_inputs_make_up_the_weight_gradient) {
    check_input_splits<float, 128, 10>();
    check_input_splits<float, 40, 20>();
    check_input_splits<double, 37, 5>();
    check_input_splits<float, 19, 130>();  // three panels, each cut the same way
    if constexpr (!fewer_sizes) check_input_splits<float, 784, 20>();
}

BOOST_AUTO_TEST_CASE(ranges_of_neurons_make_up_the_layer) {
    check_splits<float, 128, 10>();
    check_splits<float, 2, 16>();  // a narrow layer, whose forward is a gemv per sample
    check_splits<float, 19, 33>();
    check_splits<double, 37, 5>();
    check_splits<float, 19, 130>();  // three panels: 64, 64 and 2 neurons
    if constexpr (!fewer_sizes) check_splits<float, 784, 256>();
}

BOOST_AUTO_TEST_SUITE_END()
