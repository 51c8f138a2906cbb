// tg::transposed_mat: a matrix stored column by column that indexes, compares and prints as the
// row-major tg::mat of the same elements; and a layer holding one (tg::dense's parameters with W
// stored transposed, defined here) writes and reads the same safetensors files and checkpoints as
// tg::dense, in PyTorch's row-major order.
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <filesystem>
#include <sstream>
#include <string_view>
#include <type_traits>

#include <typegrad/typegrad.hpp>

#include "io_support.hpp"

namespace tg = typegrad;
using io_support::tmp;

namespace {

/// y = W·x + b as tg::dense computes it, with W (Out×In) a tg::transposed_mat.
template <std::size_t In, std::size_t Out>
struct dense_transposed {
    static constexpr std::size_t in_size = In;
    template <std::size_t>
    static constexpr std::size_t out_size_for = Out;
    template <tg::scalar T, std::size_t>
    struct params {
        tg::transposed_mat<T, Out, In> W;
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
static_assert(tg::layer<dense_transposed<3, 4>, float, 3>);

using net = tg::sequential<tg::dense<3, 4>, tg::relu, tg::dense<4, 2>>;
using net_transposed = tg::sequential<dense_transposed<3, 4>, tg::relu, dense_transposed<4, 2>>;

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

BOOST_AUTO_TEST_SUITE(core_transposed_mat)

BOOST_AUTO_TEST_CASE(indexes_compares_and_prints_as_the_row_major_matrix) {
    constexpr tg::transposed_mat<double, 2, 3> m{1, 2, 3, 4, 5, 6};
    static_assert(m(0, 2) == 3 && m(1, 0) == 4 && m(1, 2) == 6);
    static_assert(m.data()[0] == 1 && m.data()[1] == 4 && m.data()[2] == 2 && m.data()[5] == 6);
    static_assert(m.column(1)[0] == 2 && m.column(1)[1] == 5);
    static_assert(m == tg::mat<double, 2, 3>{1, 2, 3, 4, 5, 6});
    static_assert(!(m == tg::mat<double, 2, 3>{1, 2, 3, 4, 5, 7}));
    static_assert(m == tg::transposed_mat<double, 2, 3>{1, 2, 3, 4, 5, 6});
    static_assert(!(m == tg::transposed_mat<double, 2, 3>{1, 2, 3, 4, 6, 5}));
    constexpr tg::transposed_mat<float, 2, 2> few{7};  // the rest zero, as a mat's braces leave it
    static_assert(few(0, 0) == 7 && few(0, 1) == 0 && few(1, 0) == 0 && few(1, 1) == 0);
    static_assert(tg::transposed_mat<float, 3, 5>::rows() == 3 && tg::transposed_mat<float, 3, 5>::cols() == 5);
    static_assert(std::is_trivially_copyable_v<tg::transposed_mat<float, 3, 5>>);

    std::ostringstream ours, theirs;
    ours << m;
    theirs << tg::mat<double, 2, 3>{1, 2, 3, 4, 5, 6};
    BOOST_TEST(ours.str() == "[[1, 2, 3],\n [4, 5, 6]]");
    BOOST_TEST(ours.str() == theirs.str());
}

BOOST_AUTO_TEST_CASE(a_layer_storing_W_transposed_writes_and_reads_the_files_of_tg_dense) {
    const auto p = numbered<net, float>();
    const auto q = numbered<net_transposed, float>();
    const auto row_major = tmp("transposed_row_major.safetensors"), transposed = tmp("transposed_stored.safetensors");
    tg::save(p, row_major);
    tg::save(q, transposed);
    const auto a = tg::read_safetensors(row_major), b = tg::read_safetensors(transposed);
    BOOST_REQUIRE(a.tensors.size() == b.tensors.size());
    for (const auto& t : a.tensors) {
        const tg::named_tensor* u = b.find(t.name);
        BOOST_REQUIRE_MESSAGE(u, t.name);
        BOOST_TEST((u->shape == t.shape && u->type == t.type), t.name);
        BOOST_TEST((u->data == t.data), t.name);  // the same bytes: PyTorch's row-major order
    }

    BOOST_TEST(same_logical(tg::load<net_transposed>(row_major), p));
    BOOST_TEST(same_logical(tg::load<net>(transposed), q));
    // Converted (F32 into double) before it is stored column by column.
    BOOST_TEST(same_logical(tg::load<net_transposed, double>(row_major, tg::dtype_conversion::widen),
                            numbered<net, double>()));
}

BOOST_AUTO_TEST_CASE(checkpoints_keep_the_optimizer_state_in_row_major_order) {
    const auto path = tmp("transposed_checkpoint.safetensors");
    auto p = numbered<net_transposed, double>();
    auto grad = numbered<net_transposed, double>();
    tg::adam opt{0.01};
    opt.step(p, grad);
    tg::save_checkpoint(p, opt, 1, path);

    // After one step Adam's first moment is (1 - beta1)·grad: in the file, in PyTorch's order.
    const auto contents = tg::read_safetensors(path);
    const auto exp_avg = contents.find("optimizer.exp_avg.2.weight")->values<double>();
    const auto& g = tg::get<2>(grad).W;
    BOOST_REQUIRE(exp_avg.size() == g.size());
    for (std::size_t r = 0; r < g.rows(); ++r)
        for (std::size_t c = 0; c < g.cols(); ++c) BOOST_TEST(exp_avg[r * g.cols() + c] == (1 - 0.9) * g(r, c));

    // Loaded back, the state continues the run: the next step gives the same bits.
    tg::params<net_transposed, double> resumed{};
    tg::adam fresh{0.01};
    BOOST_TEST(tg::load_checkpoint(resumed, fresh, path) == 1u);
    opt.step(p, grad);
    fresh.step(resumed, grad);
    BOOST_TEST(same_logical(resumed, p));
}

BOOST_AUTO_TEST_SUITE_END()
