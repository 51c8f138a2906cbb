// This machine's single-core FP32 FMA peak (GFLOP/s), the yardstick the other benchmarks report
// their fraction of: independent FMA chains on the widest SIMD batch, at several chain counts, so
// that the table shows the throughput levelling off once the chains cover the FMA latency.
#include <cstdio>

#include "common.hpp"

namespace {

void peak(benchmark::State& state) {
    double gflops = 0;
    for (auto _ : state) gflops = bench::measure_peak_gflops();
    state.counters["GFLOP/s"] = gflops;
}
BENCHMARK(peak)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    std::printf("FMA throughput by the number of independent chains (%zu floats per FMA):\n",
                typegrad::simd::width<float>);
    const double peak = bench::measure_peak_gflops(/*report=*/true);
    std::printf("single-core FP32 FMA peak: %.1f GFLOP/s\n", peak);
    return 0;
}
