// The batch kernels of a dense layer at batch 64 against Eigen's dynamic GEMM in the same run, for
// the layers of 784→256→128→10: forward Z = X·Wᵀ + b, weight gradient G += dZᵀ·X, input gradient
// dX = dZ·W, W stored as tg::dense keeps it (a tg::panel_mat; Eigen's row-major). The table at the end
// gives typegrad / Eigen and the fraction of this machine's peak.
// Run: build/<dir>/bench/gemm
#include <cstddef>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <typegrad/simd.hpp>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Waggressive-loop-optimizations"
#include <Eigen/Dense>
#pragma GCC diagnostic pop

#include "common.hpp"

namespace simd = typegrad::simd;

namespace {

using matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <std::size_t Batch, std::size_t In, std::size_t Out>
void register_layer() {
    struct data {
        std::vector<float> X = std::vector<float>(Batch * In), W = std::vector<float>(Out * In),
                           b = std::vector<float>(Out), Z = std::vector<float>(Batch * Out),
                           dZ = std::vector<float>(Batch * Out), G = std::vector<float>(Out * In),
                           dX = std::vector<float>(Batch * In);
        matrix eX = matrix(Batch, In), eW = matrix(Out, In), eZ = matrix(Batch, Out), edZ = matrix(Batch, Out),
               eG = matrix(Out, In), edX = matrix(Batch, In);
        Eigen::RowVectorXf eb = Eigen::RowVectorXf(Out);
    };
    auto d = std::make_shared<data>();
    std::mt19937 gen(7);
    std::uniform_real_distribution<float> dist(-1, 1);
    for (auto* v : {&d->X, &d->W, &d->b, &d->dZ})
        for (float& x : *v) x = dist(gen);
    d->eX = Eigen::Map<matrix>(d->X.data(), Batch, In);
    d->eW = Eigen::Map<matrix>(d->W.data(), Out, In);
    d->edZ = Eigen::Map<matrix>(d->dZ.data(), Batch, Out);
    d->eb = Eigen::Map<Eigen::RowVectorXf>(d->b.data(), Out);
    d->eG.setZero();
    const double flop = 2.0 * Batch * In * Out;
    const std::string shape = std::to_string(Batch) + "x" + std::to_string(In) + "x" + std::to_string(Out);
    const auto add = [&](const std::string& name, auto body) {
        benchmark::RegisterBenchmark(name.c_str(), [body, flop](benchmark::State& s) {
            for (auto _ : s) {
                body();
                benchmark::ClobberMemory();
            }
            s.counters["flop"] = flop;
            s.counters["GFLOP/s"] = benchmark::Counter(flop, benchmark::Counter::kIsIterationInvariantRate);
        })->Unit(benchmark::kMicrosecond);
    };
    add("forward/" + shape + "/typegrad", [d] { simd::gemm_forward<In, Out>(Batch, d->X.data(), d->W.data(), d->b.data(), d->Z.data()); });
    add("forward/" + shape + "/eigen", [d] { d->eZ.noalias() = (d->eX * d->eW.transpose()).rowwise() + d->eb; });
    add("weight_grad/" + shape + "/typegrad", [d] { simd::gemm_weight_grad<In, Out>(Batch, d->dZ.data(), d->X.data(), d->G.data()); });
    add("weight_grad/" + shape + "/eigen", [d] { d->eG.noalias() += d->edZ.transpose() * d->eX; });
    add("input_grad/" + shape + "/typegrad", [d] { simd::gemm_input_grad<In, Out>(Batch, d->dZ.data(), d->W.data(), d->dX.data()); });
    add("input_grad/" + shape + "/eigen", [d] { d->edX.noalias() = d->edZ * d->eW; });
}

}  // namespace

int main(int argc, char** argv) {
    register_layer<64, 784, 256>();
    register_layer<64, 256, 128>();
    register_layer<64, 128, 10>();
    return bench::run_with_summary(argc, argv);
}
