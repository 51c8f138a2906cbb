// tg::panel_mat: a matrix stored in panels of 64 rows, each column by column, that indexes, compares
// and prints as the row-major tg::mat of the same elements. tg::dense, which keeps W in one, writes
// and reads the same safetensors files and checkpoints as a reference layer keeping W row-major
// (defined here), in PyTorch's row-major order, and computes the same outputs and gradients, per
// sample, per batch and with tg::fit's threads splitting its neurons.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <sstream>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "io_support.hpp"

namespace tg = typegrad;
using io_support::tmp;

namespace {

/// y = W·x + b as tg::dense computes it, with W (Out×In) a row-major tg::mat: the reference.
template <std::size_t In, std::size_t Out>
struct dense_row_major {
    static constexpr std::size_t in_size = In;
    template <std::size_t>
    static constexpr std::size_t out_size_for = Out;
    template <tg::scalar T, std::size_t>
    struct params {
        tg::mat<T, Out, In> W;
        tg::vec<T, Out> b;
        static constexpr std::size_t count = Out * In + Out;
        template <class F, class... Ps>
        static constexpr void for_each_tensor(F&& f, Ps&... ps) {
            f(std::string_view{"weight"}, ps.W...);
            f(std::string_view{"bias"}, ps.b...);
        }
    };
    template <tg::scalar T, std::size_t I>
    using params_type = params<T, I>;
    template <tg::scalar T, std::size_t>
    using cache_type = tg::input_cache<T, In>;

    template <tg::scalar T, std::size_t I>
    static void init(params<T, I>& p, tg::rng& r, tg::init_scheme) {
        for (T& w : p.W) w = static_cast<T>(r.uniform(-1, 1));
    }
    template <tg::scalar T, std::size_t I>
    static tg::vec<T, Out> forward(const params<T, I>& p, const tg::vec<T, In>& x, tg::input_cache<T, In>& cache,
                                   tg::mode) {
        cache.z = x;
        tg::vec<T, Out> y = p.b;
        for (std::size_t c = 0; c < In; ++c)
            for (std::size_t r = 0; r < Out; ++r) y[r] += p.W(r, c) * x[c];
        return y;
    }
    template <tg::scalar T, std::size_t I>
    static tg::vec<T, In> backward(const params<T, I>& p, const tg::input_cache<T, In>& cache,
                                   const tg::vec<T, Out>& grad_out, params<T, I>& grad) {
        tg::vec<T, In> grad_in{};
        for (std::size_t r = 0; r < Out; ++r) {
            grad.b[r] += grad_out[r];
            for (std::size_t c = 0; c < In; ++c) {
                grad.W(r, c) += grad_out[r] * cache.z[c];
                grad_in[c] += grad_out[r] * p.W(r, c);
            }
        }
        return grad_in;
    }
};
static_assert(tg::layer<dense_row_major<3, 4>, float, 3>);

// 130 neurons: two full panels and one of 2.
using net = tg::sequential<tg::dense<3, 130>, tg::tanh, tg::dense<130, 2>>;
using net_row_major = tg::sequential<dense_row_major<3, 130>, tg::tanh, dense_row_major<130, 2>>;

// Distinct values everywhere (W(r, c) of layer I is I + r/8 + c/64), so a transposed or shifted
// tensor cannot pass; the same logical values in either network.
template <class Net, class T>
tg::params<Net, T> numbered() {
    tg::params<Net, T> p{};
    const auto fill = [](auto& layer, T first) {
        for (std::size_t r = 0; r < layer.W.rows(); ++r) {
            layer.b[r] = first - T(r) / 4;
            for (std::size_t c = 0; c < layer.W.cols(); ++c) layer.W(r, c) = first + T(r) / 8 + T(c) / 64;
        }
    };
    fill(tg::get<0>(p), T(1));
    fill(tg::get<2>(p), T(2));
    return p;
}

template <class P, class Q>
bool same_logical(const P& p, const Q& q) {
    return tg::get<0>(p).W == tg::get<0>(q).W && tg::get<0>(p).b == tg::get<0>(q).b &&
           tg::get<2>(p).W == tg::get<2>(q).W && tg::get<2>(p).b == tg::get<2>(q).b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(core_panel_mat)

BOOST_AUTO_TEST_CASE(indexes_compares_and_prints_as_the_row_major_matrix) {
    constexpr tg::panel_mat<double, 2, 3> m{1, 2, 3, 4, 5, 6};
    static_assert(m(0, 2) == 3 && m(1, 0) == 4 && m(1, 2) == 6);
    static_assert(m.data()[0] == 1 && m.data()[1] == 4 && m.data()[2] == 2 && m.data()[5] == 6);
    static_assert(m == tg::mat<double, 2, 3>{1, 2, 3, 4, 5, 6});
    static_assert(!(m == tg::mat<double, 2, 3>{1, 2, 3, 4, 5, 7}));
    static_assert(m == tg::panel_mat<double, 2, 3>{1, 2, 3, 4, 5, 6});
    static_assert(!(m == tg::panel_mat<double, 2, 3>{1, 2, 3, 4, 6, 5}));
    constexpr tg::panel_mat<float, 2, 2> few{7};  // the rest zero, as a mat's braces leave it
    static_assert(few(0, 0) == 7 && few(0, 1) == 0 && few(1, 0) == 0 && few(1, 1) == 0);
    static_assert(tg::panel_mat<float, 3, 5>::rows() == 3 && tg::panel_mat<float, 3, 5>::cols() == 5);
    static_assert(std::is_trivially_copyable_v<tg::panel_mat<float, 3, 5>>);

    // 130 rows of 3: panels of 64, 64 and 2 rows, each column by column.
    using big = tg::panel_mat<float, 130, 3>;
    static_assert(big::offset(0, 0) == 0 && big::offset(63, 0) == 63 && big::offset(0, 1) == 64);
    static_assert(big::offset(64, 0) == 192 && big::offset(65, 2) == 192 + 128 + 1);
    static_assert(big::offset(128, 0) == 384 && big::offset(129, 1) == 384 + 2 + 1 && big::offset(129, 2) == 389);
    std::vector<bool> seen(big::size());
    for (std::size_t r = 0; r < big::rows(); ++r)
        for (std::size_t c = 0; c < big::cols(); ++c) seen.at(big::offset(r, c)) = true;
    BOOST_TEST(std::count(seen.begin(), seen.end(), true) == std::ptrdiff_t(big::size()));

    std::ostringstream ours, theirs;
    ours << m;
    theirs << tg::mat<double, 2, 3>{1, 2, 3, 4, 5, 6};
    BOOST_TEST(ours.str() == "[[1, 2, 3],\n [4, 5, 6]]");
    BOOST_TEST(ours.str() == theirs.str());
}

BOOST_AUTO_TEST_CASE(tg_dense_writes_and_reads_the_files_of_a_row_major_layer) {
    const auto p = numbered<net, float>();
    const auto q = numbered<net_row_major, float>();
    const auto panels = tmp("panel_stored.safetensors"), row_major = tmp("panel_row_major.safetensors");
    tg::save(p, panels);
    tg::save(q, row_major);
    const auto a = tg::read_safetensors(row_major), b = tg::read_safetensors(panels);
    BOOST_REQUIRE(a.tensors.size() == b.tensors.size());
    for (const auto& t : a.tensors) {
        const tg::named_tensor* u = b.find(t.name);
        BOOST_REQUIRE_MESSAGE(u, t.name);
        BOOST_TEST((u->shape == t.shape && u->type == t.type), t.name);
        BOOST_TEST((u->data == t.data), t.name);  // the same bytes: PyTorch's row-major order
    }

    BOOST_TEST(same_logical(tg::load<net>(row_major), q));
    BOOST_TEST(same_logical(tg::load<net_row_major>(panels), p));
    // Converted (F32 into double) before it is stored in panels.
    BOOST_TEST(same_logical(tg::load<net, double>(row_major, tg::dtype_conversion::widen),
                            numbered<net_row_major, double>()));
}

BOOST_AUTO_TEST_CASE(checkpoints_keep_the_optimizer_state_in_row_major_order) {
    const auto path = tmp("panel_checkpoint.safetensors");
    auto p = numbered<net, double>();
    auto grad = numbered<net, double>();
    tg::adam opt{0.01};
    opt.step(p, grad);
    tg::save_checkpoint(p, opt, 1, path);

    // After one step Adam's first moment is (1 - beta1)·grad: in the file, in PyTorch's order.
    const auto contents = tg::read_safetensors(path);
    const auto exp_avg = contents.find("optimizer.exp_avg.0.weight")->values<double>();
    const auto& g = tg::get<0>(grad).W;
    BOOST_REQUIRE(exp_avg.size() == g.size());
    for (std::size_t r = 0; r < g.rows(); ++r)
        for (std::size_t c = 0; c < g.cols(); ++c) BOOST_TEST(exp_avg[r * g.cols() + c] == (1 - 0.9) * g(r, c));

    // Loaded back, the state continues the run: the next step gives the same bits.
    tg::params<net, double> resumed{};
    tg::adam fresh{0.01};
    BOOST_TEST(tg::load_checkpoint(resumed, fresh, path) == 1u);
    opt.step(p, grad);
    fresh.step(resumed, grad);
    BOOST_TEST((resumed == p));
}

// tg::dense's outputs and gradients, per sample and per batch, equal the row-major reference's. (Its
// neurons split between threads in panels: train_fit's networks_of_dense_layers_split_by_neurons.)
BOOST_AUTO_TEST_CASE(outputs_and_gradients_equal_the_row_major_layer) {
    using T = double;
    const auto p = numbered<net, T>();
    const auto q = numbered<net_row_major, T>();
    tg::rng r(5);
    std::vector<tg::vec<T, 3>> xs(37);
    std::vector<tg::vec<T, 2>> ys(xs.size());
    for (std::size_t s = 0; s < xs.size(); ++s) {
        for (auto& v : xs[s]) v = r.uniform(-1, 1);
        for (auto& v : ys[s]) v = r.uniform(-1, 1);
    }
    // The largest difference between the weights and biases of a and b, relative to b's largest value:
    // the two layers sum in different orders (which differ with the SIMD width), so the results agree
    // to rounding, about 1e-15 of their size, while a transposed or shifted tensor would differ by
    // about 1.
    const auto difference = [](const auto& a, const auto& b) {
        double d = 0, size = 0;
        const auto layer = [&](const auto& u, const auto& v) {
            for (std::size_t i = 0; i < u.W.rows(); ++i) {
                d = std::max(d, std::abs(u.b[i] - v.b[i]));
                size = std::max(size, std::abs(v.b[i]));
                for (std::size_t c = 0; c < u.W.cols(); ++c) {
                    d = std::max(d, std::abs(u.W(i, c) - v.W(i, c)));
                    size = std::max(size, std::abs(v.W(i, c)));
                }
            }
        };
        layer(tg::get<0>(a), tg::get<0>(b));
        layer(tg::get<2>(a), tg::get<2>(b));
        return d / size;
    };
    auto mean = std::make_unique<tg::params<net_row_major, T>>();
    for (std::size_t s = 0; s < xs.size(); ++s) {
        const auto y = tg::forward(p, xs[s]), z = tg::forward(q, xs[s]);
        BOOST_TEST(std::abs(y[0] - z[0]) + std::abs(y[1] - z[1]) < 1e-12 * (std::abs(z[0]) + std::abs(z[1])));
        const auto ours = tg::value_and_grad<net>(p, xs[s], ys[s], tg::mse{});
        const auto theirs = tg::value_and_grad<net_row_major>(q, xs[s], ys[s], tg::mse{});
        BOOST_TEST(std::abs(ours.value - theirs.value) < 1e-12 * theirs.value);
        BOOST_TEST(difference(ours.grad, theirs.grad) < 1e-12);
        tg::for_each_tensor([&](std::size_t, std::string_view, auto& m, const auto& g) {
            for (std::size_t i = 0; i < m.size(); ++i) m.data()[i] += g.data()[i] / T(xs.size());
        }, *mean, theirs.grad);
    }
    tg::batch_workspace<net, T> ws(xs.size());
    auto batch = std::make_unique<tg::params<net, T>>();
    tg::value_and_grad_batch<net>(p, ws, std::span(std::as_const(xs)), std::span(std::as_const(ys)), tg::mse{}, *batch);
    BOOST_TEST(difference(*batch, *mean) < 1e-12);
}

BOOST_AUTO_TEST_SUITE_END()
