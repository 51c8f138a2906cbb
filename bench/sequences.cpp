// Sequence layers streamed one time step per call, float, one thread: typegrad's tg::stream against a
// hand-written fixed-size Eigen baseline doing the same arithmetic in the same run. After the runs, a
// table gives each case's ns per step and typegrad / baseline (below 1: typegrad is faster).
// typegrad first: its SIMD door includes the intrinsics headers under the pragma that silences GCC 12's
// false "uninitialized" warnings in them (GCC bug 105593); Eigen includes them too.
#include <typegrad/typegrad.hpp>

#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cmath>
#include <cstdio>

#include "common.hpp"

namespace tg = typegrad;

namespace {

constexpr int steps = 4096;  // a signal cycled through, so that no result can be hoisted out of the loop

// ---- conv1d stack: 5 causal conv1d layers of 8 channels, kernel 3, dilations 1, 2, 4, 8, 16, tanh between ----
using conv_stack = tg::sequential<tg::conv1d<8, 8, 3, 1>, tg::tanh, tg::conv1d<8, 8, 3, 2>, tg::tanh,
                                  tg::conv1d<8, 8, 3, 4>, tg::tanh, tg::conv1d<8, 8, 3, 8>, tg::tanh,
                                  tg::conv1d<8, 8, 3, 16>>;
using vec8 = Eigen::Matrix<float, 8, 1>;

struct conv_signal {
    vec8 eigen[steps];
    tg::vec<float, 8> ours[steps];
    conv_signal() {
        tg::rng r{7};
        for (int t = 0; t < steps; ++t)
            for (int i = 0; i < 8; ++i) ours[t][i] = eigen[t](i) = static_cast<float>(r.uniform(-1, 1));
    }
};

// One causal conv1d layer as RTNeural's Eigen backend writes it: a ring buffer of the last
// (K - 1)·D + 1 inputs and one 8×8 matrix per tap.
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

void conv1d_stack_typegrad(benchmark::State& state) {
    const auto p = tg::init<conv_stack>(1);
    static const conv_signal in;
    tg::stream<conv_stack> s;
    int t = 0;
    for (auto _ : state) {
        auto y = s.step(p, in.ours[t]);
        benchmark::DoNotOptimize(y);
        t = (t + 1) % steps;
    }
}

void conv1d_stack_eigen(benchmark::State& state) {
    eigen_conv_stack net(tg::init<conv_stack>(1));
    static const conv_signal in;
    int t = 0;
    for (auto _ : state) {
        vec8 y = net.step(in.eigen[t]);
        benchmark::DoNotOptimize(y);
        t = (t + 1) % steps;
    }
}

// Both implementations must agree over a whole signal before their speeds mean anything.
bool conv1d_stack_agrees() {
    const auto p = tg::init<conv_stack>(1);
    static const conv_signal in;
    tg::stream<conv_stack> s;
    eigen_conv_stack e(p);
    float worst = 0;
    for (int t = 0; t < steps; ++t) {
        const auto y = s.step(p, in.ours[t]);
        const vec8 z = e.step(in.eigen[t]);
        for (int o = 0; o < 8; ++o) worst = std::max(worst, std::abs(y[o] - z(o)));
    }
    if (worst > 1e-5f) std::fprintf(stderr, "conv1d stack: typegrad and Eigen differ by %g\n", double(worst));
    return worst <= 1e-5f;
}

}  // namespace

BENCHMARK(conv1d_stack_typegrad)->Name("conv1d_stack/typegrad");
BENCHMARK(conv1d_stack_eigen)->Name("conv1d_stack/eigen");

int main(int argc, char** argv) {
    if (!conv1d_stack_agrees()) return 1;
    return bench::run_with_summary(argc, argv);
}
