// Streaming sequence models, one time step per iteration, float, one thread: tg::lstm<1, 32> and
// tg::gru<1, 40>, each followed by a dense layer to one output, and a stack of five causal conv1d
// layers of 8 channels (tg::stream), against a hand-written fixed-size Eigen baseline doing the same
// math in the same run (biases pre-summed where PyTorch keeps two). Each also runs as tg::stream from
// tg::inference_params ("typegrad-prepared").
// Before timing, both run the same 4096-step input and must agree. After the runs, a table gives
// typegrad time / baseline time for each case (below 1: typegrad is faster).
// typegrad first: its SIMD door includes the intrinsics headers under the pragma that silences
// GCC 12's false "uninitialized" warnings in them (GCC bug 105593); Eigen includes them too.
#include <typegrad/typegrad.hpp>

#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common.hpp"

namespace tg = typegrad;

namespace {

constexpr int inputs = 4096;  // a generated signal, cycled through, so that no result can be hoisted

struct signal {
    float x[inputs];
    signal() {
        for (int k = 0; k < inputs; ++k) x[k] = 0.8f * std::sin(0.05f * float(k)) + 0.1f * std::sin(0.71f * float(k));
    }
};
const signal input;

template <int N>
using column = Eigen::Matrix<float, N, 1>;

template <class A>
auto logistic(const A& z) {
    return 1.0f / (1.0f + (-z).exp());
}

// ---- LSTM 1 -> 32, dense 32 -> 1 ---------------------------------------------------------------
constexpr int lstm_hidden = 32;
using lstm_layer = tg::lstm<1, lstm_hidden>;
using head = tg::dense<lstm_hidden, 1>;

struct lstm_model {
    tg::params_t<lstm_layer, float, 1> p;
    tg::params_t<head, float, lstm_hidden> d;
    lstm_model() {
        tg::rng r{42};
        lstm_layer::init(p, r, tg::init_scheme::glorot_uniform);
        head::init(d, r, tg::init_scheme::glorot_uniform);
    }
};
const lstm_model lstm_weights;

struct typegrad_lstm {
    tg::lstm_state<float, lstm_hidden> s{};
    tg::dense_cache<float, lstm_hidden> cache;
    float step(float x) {
        const auto h = lstm_layer::step(lstm_weights.p, tg::vec<float, 1>{x}, s);
        return head::forward(lstm_weights.d, h, cache, tg::mode::inference)[0];
    }
};

// The same network streamed by tg::stream from tg::inference_params, which keeps the LSTM's W_hh
// transposed in blocks of hidden units and the head's Wᵀ.
using lstm_net = tg::sequential<lstm_layer, head>;

template <class Net, class Layers>
tg::inference_params<Net> prepared(const Layers& layers) {
    tg::params<Net> p;
    tg::get<0>(p) = layers.p;
    tg::get<1>(p) = layers.d;
    return tg::inference_params<Net>(p);
}

struct typegrad_lstm_prepared {
    static inline const tg::inference_params<lstm_net> p = prepared<lstm_net>(lstm_weights);
    tg::stream<lstm_net> s;
    float step(float x) { return s.step(p, tg::vec<float, 1>{x})[0]; }
};

struct eigen_lstm {
    static constexpr int H = lstm_hidden;
    Eigen::Matrix<float, 4 * H, 1> W_ih, b;
    Eigen::Matrix<float, 4 * H, H> W_hh;
    Eigen::Matrix<float, 1, H> W_d;
    float b_d;
    column<H> h = column<H>::Zero(), c = column<H>::Zero();
    eigen_lstm() {
        const auto& p = lstm_weights.p;
        for (int r = 0; r < 4 * H; ++r) {
            W_ih(r) = p.W_ih(r, 0);
            b(r) = p.b_ih[r] + p.b_hh[r];
            for (int k = 0; k < H; ++k) W_hh(r, k) = p.W_hh(r, k);
        }
        for (int k = 0; k < H; ++k) W_d(k) = lstm_weights.d.W(0, k);
        b_d = lstm_weights.d.b[0];
    }
    float step(float x) {
        const Eigen::Matrix<float, 4 * H, 1> z = W_ih * x + W_hh * h + b;
        const auto i = logistic(z.segment<H>(0).array());
        const auto f = logistic(z.segment<H>(H).array());
        const auto g = z.segment<H>(2 * H).array().tanh();
        const auto o = logistic(z.segment<H>(3 * H).array());
        c = (f * c.array() + i * g).matrix();
        h = (o * c.array().tanh()).matrix();
        return W_d.dot(h) + b_d;
    }
};

// ---- GRU 1 -> 40, dense 40 -> 1 ----------------------------------------------------------------
constexpr int gru_hidden = 40;
using gru_layer = tg::gru<1, gru_hidden>;
using gru_head = tg::dense<gru_hidden, 1>;

struct gru_model {
    tg::params_t<gru_layer, float, 1> p;
    tg::params_t<gru_head, float, gru_hidden> d;
    gru_model() {
        tg::rng r{43};
        gru_layer::init(p, r, tg::init_scheme::glorot_uniform);
        gru_head::init(d, r, tg::init_scheme::glorot_uniform);
    }
};
const gru_model gru_weights;

struct typegrad_gru {
    tg::gru_state<float, gru_hidden> s{};
    tg::dense_cache<float, gru_hidden> cache;
    float step(float x) {
        const auto h = gru_layer::step(gru_weights.p, tg::vec<float, 1>{x}, s);
        return gru_head::forward(gru_weights.d, h, cache, tg::mode::inference)[0];
    }
};

using gru_net = tg::sequential<gru_layer, gru_head>;

struct typegrad_gru_prepared {
    static inline const tg::inference_params<gru_net> p = prepared<gru_net>(gru_weights);
    tg::stream<gru_net> s;
    float step(float x) { return s.step(p, tg::vec<float, 1>{x})[0]; }
};

struct eigen_gru {
    static constexpr int H = gru_hidden;
    Eigen::Matrix<float, 3 * H, 1> W_ih, b_ih, b_hh;
    Eigen::Matrix<float, 3 * H, H> W_hh;
    Eigen::Matrix<float, 1, H> W_d;
    float b_d;
    column<H> h = column<H>::Zero();
    eigen_gru() {
        const auto& p = gru_weights.p;
        for (int r = 0; r < 3 * H; ++r) {
            W_ih(r) = p.W_ih(r, 0);
            b_ih(r) = p.b_ih[r];
            b_hh(r) = p.b_hh[r];
            for (int k = 0; k < H; ++k) W_hh(r, k) = p.W_hh(r, k);
        }
        for (int k = 0; k < H; ++k) W_d(k) = gru_weights.d.W(0, k);
        b_d = gru_weights.d.b[0];
    }
    float step(float x) {
        const Eigen::Matrix<float, 3 * H, 1> a = W_ih * x + b_ih;
        const Eigen::Matrix<float, 3 * H, 1> bh = W_hh * h + b_hh;
        const auto r = logistic(a.segment<H>(0).array() + bh.segment<H>(0).array());
        const auto z = logistic(a.segment<H>(H).array() + bh.segment<H>(H).array());
        const column<H> n = (a.segment<H>(2 * H).array() + r * bh.segment<H>(2 * H).array()).tanh().matrix();
        h = (n.array() + z * (h.array() - n.array())).matrix();
        return W_d.dot(h) + b_d;
    }
};

template <class Model>
void stream(benchmark::State& state) {
    Model m;
    int k = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(m.step(input.x[k]));
        k = (k + 1) & (inputs - 1);
    }
}

// The largest difference between the two models' outputs over the whole signal.
template <class Ours, class Theirs>
float difference() {
    Ours a;
    Theirs b;
    float worst = 0;
    for (int k = 0; k < inputs; ++k) worst = std::max(worst, std::abs(a.step(input.x[k]) - b.step(input.x[k])));
    return worst;
}

// ---- conv1d stack: 5 causal conv1d layers of 8 channels, kernel 3, dilations 1, 2, 4, 8, 16, tanh between ----
using conv_stack = tg::sequential<tg::conv1d<8, 8, 3, 1>, tg::tanh, tg::conv1d<8, 8, 3, 2>, tg::tanh,
                                  tg::conv1d<8, 8, 3, 4>, tg::tanh, tg::conv1d<8, 8, 3, 8>, tg::tanh,
                                  tg::conv1d<8, 8, 3, 16>>;
using vec8 = Eigen::Matrix<float, 8, 1>;

struct conv_signal {
    vec8 eigen[inputs];
    tg::vec<float, 8> ours[inputs];
    conv_signal() {
        tg::rng r{7};
        for (int t = 0; t < inputs; ++t)
            for (int i = 0; i < 8; ++i) ours[t][i] = eigen[t](i) = static_cast<float>(r.uniform(-1, 1));
    }
};

// One causal conv1d layer as RTNeural's Eigen backend writes it: a ring buffer of the last
// (K - 1)·D + 1 steps and one 8×8 matrix per tap.
template <int Dilation>
struct eigen_conv1d {
    static constexpr int span = 2 * Dilation + 1;
    Eigen::Matrix<float, 8, 8> W[3];
    vec8 b;
    Eigen::Matrix<float, 8, span> past = Eigen::Matrix<float, 8, span>::Zero();
    int next = 0;

    template <class P>
    explicit eigen_conv1d(const P& p) {
        for (int o = 0; o < 8; ++o) {
            b(o) = p.bias[o];
            for (int i = 0; i < 8; ++i)
                for (int k = 0; k < 3; ++k) W[k](o, i) = p.weight(o, i, 2 - k);  // W[k]: k steps back
        }
    }
    vec8 step(const vec8& x) {
        past.col(next) = x;
        vec8 y = b;
        for (int k = 0; k < 3; ++k) {
            int slot = next - k * Dilation;
            if (slot < 0) slot += span;
            y.noalias() += W[k] * past.col(slot);
        }
        next = next + 1 == span ? 0 : next + 1;
        return y;
    }
};

struct eigen_conv_stack {
    eigen_conv1d<1> c0;
    eigen_conv1d<2> c1;
    eigen_conv1d<4> c2;
    eigen_conv1d<8> c3;
    eigen_conv1d<16> c4;
    explicit eigen_conv_stack(const tg::params<conv_stack>& p)
        : c0(tg::get<0>(p)), c1(tg::get<2>(p)), c2(tg::get<4>(p)), c3(tg::get<6>(p)), c4(tg::get<8>(p)) {}
    vec8 step(const vec8& x) {
        const vec8 h0 = c0.step(x).array().tanh().matrix();
        const vec8 h1 = c1.step(h0).array().tanh().matrix();
        const vec8 h2 = c2.step(h1).array().tanh().matrix();
        const vec8 h3 = c3.step(h2).array().tanh().matrix();
        return c4.step(h3);
    }
};

// From tg::params, or (Params = tg::inference_params<conv_stack>) from each tap's weights transposed.
template <class Params = tg::params<conv_stack>>
void conv1d_stack_typegrad(benchmark::State& state) {
    const Params p(tg::init<conv_stack>(1));
    static const conv_signal in;
    tg::stream<conv_stack> s;
    int t = 0;
    for (auto _ : state) {
        auto y = s.step(p, in.ours[t]);
        benchmark::DoNotOptimize(y);
        t = (t + 1) % inputs;
    }
}

void conv1d_stack_eigen(benchmark::State& state) {
    eigen_conv_stack net(tg::init<conv_stack>(1));
    static const conv_signal in;
    int t = 0;
    for (auto _ : state) {
        vec8 y = net.step(in.eigen[t]);
        benchmark::DoNotOptimize(y);
        t = (t + 1) % inputs;
    }
}

// Both implementations must agree over a whole signal before their speeds mean anything.
bool conv1d_stack_agrees() {
    const auto p = tg::init<conv_stack>(1);
    const tg::inference_params<conv_stack> prepared(p);
    static const conv_signal in;
    tg::stream<conv_stack> s, from_prepared;
    eigen_conv_stack e(p);
    float worst = 0;
    for (int t = 0; t < inputs; ++t) {
        const auto y = s.step(p, in.ours[t]);
        const auto y_prepared = from_prepared.step(prepared, in.ours[t]);
        const vec8 z = e.step(in.eigen[t]);
        for (int o = 0; o < 8; ++o) worst = std::max({worst, std::abs(y[o] - z(o)), std::abs(y_prepared[o] - z(o))});
    }
    if (worst > 1e-5f) std::fprintf(stderr, "conv1d stack: typegrad and Eigen differ by %g\n", double(worst));
    return worst <= 1e-5f;
}

}  // namespace

BENCHMARK(stream<typegrad_lstm>)->Name("lstm_1_32_dense/typegrad");
BENCHMARK(stream<typegrad_lstm_prepared>)->Name("lstm_1_32_dense/typegrad-prepared");
BENCHMARK(stream<eigen_lstm>)->Name("lstm_1_32_dense/eigen");
BENCHMARK(stream<typegrad_gru>)->Name("gru_1_40_dense/typegrad");
BENCHMARK(stream<typegrad_gru_prepared>)->Name("gru_1_40_dense/typegrad-prepared");
BENCHMARK(stream<eigen_gru>)->Name("gru_1_40_dense/eigen");
BENCHMARK(conv1d_stack_typegrad<>)->Name("conv1d_stack/typegrad");
BENCHMARK(conv1d_stack_typegrad<tg::inference_params<conv_stack>>)->Name("conv1d_stack/typegrad-prepared");
BENCHMARK(conv1d_stack_eigen)->Name("conv1d_stack/eigen");

int main(int argc, char** argv) {
    const float lstm =
        std::max(difference<typegrad_lstm, eigen_lstm>(), difference<typegrad_lstm_prepared, eigen_lstm>());
    const float gru = std::max(difference<typegrad_gru, eigen_gru>(), difference<typegrad_gru_prepared, eigen_gru>());
    std::printf("largest difference over %d steps (params and prepared): lstm %.2g, gru %.2g\n", inputs, lstm, gru);
    if (!(lstm < 1e-5f && gru < 1e-5f)) {
        std::fprintf(stderr, "typegrad and the Eigen baseline disagree\n");
        return 1;
    }
    if (!conv1d_stack_agrees()) return 1;
    return bench::run_with_summary(argc, argv);
}
