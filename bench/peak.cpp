// This machine's single-core FP32 FMA peak (GFLOP/s), the yardstick the other benchmarks report
// their fraction of: independent FMA chains on the widest SIMD batch.
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
    std::printf("single-core FP32 FMA peak: %.1f GFLOP/s (%zu floats per FMA)\n", bench::measure_peak_gflops(),
                typegrad::simd::width<float>);
    return 0;
}
