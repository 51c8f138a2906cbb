// The simd kernels against Eigen doing the same work in the same run: fixed-size Eigen matrices for
// small shapes, dynamic ones for large, row-major like typegrad's weights. A table at the end gives
// typegrad / Eigen per case (below 1 means typegrad is faster) and the fraction of this machine's
// FP32 peak. Run: build/<dir>/bench/kernels [--benchmark_repetitions=N]
#include <cstddef>
#include <memory>
#include <random>
#include <string>

// typegrad first: its simd door includes the intrinsic headers under a pragma for a GCC 12 false
// warning (see simd/batch.hpp), which then covers Eigen's use of them too.
#include <typegrad/core.hpp>
#include <typegrad/layers/activations.hpp>
#include <typegrad/simd.hpp>

// GCC 12 misreads a loop in Eigen's row-major GEMV as overflowing (a false warning in Eigen's code).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Waggressive-loop-optimizations"
#include <Eigen/Dense>
#pragma GCC diagnostic pop

#include "common.hpp"

namespace tg = typegrad;
namespace simd = typegrad::simd;

namespace {

constexpr std::size_t eigen_fixed_limit = 4096;  // elements; larger shapes use dynamic Eigen matrices

template <std::size_t R, std::size_t C>
using eigen_matrix = std::conditional_t<(R * C <= eigen_fixed_limit),
                                        Eigen::Matrix<float, int(R), int(C), (C == 1 ? Eigen::ColMajor : Eigen::RowMajor)>,
                                        Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
template <std::size_t N>
using eigen_vector = std::conditional_t<(N <= eigen_fixed_limit), Eigen::Matrix<float, int(N), 1>, Eigen::VectorXf>;

/// The same pseudo-random numbers in typegrad's arrays and Eigen's.
template <std::size_t R, std::size_t C>
struct operands {
    std::unique_ptr<tg::mat<float, R, C>> W = std::make_unique<tg::mat<float, R, C>>();
    tg::vec<float, C> x{};
    tg::vec<float, R> u{}, b{}, y{};
    tg::vec<float, C> v{}, yt{};
    eigen_matrix<R, C> eW = eigen_matrix<R, C>(int(R), int(C));
    eigen_vector<C> ex = eigen_vector<C>(int(C)), ev = eigen_vector<C>(int(C)), eyt = eigen_vector<C>(int(C));
    eigen_vector<R> eu = eigen_vector<R>(int(R)), eb = eigen_vector<R>(int(R)), ey = eigen_vector<R>(int(R));

    operands() {
        std::mt19937 gen(42);
        std::uniform_real_distribution<float> dist(-1, 1);
        for (std::size_t r = 0; r < R; ++r)
            for (std::size_t c = 0; c < C; ++c) eW(int(r), int(c)) = (*W)(r, c) = dist(gen);
        for (std::size_t c = 0; c < C; ++c) ex(int(c)) = x[c] = dist(gen), ev(int(c)) = v[c] = dist(gen);
        for (std::size_t r = 0; r < R; ++r) eu(int(r)) = u[r] = dist(gen), eb(int(r)) = b[r] = dist(gen);
    }
};

std::string shape_name(const char* kernel, std::size_t r, std::size_t c) {
    return std::string(kernel) + "/" + std::to_string(r) + "x" + std::to_string(c);
}

void set_flop(benchmark::State& state, double flop) {
    state.counters["flop"] = flop;
    state.counters["GFLOP/s"] = benchmark::Counter(flop, benchmark::Counter::kIsIterationInvariantRate);
}

template <std::size_t R, std::size_t C>
void register_matrix_kernels() {
    auto ops = std::make_shared<operands<R, C>>();
    const double flop = 2.0 * R * C;
    benchmark::RegisterBenchmark((shape_name("gemv", R, C) + "/typegrad").c_str(), [ops, flop](benchmark::State& s) {
        for (auto _ : s) {
            simd::gemv<R, C>(ops->W->data(), ops->x.data(), ops->b.data(), ops->y.data());
            benchmark::DoNotOptimize(ops->y.data());
            benchmark::ClobberMemory();
        }
        set_flop(s, flop);
    });
    benchmark::RegisterBenchmark((shape_name("gemv", R, C) + "/eigen").c_str(), [ops](benchmark::State& s) {
        for (auto _ : s) {
            ops->ey.noalias() = ops->eW * ops->ex + ops->eb;
            benchmark::DoNotOptimize(ops->ey.data());
            benchmark::ClobberMemory();
        }
    });
    benchmark::RegisterBenchmark((shape_name("gemv_t", R, C) + "/typegrad").c_str(), [ops, flop](benchmark::State& s) {
        for (auto _ : s) {
            simd::gemv_t<R, C>(ops->W->data(), ops->u.data(), ops->yt.data());
            benchmark::DoNotOptimize(ops->yt.data());
            benchmark::ClobberMemory();
        }
        set_flop(s, flop);
    });
    benchmark::RegisterBenchmark((shape_name("gemv_t", R, C) + "/eigen").c_str(), [ops](benchmark::State& s) {
        for (auto _ : s) {
            ops->eyt.noalias() = ops->eW.transpose() * ops->eu;
            benchmark::DoNotOptimize(ops->eyt.data());
            benchmark::ClobberMemory();
        }
    });
    benchmark::RegisterBenchmark((shape_name("outer_acc", R, C) + "/typegrad").c_str(), [ops, flop](benchmark::State& s) {
        for (auto _ : s) {
            simd::outer_acc<R, C>(ops->u.data(), ops->v.data(), ops->W->data());
            benchmark::DoNotOptimize(ops->W->data());
            benchmark::ClobberMemory();
        }
        set_flop(s, flop);
    });
    benchmark::RegisterBenchmark((shape_name("outer_acc", R, C) + "/eigen").c_str(), [ops](benchmark::State& s) {
        for (auto _ : s) {
            ops->eW.noalias() += ops->eu * ops->ev.transpose();
            benchmark::DoNotOptimize(ops->eW.data());
            benchmark::ClobberMemory();
        }
    });
}

template <std::size_t N>
void register_vector_kernels() {
    auto ops = std::make_shared<operands<N, N>>();
    const std::string n = std::to_string(N);
    benchmark::RegisterBenchmark(("dot/" + n + "/typegrad").c_str(), [ops](benchmark::State& s) {
        for (auto _ : s) benchmark::DoNotOptimize(simd::dot<N>(ops->x.data(), ops->v.data()));
        set_flop(s, 2.0 * N);
    });
    benchmark::RegisterBenchmark(("dot/" + n + "/eigen").c_str(), [ops](benchmark::State& s) {
        for (auto _ : s) benchmark::DoNotOptimize(ops->ex.dot(ops->ev));
    });
    benchmark::RegisterBenchmark(("axpy/" + n + "/typegrad").c_str(), [ops](benchmark::State& s) {
        for (auto _ : s) {
            simd::axpy<N>(1e-3f, ops->x.data(), ops->v.data());
            benchmark::DoNotOptimize(ops->v.data());
            benchmark::ClobberMemory();
        }
        set_flop(s, 2.0 * N);
    });
    benchmark::RegisterBenchmark(("axpy/" + n + "/eigen").c_str(), [ops](benchmark::State& s) {
        for (auto _ : s) {
            ops->ev.noalias() += 1e-3f * ops->ex;
            benchmark::DoNotOptimize(ops->ev.data());
            benchmark::ClobberMemory();
        }
    });
    benchmark::RegisterBenchmark(("map_relu/" + n + "/typegrad").c_str(), [ops](benchmark::State& s) {
        for (auto _ : s) {
            simd::map<N>(ops->x.data(), ops->yt.data(), [](auto z) { return xsimd::max(z, decltype(z)(0.0f)); });
            benchmark::DoNotOptimize(ops->yt.data());
            benchmark::ClobberMemory();
        }
    });
    benchmark::RegisterBenchmark(("map_relu/" + n + "/eigen").c_str(), [ops](benchmark::State& s) {
        for (auto _ : s) {
            ops->eyt = ops->ex.cwiseMax(0.0f);
            benchmark::DoNotOptimize(ops->eyt.data());
            benchmark::ClobberMemory();
        }
    });
    // tg::tanh's rational approximation against Eigen's (both float, both vectorised).
    benchmark::RegisterBenchmark(("map_tanh/" + n + "/typegrad").c_str(), [ops](benchmark::State& s) {
        for (auto _ : s) {
            simd::map<N>(ops->x.data(), ops->yt.data(), [](auto z) { return tg::tanh::value(z); });
            benchmark::DoNotOptimize(ops->yt.data());
            benchmark::ClobberMemory();
        }
    });
    benchmark::RegisterBenchmark(("map_tanh/" + n + "/eigen").c_str(), [ops](benchmark::State& s) {
        for (auto _ : s) {
            ops->eyt = ops->ex.array().tanh().matrix();
            benchmark::DoNotOptimize(ops->eyt.data());
            benchmark::ClobberMemory();
        }
    });
    benchmark::RegisterBenchmark(("sum/" + n + "/typegrad").c_str(), [ops](benchmark::State& s) {
        for (auto _ : s) benchmark::DoNotOptimize(simd::sum<N>(ops->x.data()));
    });
    benchmark::RegisterBenchmark(("sum/" + n + "/eigen").c_str(), [ops](benchmark::State& s) {
        for (auto _ : s) benchmark::DoNotOptimize(ops->ex.sum());
    });
    benchmark::RegisterBenchmark(("max/" + n + "/typegrad").c_str(), [ops](benchmark::State& s) {
        for (auto _ : s) benchmark::DoNotOptimize(simd::max<N>(ops->x.data()));
    });
    benchmark::RegisterBenchmark(("max/" + n + "/eigen").c_str(), [ops](benchmark::State& s) {
        for (auto _ : s) benchmark::DoNotOptimize(ops->ex.maxCoeff());
    });
}

}  // namespace

int main(int argc, char** argv) {
    register_matrix_kernels<16, 2>();
    register_matrix_kernels<16, 16>();
    register_matrix_kernels<1, 16>();
    register_matrix_kernels<64, 16>();
    register_matrix_kernels<16, 64>();
    register_matrix_kernels<64, 64>();
    register_matrix_kernels<10, 128>();
    register_matrix_kernels<128, 784>();
    register_vector_kernels<10>();
    register_vector_kernels<67>();
    register_vector_kernels<256>();
    register_vector_kernels<784>();
    return bench::run_with_summary(argc, argv);
}
