// Networks inside networks: tg::residual and a tg::sequential nested in another. Their tensors are
// named as PyTorch's nested modules name them; their gradients match finite differences through the
// block and its skip connection; the batch passes equal the per-sample ones; the fused SGD steps equal
// the plain ones; tg::fit trains them on threads; save and load round-trip them.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "io_support.hpp"
#include "net_support.hpp"

namespace tg = typegrad;
using net_support::max_difference;
using net_support::random_vecs;
using net_support::relative_error;

namespace {

// Every bias drawn from [-0.5, 0.5), nested ones included, so that none is 0.
template <class Net, class T = double>
tg::params<Net, T> random_params(std::uint64_t seed) {
    auto p = tg::init<Net, T>(seed);
    tg::rng r{seed + 17};
    tg::for_each_tensor(
        [&](std::size_t, std::string_view name, auto& t) {
            if (name.ends_with("bias"))
                for (auto& v : t) v = static_cast<T>(r.uniform(-0.5, 0.5));
        },
        p);
    return p;
}

// A residual block after a dense layer, a nested sequential, and a residual block holding one.
using mixed = tg::sequential<tg::dense<3, 8>, tg::relu, tg::residual<tg::dense<8, 8>, tg::tanh, tg::dense<8, 8>>,
                             tg::sigmoid, tg::sequential<tg::dense<8, 5>, tg::relu, tg::dense<5, 6>>,
                             tg::residual<tg::tanh, tg::sequential<tg::dense<6, 6>, tg::sigmoid>>, tg::dense<6, 2>>;
// Odd widths, blocks first and last.
using odd = tg::sequential<tg::residual<tg::dense<17, 5>, tg::relu, tg::dense<5, 17>>, tg::tanh, tg::dense<17, 3>,
                           tg::sequential<tg::dense<3, 67>, tg::tanh, tg::residual<tg::dense<67, 67>, tg::relu>,
                                          tg::dense<67, 1>>>;

// Three branches joined: a nested sequential, a dense layer and a residual block (4 + 3 + 8 outputs).
using joined = tg::sequential<tg::dense<5, 8>, tg::tanh,
                              tg::concat<tg::sequential<tg::dense<8, 4>, tg::relu>, tg::dense<8, 3>,
                                         tg::residual<tg::dense<8, 8>, tg::sigmoid>>,
                              tg::dense<15, 2>>;

std::vector<std::string> tensor_names(const auto& p) {
    std::vector<std::string> names;
    tg::for_each_tensor([&](std::size_t layer, std::string_view name, const auto&) {
        names.push_back(std::to_string(layer) + "." + std::string(name));
    }, p);
    return names;
}

// The largest relative error of value_and_grad's parameter and input gradients against central differences.
template <class Net>
double worst_gradient_error(std::uint64_t seed) {
    auto p = random_params<Net>(seed);
    auto x = random_vecs<double, Net::in_size>(1, seed + 1)[0];
    const auto target = random_vecs<double, Net::out_size>(1, seed + 2)[0];
    const tg::mse loss;

    tg::params<Net, double> grad{};
    tg::workspace<Net, double> ws;
    tg::vec<double, Net::out_size> grad_out;
    loss.value_and_grad(tg::forward<Net>(p, x, ws, tg::mode::training), target, grad_out);
    const auto grad_x = tg::backward<Net>(p, ws, grad_out, grad);

    auto loss_at = [&] { return loss.value(tg::forward<Net>(p, x), target); };
    return std::max(gradient_check::worst_over_params(p, grad, loss_at),
                    gradient_check::worst_over_values(x.data(), grad_x.data(), x.size(), loss_at));
}

// value_and_grad_batch of n samples against the mean of the per-sample gradients, in both grad modes.
template <class Net, class T>
void check_batch(std::size_t n, double tolerance) {
    const auto p = random_params<Net, T>(5);
    const auto xs = random_vecs<T, Net::in_size>(n, 6);
    const auto ys = random_vecs<T, Net::out_size>(n, 7);
    tg::params<Net, T> expected{};
    T expected_loss{};
    for (std::size_t i = 0; i < n; ++i) expected_loss += tg::value_and_grad<Net>(p, xs[i], ys[i], tg::mse{}, expected, *std::make_unique<tg::workspace<Net, T>>());
    tg::for_each_tensor([&](std::size_t, std::string_view, auto& g) { for (auto& v : g) v /= T(n); }, expected);

    tg::batch_workspace<Net, T> ws(n);
    for (const auto how : {tg::grad_mode::add, tg::grad_mode::assign}) {
        auto grad = random_params<Net, T>(8);  // overwritten by assign; added to by add
        const auto start = grad;
        const T loss = tg::value_and_grad_batch<Net>(p, ws, std::span(xs), std::span(ys), tg::mse{}, grad,
                                                     {tg::mode::training}, how);
        BOOST_TEST(relative_error(loss, expected_loss) <= tolerance);
        if (how == tg::grad_mode::add)
            tg::for_each_tensor([](std::size_t, std::string_view, auto& g, const auto& s) {
                for (std::size_t i = 0; i < g.size(); ++i) g.data()[i] -= s.data()[i];
            }, grad, start);
        BOOST_TEST(max_difference(grad, expected) <= tolerance);
        for (std::size_t i = 0; i < n; ++i) {
            const auto y = tg::forward<Net>(p, xs[i]);
            for (std::size_t k = 0; k < Net::out_size; ++k)
                BOOST_TEST(std::abs(ws.output(i)[k] - y[k]) <= tolerance);
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(net_blocks)

BOOST_AUTO_TEST_CASE(tensors_are_named_as_nested_pytorch_modules) {
    const std::vector<std::string> expected{"0.weight",     "0.bias",       "2.0.weight", "2.0.bias",
                                            "2.2.weight",   "2.2.bias",     "4.0.weight", "4.0.bias",
                                            "4.2.weight",   "4.2.bias",     "5.1.0.weight", "5.1.0.bias",
                                            "6.weight",     "6.bias"};
    BOOST_TEST(tensor_names(tg::params<mixed, float>{}) == expected, boost::test_tools::per_element());
    static_assert(mixed::in_size == 3 && mixed::out_size == 2);
    static_assert(mixed::param_count == 3 * 8 + 8 + 2 * (8 * 8 + 8) + 8 * 5 + 5 + 5 * 6 + 6 + 6 * 6 + 6 + 6 * 2 + 2);
    static_assert(odd::in_size == 17 && odd::out_size == 1);

    const std::vector<std::string> branches{"0.weight",   "0.bias",   "2.0.0.weight", "2.0.0.bias", "2.1.weight",
                                            "2.1.bias",   "2.2.0.weight", "2.2.0.bias", "3.weight", "3.bias"};
    BOOST_TEST(tensor_names(tg::params<joined, float>{}) == branches, boost::test_tools::per_element());
    static_assert(joined::sizes[3] == 15);
}

BOOST_AUTO_TEST_CASE(concat_puts_the_branches_outputs_one_after_the_other) {
    using net = tg::sequential<tg::concat<tg::dense<2, 1>, tg::sequential<tg::dense<2, 2>, tg::relu>>>;
    tg::params<net, double> p{};
    tg::get<0>(tg::get<0>(p)).W(0, 1) = 3;  // branch 0: 3·x₁
    auto& inner = tg::get<0>(tg::get<1>(tg::get<0>(p)));
    inner.W(0, 0) = 1;  // relu(x₀)
    inner.W(1, 0) = -1;  // relu(-x₀)
    const auto y = tg::forward<net>(p, tg::vec<double, 2>{2, 5});
    BOOST_TEST(y.size() == 3u);
    BOOST_TEST(y[0] == 15);
    BOOST_TEST(y[1] == 2);
    BOOST_TEST(y[2] == 0);
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences) {
    BOOST_TEST(worst_gradient_error<mixed>(1) <= 1e-6);
    BOOST_TEST(worst_gradient_error<odd>(2) <= 1e-6);
    using only_a_block = tg::sequential<tg::residual<tg::dense<4, 4>>>;
    BOOST_TEST(worst_gradient_error<only_a_block>(3) <= 1e-6);
    BOOST_TEST(worst_gradient_error<joined>(4) <= 1e-6);
}

BOOST_AUTO_TEST_CASE(a_residual_block_adds_its_input) {
    using net = tg::sequential<tg::residual<tg::dense<2, 2>>>;
    tg::params<net, double> p{};
    auto& inner = tg::get<0>(tg::get<0>(p));
    inner.W(0, 0) = 2;
    inner.W(1, 0) = 1;
    inner.W(1, 1) = -1;
    inner.b[1] = 0.5;
    const auto y = tg::forward<net>(p, tg::vec<double, 2>{3, 4});
    BOOST_TEST(y[0] == 3 + 6);
    BOOST_TEST(y[1] == 4 + (3 - 4 + 0.5));
}

BOOST_AUTO_TEST_CASE(the_batch_passes_equal_the_per_sample_ones) {
    check_batch<mixed, double>(7, 1e-12);
    check_batch<mixed, float>(7, 2e-5);
    check_batch<odd, double>(5, 1e-12);
    check_batch<joined, double>(6, 1e-12);
    check_batch<joined, float>(3, 2e-5);
}

template <class Net>
void check_fused_steps() {
    const tg::sgd opt{0.05};
    const auto xs = random_vecs<double, Net::in_size>(6, 9);
    const auto ys = random_vecs<double, Net::out_size>(6, 10);

    auto plain = random_params<Net>(11), fused = plain;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        auto [loss, grad] = tg::value_and_grad<Net>(plain, xs[i], ys[i], tg::mse{});
        opt.step(plain, grad);
        BOOST_TEST(relative_error(tg::sgd_step<Net>(fused, xs[i], ys[i], tg::mse{}, opt), loss) <= 1e-12);
    }
    BOOST_TEST(max_difference(fused, plain) <= 1e-12);

    tg::batch_workspace<Net, double> ws(6), fused_ws(6);
    tg::params<Net, double> grad{};
    for (int step = 0; step < 3; ++step) {
        const double loss = tg::value_and_grad_batch<Net>(plain, ws, std::span(xs), std::span(ys), tg::mse{}, grad,
                                                            {tg::mode::training}, tg::grad_mode::assign);
        opt.step(plain, grad);
        BOOST_TEST(relative_error(tg::sgd_step_batch<Net>(fused, fused_ws, std::span(xs), std::span(ys), tg::mse{}, opt),
                                  loss) <= 1e-12);
    }
    BOOST_TEST(max_difference(fused, plain) <= 1e-12);
}

BOOST_AUTO_TEST_CASE(the_fused_sgd_steps_equal_value_and_grad_and_step) {
    static_assert(tg::residual<tg::dense<8, 8>, tg::tanh>::backward_batch_in_place);
    check_fused_steps<mixed>();
    check_fused_steps<joined>();
}

BOOST_AUTO_TEST_CASE(fit_trains_a_classifier_with_blocks_on_threads) {
    using classifier = tg::sequential<tg::dense<2, 16>, tg::relu, tg::residual<tg::dense<16, 16>, tg::relu>,
                                      tg::concat<tg::sequential<tg::dense<16, 8>, tg::relu>, tg::dense<16, 8>>,
                                      tg::dense<16, 2>>;
    const auto train_set = net_support::line_points(400, 11), test_set = net_support::line_points(200, 12);
    auto p = tg::init<classifier, double>(13);
    auto q = p;
    tg::sgd opt{0.1};
    const tg::fit_options options{.epochs = 30, .batch_size = 20, .seed = 1, .threads = 2, .report = tg::progress::none};
    tg::fit<classifier>(p, train_set, tg::softmax_cross_entropy{}, opt, options);
    BOOST_TEST(tg::accuracy<classifier>(p, test_set) >= 0.97);
    tg::fit<classifier>(q, train_set, tg::softmax_cross_entropy{}, opt, options);
    BOOST_TEST(max_difference(p, q) == 0);  // the same bits for a seed and a thread count
}

BOOST_AUTO_TEST_CASE(batch_norm_and_dropout_inside_blocks_train_on_threads) {
    // batch_norm's statistics span the threads' rows inside a block as outside: the same bits on 1 and
    // 2 threads, and running statistics that moved.
    using net = tg::sequential<tg::dense<2, 8>, tg::residual<tg::dense<8, 8>, tg::batch_norm, tg::relu>,
                               tg::concat<tg::sequential<tg::dropout<80>, tg::dense<8, 4>>, tg::dense<8, 4>>,
                               tg::dense<8, 2>>;
    const auto train_set = net_support::line_points(200, 31);
    auto one = tg::init<net, double>(32);
    auto two = one;
    tg::sgd opt{0.1};
    tg::fit_options options{.epochs = 3, .batch_size = 50, .seed = 2, .threads = 1, .report = tg::progress::none};
    tg::fit<net>(one, train_set, tg::softmax_cross_entropy{}, opt, options);
    options.threads = 2;
    tg::fit<net>(two, train_set, tg::softmax_cross_entropy{}, opt, options);
    BOOST_TEST(max_difference(one, two) <= 1e-12);
    const auto& norm = tg::get<1>(tg::get<1>(one));
    BOOST_TEST(norm.running_mean[0] != 0);
    BOOST_TEST(norm.running_var[0] != 1);
}

BOOST_AUTO_TEST_CASE(save_load_and_inference_params_keep_every_block) {
    const auto p = random_params<odd, float>(21);
    const auto path = io_support::tmp("blocks.safetensors");
    tg::save(p, path);
    const auto file = tg::read_safetensors(path);
    BOOST_TEST(file.tensors.size() == tensor_names(p).size());
    BOOST_TEST(std::ranges::count_if(file.tensors, [](const auto& t) { return t.name == "3.2.0.weight"; }) == 1);
    const auto q = tg::load<odd>(path);
    BOOST_TEST(max_difference(q, p) == 0);

    const tg::inference_params<odd, float> prepared(p);
    for (const auto& x : random_vecs<float, odd::in_size>(4, 22))
        BOOST_TEST(relative_error(tg::forward<odd>(prepared, x)[0], tg::forward<odd>(p, x)[0]) <= 1e-5);  // sums reordered
}

BOOST_AUTO_TEST_SUITE_END()
