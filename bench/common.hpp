// Shared by the benchmark programs: this machine's single-core FP32 FMA peak, measured in the same
// run, and a reporter that pairs each "<case>/typegrad[-<how>]" run with its "<case>/<baseline>" runs and
// prints a table of times, ratios and the fraction of peak after the benchmarks have run.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include <typegrad/simd/batch.hpp>

namespace bench {

/// GFLOP/s of Chains independent FMA chains on the widest batch, the best of several timed rounds.
/// The chains are unrolled by a pack expansion, so each stays in a register at -O2 as at -O3.
template <std::size_t Chains>
double fma_chains_gflops() {
    using B = typegrad::simd::batch<float>;
    constexpr long iterations = 20'000'000 / long(Chains) * 16;
    double best = 0;
    for (int round = 0; round < 5; ++round) {
        // Every access to the chains is a pack expansion with constant indices, so the array lives in
        // registers (a loop over it, left rolled at -O2, would keep it in memory).
        [&]<std::size_t... C>(std::index_sequence<C...>) {
            B acc[Chains] = {B(float(C) * 1e-3f)...};
            const B a(0.999999f), b(1e-7f);
            const auto start = std::chrono::steady_clock::now();
            for (long i = 0; i < iterations; ++i) ((acc[C] = xsimd::fma(acc[C], a, b)), ...);
            const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
            benchmark::DoNotOptimize((acc[C] + ...));
            const double flops = 2.0 * double(iterations) * Chains * B::size;
            best = std::max(best, flops / seconds.count() * 1e-9);
        }(std::make_index_sequence<Chains>{});
    }
    return best;
}

/// The chain counts the peak is taken over: enough to cover two FMA pipes of 4 to 5 cycles'
/// latency (8 to 10 chains), and more, to show that more chains give no more. They stop below the
/// register count (16 vector registers with AVX2 and SSE, 32 with AVX-512), since a chain that
/// spills to memory measures the spill.
inline constexpr std::size_t peak_chain_counts[] = {4, 8, 10, 12, 14
#if defined(__AVX512F__)
                                                    , 16, 20, 24, 28
#endif
};

/// Single-core FP32 peak in GFLOP/s: the best over peak_chain_counts. With report, prints the
/// GFLOP/s of each chain count.
inline double measure_peak_gflops(bool report = false) {
    double best = 0;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((void)[&] {
            constexpr std::size_t chains = peak_chain_counts[I];
            const double g = fma_chains_gflops<chains>();
            if (report) std::printf("  %2zu chains: %6.1f GFLOP/s\n", chains, g);
            best = std::max(best, g);
        }(), ...);
    }(std::make_index_sequence<std::size(peak_chain_counts)>{});
    return best;
}

/// The peak, measured once per process.
inline double peak_gflops() {
    static const double peak = measure_peak_gflops();
    return peak;
}

/// Records the best time per iteration of every run (over repetitions) and, per case, the floating
/// point operations the benchmark declared in its "flop" counter (per iteration).
class ratio_reporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const Run& run : runs) {
            if (run.run_type != Run::RT_Iteration || run.error_occurred || run.iterations == 0) continue;
            const std::string name = run.run_name.function_name;
            const double ns = run.real_accumulated_time / double(run.iterations) * 1e9;
            auto [it, fresh] = best_ns.try_emplace(name, ns);
            if (!fresh) it->second = std::min(it->second, ns);
            if (const auto flop = run.counters.find("flop"); flop != run.counters.end()) flops[name] = flop->second.value;
            if (fresh) order.push_back(name);
        }
    }

    /// One line per typegrad run ("<case>/typegrad", or a variant "<case>/typegrad-<how>") and
    /// baseline of its case: the times, the ratio typegrad / baseline (below 1 means typegrad is
    /// faster), and GFLOP/s and % of peak.
    void print_summary(double peak) const {
        const auto ours = [](const std::string& leaf) { return leaf.rfind("typegrad", 0) == 0; };
        std::printf("\nsingle-core FP32 FMA peak: %.1f GFLOP/s\n", peak);
        std::printf("%-34s %12s %12s %12s %10s %9s\n", "case", "typegrad ns", "baseline", "baseline ns", "ratio",
                    "% peak");
        for (const std::string& name : order) {
            const auto slash = name.rfind('/');
            if (slash == std::string::npos || !ours(name.substr(slash + 1))) continue;
            const std::string stem = name.substr(0, slash), leaf = name.substr(slash + 1);
            const std::string label = leaf == "typegrad" ? stem : stem + " (" + leaf.substr(9) + ")";
            const double ns = best_ns.at(name);
            // A case that declares no "flop" counter gets a dash, not 0%.
            const auto flop = flops.find(name);
            char percent[16] = "-";
            if (flop != flops.end()) std::snprintf(percent, sizeof percent, "%.1f%%", flop->second / ns / peak * 100);
            for (const std::string& other : order) {
                if (other.rfind(stem + "/", 0) != 0 || ours(other.substr(slash + 1))) continue;
                std::printf("%-34s %12.1f %12s %12.1f %10.3f %9s\n", label.c_str(), ns, other.substr(slash + 1).c_str(),
                            best_ns.at(other), ns / best_ns.at(other), percent);
            }
        }
    }

private:
    std::map<std::string, double> best_ns, flops;
    std::vector<std::string> order;
};

/// Runs the registered benchmarks with the ratio reporter and prints the summary.
inline int run_with_summary(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    ratio_reporter reporter;
    peak_gflops();  // measured first: it also brings the core to its wide-vector clock before the first case
    benchmark::RunSpecifiedBenchmarks(&reporter);
    reporter.print_summary(peak_gflops());
    benchmark::Shutdown();
    return 0;
}

}  // namespace bench
