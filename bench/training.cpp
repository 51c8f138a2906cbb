// The batched training step of issue 5: forward, softmax cross-entropy, backward and an SGD update of
// 784→128→10 and 784→256→128→10 relu networks on mini-batches of 64, on one thread and on two.
// typegrad runs its public batch API (tg::value_and_grad_batch + tg::sgd on one thread, tg::fit for
// one and two threads); the baselines are hand-written Eigen with dynamic matrices (its GEMM; on two
// threads through OpenMP when the benchmark is built with it) and LibTorch (nn::Linear, autograd,
// optim::SGD) when it was found at configure time. Every side takes its batches in turn from the same
// 4096 random samples. After the runs a table gives µs per step, samples/s, GFLOP/s, the fraction of
// this machine's single-core peak measured in the same run, and each baseline's time / typegrad's.
// FLOPs counted per dense layer and sample: 2·In·Out forward, 2·In·Out for the weight gradient and
// 2·In·Out for the input gradient except in the first layer.
// Run: build/<dir>/bench/training --benchmark_repetitions=10 --benchmark_enable_random_interleaving=true
// (on a shared machine, interleaved repetitions let every case meet the same load; the table takes
// each case's best repetition).
#include <typegrad/typegrad.hpp>

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Waggressive-loop-optimizations"
#include <Eigen/Core>
#pragma GCC diagnostic pop

#if defined(TYPEGRAD_BENCH_TORCH)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <torch/torch.h>
#pragma GCC diagnostic pop
#endif

#include "common.hpp"
#include "training_setup.hpp"

namespace tg = typegrad;

namespace {

using tg::bench_training::data, tg::bench_training::net_large, tg::bench_training::net_small,
    tg::bench_training::samples;

constexpr std::size_t batch = 64, steps_per_epoch = samples / batch;
constexpr float lr = 0.01f;

/// Floating-point operations of one step at batch 64, counted as the header says.
double step_flops(const std::vector<int>& sizes) {
    double f = 0;
    for (std::size_t l = 0; l + 1 < sizes.size(); ++l)
        f += 2.0 * sizes[l] * sizes[l + 1] * double(batch) * (l == 0 ? 2 : 3);
    return f;
}

std::map<std::string, std::size_t> registered;  // case name → registration rank

/// Registers a case that runs `steps` training steps per benchmark iteration, after setup() (which
/// sets a library's thread count, outside the timed loop).
template <class Body, class Setup = void (*)()>
void add(const std::string& name, double flops, std::size_t steps, Body body, Setup setup = [] {}) {
    registered.emplace(name, registered.size());
    benchmark::RegisterBenchmark(name.c_str(), [body, setup, flops, steps](benchmark::State& state) mutable {
        setup();
        for (auto _ : state) body();
        state.counters["steps"] = double(steps);
        state.counters["flop"] = flops;
    })
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
}

// ---- typegrad ------------------------------------------------------------------------------------

template <class Net>
void add_typegrad(const std::string& stem, double flops) {
    struct state {
        tg::params<Net> p = tg::init<Net>(1);
        std::unique_ptr<tg::params<Net>> grad = std::make_unique<tg::params<Net>>();
        tg::batch_workspace<Net> ws{batch};
        tg::sgd opt{lr};
        std::size_t step = 0;
    };
    auto s = std::make_shared<state>();
    // One step as a hand-written loop writes it: the batch's mean gradient (assigned to grad, so no
    // zeroing pass first), then the update.
    add(stem + "/1/typegrad", flops, 1, [s] {
        const auto& d = data();
        const std::size_t first = (s->step++ % steps_per_epoch) * batch;
        const float loss = tg::value_and_grad_batch<Net>(
            s->p, s->ws, std::span(d.inputs).subspan(first, batch), std::span(d.targets).subspan(first, batch),
            tg::softmax_cross_entropy{}, *s->grad, {tg::mode::training}, tg::grad_mode::assign);
        benchmark::DoNotOptimize(loss);
        s->opt.step(s->p, *s->grad);
    });
    // The same step fused: tg::sgd_step_batch updates the parameters in the backward pass.
    add(stem + "/1/typegrad-fused", flops, 1, [s] {
        const auto& d = data();
        const std::size_t first = (s->step++ % steps_per_epoch) * batch;
        const float loss = tg::sgd_step_batch<Net>(s->p, s->ws, std::span(d.inputs).subspan(first, batch),
                                                   std::span(d.targets).subspan(first, batch),
                                                   tg::softmax_cross_entropy{}, s->opt);
        benchmark::DoNotOptimize(loss);
    });
    // What two cores can give at best: each thread trains its own copy of the network on half a
    // batch (the fused step, nothing shared, no gradient to add up); one iteration is one pair of
    // half batches. Its ratio to the one-thread fused step bounds what splitting a batch can gain.
    struct half {
        tg::params<Net> p = tg::init<Net>(1);
        tg::batch_workspace<Net> ws{batch / 2};
        std::size_t step = 0;
    };
    auto halves = std::make_shared<std::vector<half>>(2);
    auto pool = std::make_shared<tg::thread_pool>(2);
    add(stem + "/2/independent", flops, 1, [halves, pool, opt = s->opt] {
        auto job = [&](std::size_t t) {
            half& h = (*halves)[t];
            const auto& d = data();
            const std::size_t first = (h.step++ % steps_per_epoch) * batch + t * (batch / 2);
            benchmark::DoNotOptimize(tg::sgd_step_batch<Net>(h.p, h.ws, std::span(d.inputs).subspan(first, batch / 2),
                                                             std::span(d.targets).subspan(first, batch / 2),
                                                             tg::softmax_cross_entropy{}, opt));
        };
        pool->run(job);
    });
    // tg::fit: four epochs of 64 batches per iteration, the batch split over the threads. A call of fit
    // first allocates its buffers and starts its threads (about a millisecond); four epochs make that
    // a sixth of what it was with one, closer to a real run, which calls fit once.
    constexpr std::size_t fit_epochs = 4;
    for (std::size_t threads : {1, 2})
        add(stem + "/" + std::to_string(threads) + "/typegrad-fit", flops, fit_epochs * steps_per_epoch, [s, threads] {
            tg::fit<Net>(s->p, data(), tg::softmax_cross_entropy{}, s->opt,
                         {.epochs = fit_epochs, .batch_size = batch, .threads = threads, .shuffle = false,
                          .report = tg::progress::none});
        });
    // How this machine scales, for reference in the same run: two one-thread fits at once, each training
    // its own copy, nothing shared. Their steps per second over one fit's fall below 2 when both cores
    // working at once slow each other down, or a host shares them with other machines. Not a bound on
    // fit's two threads: those keep half the parameters per core, and can do better.
    auto copies = std::make_shared<std::vector<tg::params<Net>>>(2, tg::init<Net>(1));
    add(stem + "/2/two-fits", flops, 2 * fit_epochs * steps_per_epoch, [copies, pool, opt = s->opt] {
        auto job = [&](std::size_t t) {
            tg::sgd own = opt;
            tg::fit<Net>((*copies)[t], data(), tg::softmax_cross_entropy{}, own,
                         {.epochs = fit_epochs, .batch_size = batch, .threads = 1, .shuffle = false,
                          .report = tg::progress::none});
        };
        pool->run(job);
    });
}

// ---- Eigen, hand-written with dynamic matrices -----------------------------------------------------

/// Samples are columns: Z = W·X + b, ∂W = ∂Z·Xᵀ, ∂X = Wᵀ·∂Z, relu between the layers.
struct eigen_mlp {
    std::vector<Eigen::MatrixXf> W, dW, A, dZ;  // A[l]: the input of layer l, A.back() the logits
    std::vector<Eigen::VectorXf> b, db;
    std::size_t step = 0;

    explicit eigen_mlp(const std::vector<int>& sizes) {
        tg::rng r{3};
        for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
            W.emplace_back(sizes[l + 1], sizes[l]);
            for (float& v : W.back().reshaped()) v = static_cast<float>(r.uniform(-0.05, 0.05));
            b.push_back(Eigen::VectorXf::Zero(sizes[l + 1]));
            dW.emplace_back(sizes[l + 1], sizes[l]);
            db.emplace_back(sizes[l + 1]);
        }
        for (int n : sizes) {
            A.emplace_back(n, int(batch));
            dZ.emplace_back(n, int(batch));
        }
    }

    float train_step() {
        const auto& d = data();
        const std::size_t first = (step++ % steps_per_epoch) * batch, L = W.size();
        for (std::size_t s = 0; s < batch; ++s)
            A[0].col(Eigen::Index(s)) = Eigen::Map<const Eigen::VectorXf>(d.inputs[first + s].data(), 784);
        for (std::size_t l = 0; l < L; ++l) {
            A[l + 1].noalias() = W[l] * A[l];
            A[l + 1].colwise() += b[l];
            if (l + 1 < L) A[l + 1] = A[l + 1].cwiseMax(0.0f);
        }
        // Softmax cross-entropy on the logits, its gradient for the mean over the batch.
        Eigen::MatrixXf& g = dZ[L];
        const Eigen::RowVectorXf m = A[L].colwise().maxCoeff();
        g = (A[L].rowwise() - m).array().exp().matrix();
        const Eigen::RowVectorXf sum = g.colwise().sum();
        float loss = 0;
        for (std::size_t s = 0; s < batch; ++s) {
            const auto c = Eigen::Index(s);
            const auto label = Eigen::Index(d.targets[first + s]);
            loss += m(c) - A[L](label, c) + std::log(sum(c));
            g.col(c) /= sum(c);
            g(label, c) -= 1.0f;
        }
        g /= float(batch);
        for (std::size_t l = L; l-- > 0;) {
            dW[l].noalias() = dZ[l + 1] * A[l].transpose();
            db[l] = dZ[l + 1].rowwise().sum();
            if (l > 0) {
                dZ[l].noalias() = W[l].transpose() * dZ[l + 1];
                dZ[l] = dZ[l].cwiseProduct((A[l].array() > 0.0f).cast<float>().matrix());
            }
        }
        for (std::size_t l = 0; l < L; ++l) {
            W[l] -= lr * dW[l];
            b[l] -= lr * db[l];
        }
        return loss;
    }
};

void add_eigen(const std::string& stem, const std::vector<int>& sizes, double flops) {
    auto e = std::make_shared<eigen_mlp>(sizes);
#if defined(_OPENMP)
    const std::size_t max_threads = 2;
#else
    const std::size_t max_threads = 1;  // Eigen's GEMM runs threads only through OpenMP
#endif
    for (std::size_t threads = 1; threads <= max_threads; ++threads)
        add(
            stem + "/" + std::to_string(threads) + "/eigen", flops, 1,
            [e] { benchmark::DoNotOptimize(e->train_step()); }, [threads] { Eigen::setNbThreads(int(threads)); });
}

// ---- LibTorch ------------------------------------------------------------------------------------

#if defined(TYPEGRAD_BENCH_TORCH)
struct torch_mlp : torch::nn::Module {
    std::vector<torch::nn::Linear> layers;
    explicit torch_mlp(const std::vector<int>& sizes) {
        for (std::size_t l = 0; l + 1 < sizes.size(); ++l)
            layers.push_back(register_module("fc" + std::to_string(l), torch::nn::Linear(sizes[l], sizes[l + 1])));
    }
    torch::Tensor forward(torch::Tensor x) {
        for (std::size_t l = 0; l < layers.size(); ++l) {
            x = layers[l]->forward(x);
            if (l + 1 < layers.size()) x = torch::relu(x);
        }
        return x;
    }
};

void add_torch(const std::string& stem, const std::vector<int>& sizes, double flops) {
    struct state {
        std::shared_ptr<torch_mlp> model;
        std::unique_ptr<torch::optim::SGD> opt;
        torch::Tensor inputs, labels;
        std::size_t step = 0;
    };
    auto s = std::make_shared<state>();
    s->model = std::make_shared<torch_mlp>(sizes);
    s->opt = std::make_unique<torch::optim::SGD>(s->model->parameters(), torch::optim::SGDOptions(lr));
    const auto& d = data();
    s->inputs = torch::empty({long(samples), 784});
    s->labels = torch::empty({long(samples)}, torch::kLong);
    for (std::size_t i = 0; i < samples; ++i) {
        std::copy_n(d.inputs[i].data(), 784, s->inputs.data_ptr<float>() + i * 784);
        s->labels.data_ptr<long>()[i] = long(d.targets[i]);
    }
    for (int threads : {1, 2})
        add(
            stem + "/" + std::to_string(threads) + "/libtorch", flops, 1,
            [s] {
                const long first = long((s->step++ % steps_per_epoch) * batch);
                s->opt->zero_grad();
                const torch::Tensor logits = s->model->forward(s->inputs.narrow(0, first, long(batch)));
                torch::Tensor loss =
                    torch::nn::functional::cross_entropy(logits, s->labels.narrow(0, first, long(batch)));
                loss.backward();
                s->opt->step();
            },
            [threads] {
                torch::set_num_threads(threads);
                // Debian's LibTorch runs its GEMMs in OpenBLAS, whose own threads torch does not set.
                using set_threads = void (*)(int);
                if (auto f = reinterpret_cast<set_threads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) f(threads);
            });
}
#endif

// ---- the summary ---------------------------------------------------------------------------------

/// Keeps each case's best wall time per step over repetitions and prints the table.
class step_reporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const Run& run : runs) {
            if (run.run_type != Run::RT_Iteration || run.error_occurred || run.iterations == 0) continue;
            const std::string name = run.run_name.function_name;
            const double steps = run.counters.at("steps").value;
            const double us = run.real_accumulated_time / double(run.iterations) / steps * 1e6;
            auto [it, fresh] = best_us.try_emplace(name, us);
            if (!fresh) it->second = std::min(it->second, us);
            flops[name] = run.counters.at("flop").value;
            if (fresh) order.push_back(name);
        }
    }

    /// Rows in the order the cases were registered, whatever order they ran in.
    void print_summary(double peak) {
        std::ranges::sort(order, {}, [](const std::string& name) { return registered.at(name); });
        std::printf("\nsingle-core FP32 FMA peak: %.1f GFLOP/s; batch %zu; %% peak is of one core's peak (two "
                    "threads: of two cores')\n", peak, batch);
        std::printf("%-16s %3s %-13s %10s %10s %9s %7s %10s\n", "network", "thr", "impl", "us/step", "samples/s",
                    "GFLOP/s", "% peak", "vs tg");
        for (const std::string& name : order) {
            const auto a = name.find('/'), b = name.find('/', a + 1);
            const std::string net = name.substr(0, a), threads = name.substr(a + 1, b - a - 1),
                              impl = name.substr(b + 1);
            const double us = best_us.at(name), gflops = flops.at(name) / us * 1e-3;
            // Against typegrad's step on the same thread count: tg::fit for two threads.
            const std::string ours = net + "/" + threads + (threads == "1" ? "/typegrad" : "/typegrad-fit");
            const auto t = best_us.find(ours);
            char versus[16] = "-";  // no typegrad row to compare with (left out by a filter)
            if (t != best_us.end()) std::snprintf(versus, sizeof versus, "%.2fx", us / t->second);
            std::printf("%-16s %3s %-13s %10.1f %10.0f %9.1f %6.1f%% %10s\n", net.c_str(), threads.c_str(),
                        impl.c_str(), us, double(batch) / us * 1e6, gflops, gflops / (peak * std::stod(threads)) * 100,
                        versus);
        }
        std::printf("(vs tg: this row's time / typegrad's on as many threads; above 1 typegrad is faster)\n");
        for (const std::string& name : order) {
            const auto a = name.find('/');
            const std::string net = name.substr(0, a);
            const auto ratio = [&](const char* one, const char* two) {
                return best_us.at(net + one) / best_us.at(net + two);
            };
            if (name == net + "/1/typegrad-fit" && best_us.contains(net + "/2/typegrad-fit"))
                std::printf("%s: tg::fit on two threads is %.2fx as fast as on one\n", net.c_str(),
                            ratio("/1/typegrad-fit", "/2/typegrad-fit"));
            if (name == net + "/2/two-fits" && best_us.contains(net + "/1/typegrad-fit"))
                std::printf("%s: two one-thread fits at once make %.2fx the steps per second of one (how this "
                            "machine scales, for reference)\n",
                            net.c_str(), ratio("/1/typegrad-fit", "/2/two-fits"));
            if (name == net + "/2/independent" && best_us.contains(net + "/1/typegrad-fused"))
                std::printf("%s: two threads, each with its own copy and half a batch, are %.2fx as fast as one "
                            "thread with the whole batch (fused steps)\n",
                            net.c_str(), ratio("/1/typegrad-fused", "/2/independent"));
        }
    }

private:
    std::map<std::string, double> best_us, flops;
    std::vector<std::string> order;
};

}  // namespace

int main(int argc, char** argv) {
    // Settings that libraries read when they load, so the program sets them and starts itself again:
    // OpenMP's passive waiting (its default spinning collapses on a machine busy with other work) and,
    // on AVX-512 machines, OpenBLAS's AVX-512 kernels (0.3.21, LibTorch's BLAS on Debian 12, does not
    // know CPUs newer than itself and falls back to SSE3 ones). Values set by the caller are kept.
    if (!std::getenv("TYPEGRAD_BENCH_RESTARTED")) {
        setenv("TYPEGRAD_BENCH_RESTARTED", "1", 1);
        setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
        if (__builtin_cpu_supports("avx512f")) setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
        execv("/proc/self/exe", argv);  // on failure, run as things are
    }
    const std::vector<int> small{784, 128, 10}, large{784, 256, 128, 10};
    add_typegrad<net_small>("784-128-10", step_flops(small));
    add_eigen("784-128-10", small, step_flops(small));
    add_typegrad<net_large>("784-256-128-10", step_flops(large));
    add_eigen("784-256-128-10", large, step_flops(large));
#if defined(TYPEGRAD_BENCH_TORCH)
    add_torch("784-128-10", small, step_flops(small));
    add_torch("784-256-128-10", large, step_flops(large));
#endif
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    step_reporter reporter;
    bench::peak_gflops();  // first: it also brings the core to its wide-vector clock
    benchmark::RunSpecifiedBenchmarks(&reporter);
    // The peak again after the runs, the better of the two: a peak measured while other work held
    // the core would make every fraction of it too high.
    reporter.print_summary(std::max(bench::peak_gflops(), bench::measure_peak_gflops()));
    benchmark::Shutdown();
    return 0;
}
