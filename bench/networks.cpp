// Per-sample forward passes and training steps of small networks: typegrad against a hand-written
// fixed-size Eigen baseline doing the same arithmetic in the same run. After the runs, a table
// gives Eigen time / typegrad time for each case (above 1: typegrad is faster).
// typegrad first: its SIMD door includes the intrinsics headers under the pragma that silences
// GCC 12's false "uninitialized" warnings in them (GCC bug 105593); Eigen includes them too.
#include <typegrad/typegrad.hpp>

#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tg = typegrad;

namespace {

constexpr int inputs = 64;  // cycled through so that no result can be hoisted out of the loop

template <int N>
struct input_set {
    Eigen::Matrix<float, N, 1> eigen[inputs];
    tg::vec<float, N> ours[inputs];
    input_set() {
        tg::rng r{7};
        for (int k = 0; k < inputs; ++k)
            for (int i = 0; i < N; ++i) ours[k][i] = eigen[k](i) = static_cast<float>(r.uniform(-1, 1));
    }
};

// Copies dense layer I of typegrad params into Eigen matrices, so both sides compute the same numbers.
template <std::size_t I, class P, class W, class B>
void copy_dense(const P& p, W& w, B& b) {
    const auto& d = tg::get<I>(p);
    for (int r = 0; r < w.rows(); ++r) {
        b(r) = d.b[r];
        for (int c = 0; c < w.cols(); ++c) w(r, c) = d.W(r, c);
    }
}

// ---- 2 -> 16 -> 16 -> 1, relu ------------------------------------------------------------------
using small_net = tg::sequential<tg::dense<2, 16>, tg::relu, tg::dense<16, 16>, tg::relu, tg::dense<16, 1>>;

struct eigen_small {
    Eigen::Matrix<float, 16, 2> W1;
    Eigen::Matrix<float, 16, 16> W2;
    Eigen::Matrix<float, 1, 16> W3;
    Eigen::Matrix<float, 16, 1> b1, b2;
    Eigen::Matrix<float, 1, 1> b3;

    explicit eigen_small(const tg::params<small_net>& p) {
        copy_dense<0>(p, W1, b1);
        copy_dense<2>(p, W2, b2);
        copy_dense<4>(p, W3, b3);
    }
    float forward(const Eigen::Matrix<float, 2, 1>& x) const {
        const Eigen::Matrix<float, 16, 1> h1 = (W1 * x + b1).cwiseMax(0.0f);
        const Eigen::Matrix<float, 16, 1> h2 = (W2 * h1 + b2).cwiseMax(0.0f);
        return (W3 * h2 + b3)(0);
    }
    // forward, squared error, backward with the chain rule written out, SGD update.
    float train(const Eigen::Matrix<float, 2, 1>& x, float y, float lr) {
        const Eigen::Matrix<float, 16, 1> h1 = (W1 * x + b1).cwiseMax(0.0f);
        const Eigen::Matrix<float, 16, 1> h2 = (W2 * h1 + b2).cwiseMax(0.0f);
        const float out = (W3 * h2 + b3)(0);
        const float diff = out - y;
        const float d3 = 2 * diff;
        const Eigen::Matrix<float, 16, 1> d2 = (W3.transpose() * d3).cwiseProduct((h2.array() > 0).cast<float>().matrix());
        const Eigen::Matrix<float, 16, 1> d1 = (W2.transpose() * d2).cwiseProduct((h1.array() > 0).cast<float>().matrix());
        W3.noalias() -= (lr * d3) * h2.transpose();
        b3(0) -= lr * d3;
        W2.noalias() -= (lr * d2) * h1.transpose();
        b2.noalias() -= lr * d2;
        W1.noalias() -= (lr * d1) * x.transpose();
        b1.noalias() -= lr * d1;
        return diff * diff;
    }
};

void typegrad_forward_2_16_16_1_relu(benchmark::State& state) {
    const auto p = tg::init<small_net>(1);
    const input_set<2> in;
    int k = 0;
    for (auto _ : state) {
        auto y = tg::forward<small_net>(p, in.ours[k]);
        benchmark::DoNotOptimize(y);
        k = (k + 1) % inputs;
    }
}

// The same forward from parameters prepared for inference (dense layers keep Wᵀ), as a user who
// runs a trained network many times writes it for the best speed.
void typegrad_forward_inference_params_2_16_16_1_relu(benchmark::State& state) {
    const tg::inference_params<small_net> p(tg::init<small_net>(1));
    const input_set<2> in;
    int k = 0;
    for (auto _ : state) {
        auto y = tg::forward<small_net>(p, in.ours[k]);
        benchmark::DoNotOptimize(y);
        k = (k + 1) % inputs;
    }
}

void eigen_forward_2_16_16_1_relu(benchmark::State& state) {
    const eigen_small net(tg::init<small_net>(1));
    const input_set<2> in;
    int k = 0;
    for (auto _ : state) {
        float y = net.forward(in.eigen[k]);
        benchmark::DoNotOptimize(y);
        k = (k + 1) % inputs;
    }
}

// The fused step, as a user training one sample at a time writes it for the best speed.
void typegrad_train_step_2_16_16_1_relu(benchmark::State& state) {
    auto p = tg::init<small_net>(1);
    tg::workspace<small_net> ws;
    const input_set<2> in;
    const tg::sgd opt{1e-4};
    int k = 0;
    for (auto _ : state) {
        const tg::vec<float, 1> target{in.ours[k][0] * in.ours[k][1]};
        float loss = tg::sgd_step<small_net>(p, in.ours[k], target, tg::mse{}, opt, ws);
        benchmark::DoNotOptimize(loss);
        k = (k + 1) % inputs;
    }
    benchmark::DoNotOptimize(p);
}

// The same step as value_and_grad into a gradient and then sgd.step.
void typegrad_train_step_value_and_grad_2_16_16_1_relu(benchmark::State& state) {
    auto p = tg::init<small_net>(1);
    tg::params<small_net> grad;
    tg::workspace<small_net> ws;
    const input_set<2> in;
    const tg::sgd opt{1e-4};
    int k = 0;
    for (auto _ : state) {
        grad = {};
        const tg::vec<float, 1> target{in.ours[k][0] * in.ours[k][1]};
        float loss = tg::value_and_grad<small_net>(p, in.ours[k], target, tg::mse{}, grad, ws);
        opt.step(p, grad);
        benchmark::DoNotOptimize(loss);
        k = (k + 1) % inputs;
    }
    benchmark::DoNotOptimize(p);
}

void eigen_train_step_2_16_16_1_relu(benchmark::State& state) {
    eigen_small net(tg::init<small_net>(1));
    const input_set<2> in;
    int k = 0;
    for (auto _ : state) {
        float loss = net.train(in.eigen[k], in.eigen[k](0) * in.eigen[k](1), 1e-4f);
        benchmark::DoNotOptimize(loss);
        k = (k + 1) % inputs;
    }
    benchmark::DoNotOptimize(net);
}

// ---- 16 -> 64 -> 64 -> 16, tanh ----------------------------------------------------------------
using tanh_net = tg::sequential<tg::dense<16, 64>, tg::tanh, tg::dense<64, 64>, tg::tanh, tg::dense<64, 16>>;

struct eigen_tanh {
    Eigen::Matrix<float, 64, 16> W1;
    Eigen::Matrix<float, 64, 64> W2;
    Eigen::Matrix<float, 16, 64> W3;
    Eigen::Matrix<float, 64, 1> b1, b2;
    Eigen::Matrix<float, 16, 1> b3;

    explicit eigen_tanh(const tg::params<tanh_net>& p) {
        copy_dense<0>(p, W1, b1);
        copy_dense<2>(p, W2, b2);
        copy_dense<4>(p, W3, b3);
    }
    Eigen::Matrix<float, 16, 1> forward(const Eigen::Matrix<float, 16, 1>& x) const {
        const Eigen::Matrix<float, 64, 1> h1 = (W1 * x + b1).array().tanh().matrix();
        const Eigen::Matrix<float, 64, 1> h2 = (W2 * h1 + b2).array().tanh().matrix();
        return W3 * h2 + b3;
    }
};

void typegrad_forward_16_64_64_16_tanh(benchmark::State& state) {
    const auto p = tg::init<tanh_net>(1);
    const input_set<16> in;
    int k = 0;
    for (auto _ : state) {
        auto y = tg::forward<tanh_net>(p, in.ours[k]);
        benchmark::DoNotOptimize(y);
        k = (k + 1) % inputs;
    }
}

void typegrad_forward_inference_params_16_64_64_16_tanh(benchmark::State& state) {
    const tg::inference_params<tanh_net> p(tg::init<tanh_net>(1));
    const input_set<16> in;
    int k = 0;
    for (auto _ : state) {
        auto y = tg::forward<tanh_net>(p, in.ours[k]);
        benchmark::DoNotOptimize(y);
        k = (k + 1) % inputs;
    }
}

void eigen_forward_16_64_64_16_tanh(benchmark::State& state) {
    const eigen_tanh net(tg::init<tanh_net>(1));
    const input_set<16> in;
    int k = 0;
    for (auto _ : state) {
        Eigen::Matrix<float, 16, 1> y = net.forward(in.eigen[k]);
        benchmark::DoNotOptimize(y);
        k = (k + 1) % inputs;
    }
}

// Both implementations must agree before their speeds mean anything.
bool same_results() {
    const auto p = tg::init<small_net>(1);
    const tg::inference_params<small_net> pi(p);
    const eigen_small e(p);
    const auto q = tg::init<tanh_net>(1);
    const tg::inference_params<tanh_net> qi(q);
    const eigen_tanh f(q);
    const input_set<2> a;
    const input_set<16> b;
    for (int k = 0; k < inputs; ++k) {
        const float eo = e.forward(a.eigen[k]);
        if (std::abs(tg::forward<small_net>(p, a.ours[k])[0] - eo) > 1e-5f) return false;
        if (std::abs(tg::forward<small_net>(pi, a.ours[k])[0] - eo) > 1e-5f) return false;
        const auto y = tg::forward<tanh_net>(q, b.ours[k]);
        const auto yi = tg::forward<tanh_net>(qi, b.ours[k]);
        const auto z = f.forward(b.eigen[k]);
        for (int i = 0; i < 16; ++i)
            if (std::abs(y[i] - z(i)) > 1e-5f || std::abs(yi[i] - z(i)) > 1e-5f) return false;
    }
    return true;
}

// Keeps each case's CPU time per iteration (the median when repetitions are asked for) so that
// main can print the ratios. CPU time, because on a shared machine the wall clock also counts the
// time other processes hold the core.
struct ratio_reporter : benchmark::ConsoleReporter {
    std::map<std::string, double> ns;
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const auto& run : runs) {
            const std::string& name = run.run_name.function_name;
            if (run.run_type == Run::RT_Iteration && !ns.contains(name)) ns[name] = run.GetAdjustedCPUTime();
            if (run.run_type == Run::RT_Aggregate && run.aggregate_name == "median") ns[name] = run.GetAdjustedCPUTime();
        }
        ConsoleReporter::ReportRuns(runs);
    }
};

}  // namespace

BENCHMARK(typegrad_forward_2_16_16_1_relu);
BENCHMARK(typegrad_forward_inference_params_2_16_16_1_relu);
BENCHMARK(eigen_forward_2_16_16_1_relu);
BENCHMARK(typegrad_forward_16_64_64_16_tanh);
BENCHMARK(typegrad_forward_inference_params_16_64_64_16_tanh);
BENCHMARK(eigen_forward_16_64_64_16_tanh);
BENCHMARK(typegrad_train_step_2_16_16_1_relu);
BENCHMARK(typegrad_train_step_value_and_grad_2_16_16_1_relu);
BENCHMARK(eigen_train_step_2_16_16_1_relu);

int main(int argc, char** argv) {
    if (!same_results()) {
        std::fprintf(stderr, "typegrad and the Eigen baseline disagree\n");
        return 1;
    }
    benchmark::Initialize(&argc, argv);
    ratio_reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    std::printf("\nEigen CPU time / typegrad CPU time (above 1: typegrad is faster)\n");
    const std::pair<const char*, const char*> cases[] = {
        {"forward_2_16_16_1_relu", "forward_2_16_16_1_relu"},
        {"forward_inference_params_2_16_16_1_relu", "forward_2_16_16_1_relu"},
        {"forward_16_64_64_16_tanh", "forward_16_64_64_16_tanh"},
        {"forward_inference_params_16_64_64_16_tanh", "forward_16_64_64_16_tanh"},
        {"train_step_2_16_16_1_relu", "train_step_2_16_16_1_relu"},
        {"train_step_value_and_grad_2_16_16_1_relu", "train_step_2_16_16_1_relu"}};
    for (const auto& [name, baseline] : cases) {
        const auto ours = reporter.ns.find(std::string("typegrad_") + name);
        const auto theirs = reporter.ns.find(std::string("eigen_") + baseline);
        if (ours != reporter.ns.end() && theirs != reporter.ns.end())
            std::printf("  %-42s typegrad %8.1f ns   Eigen %8.1f ns   ratio %.2f\n", name, ours->second,
                        theirs->second, theirs->second / ours->second);
    }
    benchmark::Shutdown();
}
