// Every simd kernel in a constant expression: the scalar branch, with hand-computed results.
#include <type_traits>

#include <typegrad/core.hpp>
#include <typegrad/simd.hpp>

namespace tg = typegrad;
namespace simd = typegrad::simd;

constexpr tg::vec<float, 3> a{1, 2, 3}, b{4, -5, 6};
static_assert(simd::dot<3>(a.data(), b.data()) == 12);
static_assert(simd::sum<3>(b.data()) == 5);
static_assert(simd::max<3>(b.data()) == 6 && simd::max<3>(a.data()) == 3);

constexpr tg::vec<double, 3> axpy_result() {
    tg::vec<double, 3> y{1, 1, 1}, x{1, 2, 3};
    simd::axpy<3>(2.0, x.data(), y.data());
    return y;
}
static_assert(axpy_result() == tg::vec<double, 3>{3, 5, 7});

// The seed's linear neuron w = (3, -2), x = (6, 5) with bias 1, two rows: 8 + 1 and (−8) + 1.
constexpr tg::vec<float, 2> gemv_result(bool bias) {
    const tg::mat<float, 2, 2> W{3, -2, -3, 2};
    const tg::vec<float, 2> x{6, 5}, b{1, 1};
    tg::vec<float, 2> y{};
    simd::gemv<2, 2>(W.data(), x.data(), bias ? b.data() : nullptr, y.data());
    return y;
}
static_assert(gemv_result(true) == tg::vec<float, 2>{9, -7});
static_assert(gemv_result(false) == tg::vec<float, 2>{8, -8});

constexpr tg::vec<float, 2> fused_relu() {
    const tg::mat<float, 2, 2> W{3, -2, -3, 2};
    const tg::vec<float, 2> x{6, 5}, b{1, 1};
    tg::vec<float, 2> y{};
    // f is called with floats in constant expressions and with batches at run time.
    simd::gemv<2, 2>(W.data(), x.data(), b.data(), y.data(), [](auto z) {
        if constexpr (std::is_floating_point_v<decltype(z)>) return z > 0 ? z : 0.0f;
        else return xsimd::max(z, decltype(z)(0.0f));
    });
    return y;
}
static_assert(fused_relu() == tg::vec<float, 2>{9, 0});

constexpr tg::vec<double, 3> gemv_t_result() {
    const tg::mat<double, 2, 3> W{1, 2, 3, 4, 5, 6};
    const tg::vec<double, 2> x{1, -1};
    tg::vec<double, 3> y{7, 7, 7};  // overwritten, not accumulated
    simd::gemv_t<2, 3>(W.data(), x.data(), y.data());
    return y;
}
static_assert(gemv_t_result() == tg::vec<double, 3>{-3, -3, -3});

constexpr tg::mat<float, 2, 3> outer_result() {
    tg::mat<float, 2, 3> G{1, 1, 1, 1, 1, 1};
    const tg::vec<float, 2> u{1, 2};
    const tg::vec<float, 3> v{1, 2, 3};
    simd::outer_acc<2, 3>(u.data(), v.data(), G.data());
    return G;
}
static_assert(outer_result() == tg::mat<float, 2, 3>{2, 3, 4, 3, 5, 7});

constexpr tg::vec<float, 3> map_results() {
    tg::vec<float, 3> y{}, z{};
    simd::map<3>(a.data(), y.data(), [](auto v) { return v * v; });
    simd::map<3>(y.data(), b.data(), z.data(), [](auto u, auto v) { return u - v; });
    simd::map<3>(z.data(), z.data(), [](auto v) { return -v; });  // in place
    return z;
}
static_assert(map_results() == tg::vec<float, 3>{3, -9, -3});
