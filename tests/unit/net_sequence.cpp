// Sequence networks (net/sequence.hpp): finite-difference gradients of mixed networks through
// tg::value_and_grad_sequence, sequence to sequence (conv1d → tanh → conv1d → dense) and to label
// (conv1d → last_step → dense), streaming equal to whole sequences, no allocation per step or per pass
// once the workspace exists, and the errors for steps over capacity and for mismatched targets.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "alloc_counter.hpp"
#include "gradient_check.hpp"
#include "io_support.hpp"
#include "net_support.hpp"

namespace tg = typegrad;
using net_support::random_rows;

using seq_to_seq = tg::sequential<tg::conv1d<3, 5, 3, 2>, tg::tanh, tg::conv1d<5, 4, 2, 3>, tg::dense<4, 2>>;
using seq_to_label = tg::sequential<tg::conv1d<3, 5, 3, 2>, tg::relu, tg::last_step, tg::dense<5, 4>>;
// The recurrent layers in the same machinery: an LSTM with a dense head at every step, and a GRU over a
// conv1d whose last step is classified.
using lstm_net = tg::sequential<tg::lstm<3, 5>, tg::dense<5, 2>>;
using gru_net = tg::sequential<tg::conv1d<3, 4, 2>, tg::tanh, tg::gru<4, 6>, tg::last_step, tg::dense<6, 3>>;

static_assert(seq_to_seq::out_size == 2 && seq_to_seq::has_sequence_layers && tg::sequence_network<seq_to_seq>);
static_assert(seq_to_label::out_size == 4 && tg::ends_sequence<tg::last_step, float, 5>);
static_assert(!tg::sequence_network<tg::sequential<tg::dense<3, 5>, tg::tanh>>);

namespace {

template <class Net, class T>
tg::vec<T, Net::in_size> row_vec(const tg::rows<T, Net::in_size>& x, std::size_t t) {
    tg::vec<T, Net::in_size> v;
    std::copy_n(x.row(t), Net::in_size, v.data());
    return v;
}

// The largest |stream output - forward_sequence output| over `steps` steps, run twice with a reset between,
// streaming from the parameters and from tg::inference_params.
template <class Net, class T>
double stream_vs_sequence(const tg::params<Net, T>& p, const tg::rows<T, Net::in_size>& x, std::size_t steps) {
    tg::sequence_workspace<Net, T> ws(steps);
    const auto& y = tg::forward_sequence<Net>(p, x, steps, ws);
    const bool to_label = ws.output_rows() == 1;
    const tg::inference_params<Net, T> prepared(p);
    tg::stream<Net, T> s, from_prepared;
    double worst = 0;
    for (int pass = 0; pass < 2; ++pass) {
        for (std::size_t t = 0; t < steps; ++t) {
            const auto out = s.step(p, row_vec<Net>(x, t));
            const auto out_prepared = from_prepared.step(prepared, row_vec<Net>(x, t));
            if (to_label && t + 1 < steps) continue;
            for (std::size_t o = 0; o < Net::out_size; ++o) {
                const T expected = y.row(to_label ? 0 : t)[o];
                worst = std::max({worst, double(std::abs(out[o] - expected)),
                                  double(std::abs(out_prepared[o] - expected))});
            }
        }
        s.reset();
        from_prepared.reset();
    }
    return worst;
}

}  // namespace

// Sequence to sequence: the MSE of every step's output against its target, averaged over the steps.
BOOST_AUTO_TEST_CASE(sequence_to_sequence_gradients) {
    constexpr std::size_t steps = 9;
    auto p = tg::init<seq_to_seq, double>(3);
    auto x = random_rows<double, 3>(steps, 4);
    std::vector<tg::vec<double, 2>> targets(steps);
    tg::rng r{5};
    for (auto& t : targets)
        for (auto& v : t) v = r.uniform(-1, 1);
    tg::sequence_workspace<seq_to_seq, double> ws(12);
    const auto loss = [&] {
        tg::params<seq_to_seq, double> scratch{};
        return tg::value_and_grad_sequence<seq_to_seq>(p, x, steps, std::span(std::as_const(targets)), tg::mse{}, scratch, ws);
    };
    tg::params<seq_to_seq, double> grad{};
    const double value = tg::value_and_grad_sequence<seq_to_seq>(p, x, steps, std::span(std::as_const(targets)),
                                                                 tg::mse{}, grad, ws);
    // The mean over the steps of each step's loss.
    const auto& y = tg::forward_sequence<seq_to_seq>(p, x, steps, ws);
    double mean = 0;
    for (std::size_t t = 0; t < steps; ++t) {
        tg::vec<double, 2> out{y.row(t)[0], y.row(t)[1]};
        mean += tg::mse{}.value(out, targets[t]) / steps;
    }
    BOOST_TEST(value == mean, boost::test_tools::tolerance(1e-14));
    BOOST_TEST(gradient_check::worst_over_params(p, grad, loss) < 1e-7);
}

// Sequence to label: softmax cross-entropy of the last step's output; one target per sequence.
BOOST_AUTO_TEST_CASE(sequence_to_label_gradients) {
    constexpr std::size_t steps = 7;
    auto p = tg::init<seq_to_label, double>(6);
    const auto x = random_rows<double, 3>(steps, 7);
    const std::size_t label[] = {2};
    tg::sequence_workspace<seq_to_label, double> ws(steps);
    const auto loss = [&] {
        tg::params<seq_to_label, double> scratch{};
        return tg::value_and_grad_sequence<seq_to_label>(p, x, steps, std::span(label), tg::softmax_cross_entropy{},
                                                         scratch, ws);
    };
    tg::params<seq_to_label, double> grad{};
    tg::value_and_grad_sequence<seq_to_label>(p, x, steps, std::span(label), tg::softmax_cross_entropy{}, grad, ws);
    BOOST_TEST(ws.output_rows() == 1u);
    BOOST_TEST(gradient_check::worst_over_params(p, grad, loss) < 1e-7);
    // The dense head's bias gradient, softmax - one-hot of the last step's output, sums to zero.
    BOOST_TEST(std::abs(tg::get<3>(grad).b[0] + tg::get<3>(grad).b[1] + tg::get<3>(grad).b[2] + tg::get<3>(grad).b[3]) < 1e-12);
}

BOOST_AUTO_TEST_CASE(stream_equals_forward_sequence) {
    constexpr std::size_t steps = 33;
    BOOST_TEST(stream_vs_sequence<seq_to_seq>(tg::init<seq_to_seq, double>(1), random_rows<double, 3>(steps, 2), steps) < 1e-14);
    BOOST_TEST(stream_vs_sequence<seq_to_label>(tg::init<seq_to_label, double>(1), random_rows<double, 3>(steps, 2), steps) <
               1e-14);
    using stack = tg::sequential<tg::conv1d<1, 8, 3, 1>, tg::tanh, tg::conv1d<8, 8, 3, 2>, tg::tanh, tg::conv1d<8, 8, 3, 4>,
                                 tg::tanh, tg::conv1d<8, 8, 3, 8>, tg::tanh, tg::conv1d<8, 8, 3, 16>, tg::dense<8, 1>>;
    BOOST_TEST(stream_vs_sequence<stack>(tg::init<stack>(1), random_rows<float, 1>(100, 2), 100) < 1e-6);
}

// After the workspace and the stream exist, a step, a forward and a backward allocate nothing.
BOOST_AUTO_TEST_CASE(no_allocation_per_step_or_pass) {
    constexpr std::size_t steps = 16;
    const auto p = tg::init<seq_to_seq>(1);
    const auto x = random_rows<float, 3>(steps, 2);
    tg::rows<float, 2> grad_out(steps);
    std::fill_n(grad_out.data(), steps * 2, 0.5f);
    tg::params<seq_to_seq> grad{};
    tg::sequence_workspace<seq_to_seq> ws(steps);
    tg::stream<seq_to_seq> s;
    const std::size_t before = alloc_counter::allocations;
    float sum = 0;
    for (std::size_t t = 0; t < steps; ++t) sum += s.step(p, row_vec<seq_to_seq>(x, t))[0];
    tg::forward_sequence<seq_to_seq>(p, x, steps, ws, {tg::mode::training});
    tg::backward_sequence<seq_to_seq>(p, ws, grad_out, grad);
    BOOST_TEST(alloc_counter::allocations == before);
    BOOST_TEST(std::isfinite(sum));
}

BOOST_AUTO_TEST_CASE(sequence_errors) {
    const auto p = tg::init<seq_to_seq>(1);
    const auto x = random_rows<float, 3>(20, 2);
    tg::sequence_workspace<seq_to_seq> ws(16);
    using io_support::contains, io_support::message_of;
    BOOST_TEST(contains(message_of<tg::value_error>([&] { tg::forward_sequence<seq_to_seq>(p, x, 17, ws); }),
                        "tg::forward_sequence: 17 steps do not fit a sequence_workspace of capacity 16 (expected 1 to 16 steps)"));
    BOOST_TEST(contains(message_of<tg::value_error>([&] { tg::forward_sequence<seq_to_seq>(p, x, 0, ws); }),
                        "0 steps do not fit"));
    const tg::rows<float, 3> short_x(5);
    BOOST_TEST(contains(message_of<tg::value_error>([&] { tg::forward_sequence<seq_to_seq>(p, short_x, 6, ws); }),
                        "tg::forward_sequence: the input holds 5 rows, expected at least 6 (one per step)"));
    tg::params<seq_to_seq> grad{};
    const std::vector<tg::vec<float, 2>> targets(9);
    BOOST_TEST(contains(message_of<tg::value_error>([&] {
                            tg::value_and_grad_sequence<seq_to_seq>(p, x, 10, std::span(targets), tg::mse{}, grad, ws);
                        }),
                        "tg::value_and_grad_sequence: 9 targets for 10 output rows, expected one target per output row (one per step)"));
    tg::sequence_workspace<seq_to_seq> fresh(4);
    const tg::rows<float, 2> grad_out(4);
    BOOST_TEST(contains(message_of<tg::value_error>([&] { tg::backward_sequence<seq_to_seq>(p, fresh, grad_out, grad); }),
                        "tg::backward_sequence: the workspace holds no sequence, expected a forward_sequence first"));

    const auto q = tg::init<seq_to_label>(1);
    tg::params<seq_to_label> label_grad{};
    tg::sequence_workspace<seq_to_label> label_ws(16);
    const std::vector<std::size_t> labels(3, 1);
    BOOST_TEST(contains(message_of<tg::value_error>([&] {
                            tg::value_and_grad_sequence<seq_to_label>(q, x, 10, std::span(labels), tg::softmax_cross_entropy{},
                                                                      label_grad, label_ws);
                        }),
                        "3 targets for 1 output rows, expected one target per output row (one per sequence, after tg::last_step)"));
    // With one step, a label network still asks for one target per sequence.
    BOOST_TEST(contains(message_of<tg::value_error>([&] {
                            tg::value_and_grad_sequence<seq_to_label>(q, x, 1, std::span(labels), tg::softmax_cross_entropy{},
                                                                      label_grad, label_ws);
                        }),
                        "3 targets for 1 output rows, expected one target per output row (one per sequence, after tg::last_step)"));
    BOOST_TEST(message_of<tg::value_error>([] { tg::sequence_workspace<seq_to_seq> none(0); }) ==
               "tg::sequence_workspace: max_steps is 0, expected at least 1 (the most steps a sequence may have)");
}

// A sequence layer called directly, outside the network's runner, checks the steps against the rows it
// is given as lstm and gru do, instead of reading or writing past their end; last_step wants a step.
BOOST_AUTO_TEST_CASE(sequence_layers_check_their_steps) {
    using io_support::contains, io_support::message_of;
    using conv = tg::conv1d<2, 3, 2>;
    const auto p = tg::init<tg::sequential<conv>>(1);
    const auto x = random_rows<float, 2>(4, 3);
    tg::rows<float, 3> y(4);
    tg::no_sequence_cache cache(4);
    // Steps as values GCC cannot see: with constants it warns of the accesses past the rows that the
    // checks prevent.
    volatile std::size_t zero = 0, four = 4, five = 5, ten = 10;
    BOOST_TEST(message_of<tg::value_error>([&] { conv::forward_sequence(tg::get<0>(p), ten, x, y, cache); }) ==
               "tg::conv1d::forward_sequence: 10 steps, but x holds 4 rows; expected at most that many steps");
    tg::params<tg::sequential<conv>> grad{};
    tg::rows<float, 2> grad_x(3);
    BOOST_TEST(contains(message_of<tg::value_error>([&] {
                            conv::backward_sequence(tg::get<0>(p), four, x, y, cache, y, &grad_x, tg::get<0>(grad));
                        }),
                        "tg::conv1d::backward_sequence: 4 steps, but grad_x holds 3 rows"));
    tg::rows<float, 2> last(1);
    tg::no_params none;
    BOOST_TEST(message_of<tg::value_error>([&] { tg::last_step::forward_sequence(none, zero, x, last, cache); }) ==
               "tg::last_step::forward_sequence: 0 steps, expected at least 1 (the output is the last step's row)");
    BOOST_TEST(contains(message_of<tg::value_error>([&] { tg::last_step::forward_sequence(none, five, x, last, cache); }),
                        "tg::last_step::forward_sequence: 5 steps, but x holds 4 rows"));
    tg::rows<float, 2> grad_last(0);
    BOOST_TEST(message_of<tg::value_error>([&] { tg::last_step::forward_sequence(none, four, x, grad_last, cache); }) ==
               "tg::last_step::forward_sequence: 1 step, but y holds 0 rows; expected at most that many steps");
    BOOST_TEST(contains(message_of<tg::value_error>([&] {
                            tg::last_step::backward_sequence(none, four, x, last, cache, grad_last, &grad_x, none);
                        }),
                        "tg::last_step::backward_sequence: 4 steps, but grad_x holds 3 rows"));
}

// value_and_grad_sequence draws dropout's masks from info.key: one key, the same masks and gradient;
// another key, other masks.
BOOST_AUTO_TEST_CASE(dropout_masks_follow_the_key) {
    using net = tg::sequential<tg::gru<2, 8>, tg::dropout<50>, tg::dense<8, 1>>;
    const auto p = tg::init<net>(3);
    const auto x = random_rows<float, 2>(6, 4);
    const std::vector<tg::vec<float, 1>> targets(6, tg::vec<float, 1>{0.5f});
    tg::sequence_workspace<net> ws(6);
    const auto gradient = [&](std::uint64_t key) {
        tg::params<net> grad{};
        tg::value_and_grad_sequence<net>(p, x, 6, std::span(targets), tg::mse{}, grad, ws, {tg::mode::training, key});
        return tg::get<2>(grad).W;
    };
    BOOST_TEST((gradient(1) == gradient(1)));
    BOOST_TEST((gradient(1) != gradient(2)));
}

// Two dropout layers after a GRU draw masks of their own over the step rows.
BOOST_AUTO_TEST_CASE(two_dropout_layers_draw_different_masks) {
    using net = tg::sequential<tg::gru<2, 8>, tg::dropout<50>, tg::dropout<50>, tg::dense<8, 1>>;
    const auto p = tg::init<net>(3);
    const auto x = random_rows<float, 2>(6, 4);
    tg::sequence_workspace<net> ws(6);
    tg::forward_sequence<net>(p, x, 6, ws, {tg::mode::training, 5});
    const float* first = ws.state<1>().mask.data();
    BOOST_TEST(!std::equal(first, first + 6 * 8, ws.state<2>().mask.data()));
}

// tg::params, tg::init and tg::save / tg::load work on a sequence network as on any other.
BOOST_AUTO_TEST_CASE(sequence_network_save_load) {
    const auto p = tg::init<seq_to_label, double>(9);
    const auto path = io_support::tmp("net_sequence.safetensors");
    tg::save(p, path);
    BOOST_TEST((tg::load<seq_to_label, double>(path) == p));
    const auto contents = tg::read_safetensors(path);
    BOOST_TEST(contents.tensors.size() == 4u);  // 0.weight, 0.bias, 3.weight, 3.bias
    BOOST_TEST((contents.find("3.weight")->shape == std::vector<std::size_t>{4, 5}));
}

// An LSTM's W_hh is stored in panels of 64 rows (lstm<2, 17>: 68 rows, two panels, each transposed);
// the file holds PyTorch's row-major [68, 17] tensor, and loading it gives the same parameters.
BOOST_AUTO_TEST_CASE(recurrent_weights_are_saved_row_by_row) {
    using net = tg::sequential<tg::lstm<2, 17>, tg::last_step, tg::dense<17, 3>>;
    const auto p = tg::init<net, double>(4);
    const auto path = io_support::tmp("net_sequence_lstm.safetensors");
    tg::save(p, path);
    BOOST_TEST((tg::load<net, double>(path) == p));
    const auto contents = tg::read_safetensors(path);
    const auto* file_W = contents.find("0.weight_hh_l0");
    BOOST_TEST_REQUIRE(file_W);
    BOOST_TEST((file_W->shape == std::vector<std::size_t>{68, 17}));
    const auto values = file_W->values<double>();
    const auto& W = tg::get<0>(p).W_hh;
    std::size_t differing = 0;
    for (std::size_t r = 0; r < 68; ++r)
        for (std::size_t c = 0; c < 17; ++c) differing += values[r * 17 + c] != W(r, c);
    BOOST_TEST(differing == 0u);
}

BOOST_AUTO_TEST_CASE(sequence_network_summary) {
    std::ostringstream out;
    tg::summary<seq_to_label>(out);
    BOOST_TEST(io_support::contains(out.str(), "    0  conv1d"));
    BOOST_TEST(io_support::contains(out.str(), "    2  last_step"));
    BOOST_TEST(io_support::contains(out.str(), "Total params: 74"));  // 5·3·3 + 5, and 4·5 + 4
}

// tg::lstm and tg::gru run in sequence networks like conv1d: gradients through value_and_grad_sequence,
// and streaming equal to whole sequences.
BOOST_AUTO_TEST_CASE(recurrent_layers_in_sequence_networks) {
    constexpr std::size_t steps = 8;
    const auto x = random_rows<double, 3>(steps, 12);
    {
        auto p = tg::init<lstm_net, double>(13);
        std::vector<tg::vec<double, 2>> targets(steps);
        tg::rng r{14};
        for (auto& t : targets) t = {r.uniform(-1, 1), r.uniform(-1, 1)};
        tg::sequence_workspace<lstm_net, double> ws(steps);
        const auto loss = [&] {
            tg::params<lstm_net, double> scratch{};
            return tg::value_and_grad_sequence<lstm_net>(p, x, steps, std::span(std::as_const(targets)), tg::mse{},
                                                         scratch, ws);
        };
        tg::params<lstm_net, double> grad{};
        tg::value_and_grad_sequence<lstm_net>(p, x, steps, std::span(std::as_const(targets)), tg::mse{}, grad, ws);
        BOOST_TEST(gradient_check::worst_over_params(p, grad, loss) < 1e-7);
        BOOST_TEST(stream_vs_sequence<lstm_net>(p, x, steps) < 1e-14);
    }
    {
        auto p = tg::init<gru_net, double>(15);
        const std::size_t label[] = {1};
        tg::sequence_workspace<gru_net, double> ws(steps);
        const auto loss = [&] {
            tg::params<gru_net, double> scratch{};
            return tg::value_and_grad_sequence<gru_net>(p, x, steps, std::span(label), tg::softmax_cross_entropy{},
                                                        scratch, ws);
        };
        tg::params<gru_net, double> grad{};
        tg::value_and_grad_sequence<gru_net>(p, x, steps, std::span(label), tg::softmax_cross_entropy{}, grad, ws);
        BOOST_TEST(gradient_check::worst_over_params(p, grad, loss) < 1e-7);
        BOOST_TEST(stream_vs_sequence<gru_net>(p, x, steps) < 1e-14);
    }
}
