// Every float through typegrad's float approximations, on the SIMD path of the instruction set this is
// built for: tg::tanh and tg::sigmoid (the layers' values on a full batch: with AVX-512, tanh's
// reciprocal and correction) and the gates' σ and tanh of tg::lstm and tg::gru. For each, the largest
// error against double, the input where it occurs and the range of the outputs; the exit status is 1
// when one exceeds the bound its documentation states. The unit tests sample every 1009th float and
// the worst inputs found here; scripts/exhaustive-activations.sh runs this at each x86-64 level.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <thread>
#include <vector>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

using B = tg::simd::batch<float>;

struct result {
    double worst = 0;
    float at = 0, lo = INFINITY, hi = -INFINITY;
    void add(float z, float y, double error) {
        if (error > worst) worst = error, at = z;
        lo = std::min(lo, y), hi = std::max(hi, y);
    }
    void merge(const result& r) {
        if (r.worst > worst) worst = r.worst, at = r.at;
        lo = std::min(lo, r.lo), hi = std::max(hi, r.hi);
    }
};

double relative(double y, double exact) { return exact == 0 ? std::fabs(y) : std::fabs(y - exact) / std::fabs(exact); }

constexpr int functions = 4;

// The four functions of one batch of inputs, accumulated into r.
void run_batch(const float* in, result* r) {
    alignas(64) float y[functions][B::size];
    const B z = B::load_unaligned(in);
    B(tg::tanh::value(z)).store_aligned(y[0]);
    B(tg::sigmoid::value(z)).store_aligned(y[1]);
    tg::detail::gate_tanh(z).store_aligned(y[2]);
    tg::detail::logistic(z).store_aligned(y[3]);
    for (std::size_t i = 0; i < B::size; ++i) {
        const float x = in[i];
        if (!std::isfinite(x)) continue;
        const double t = std::tanh(double(x)), s = 1 / (1 + std::exp(-double(x)));
        r[0].add(x, y[0][i], relative(y[0][i], t));
        if (std::fabs(x) <= 88) r[1].add(x, y[1][i], relative(y[1][i], s));  // beyond, σ is 0 or subnormal
        r[2].add(x, y[2][i], relative(y[2][i], t));
        r[3].add(x, y[3][i], std::fabs(y[3][i] - s));
    }
}

}  // namespace

int main() {
    const char* names[functions] = {"tg::tanh", "tg::sigmoid (|z| <= 88)", "gate tanh (lstm, gru)", "gate sigma (lstm, gru)"};
    const char* kinds[functions] = {"relative", "relative", "relative", "absolute"};
    const double bounds[functions] = {4.2e-7, 5e-7, 4.2e-7, 2.6e-7};
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::vector<result>> partial(threads, std::vector<result>(functions));
    std::vector<std::thread> pool;
    const std::uint64_t all = std::uint64_t(1) << 32, share = all / threads;
    for (unsigned k = 0; k < threads; ++k)
        pool.emplace_back([&, k] {
            const std::uint64_t end = k + 1 == threads ? all : (k + 1) * share;
            alignas(64) float in[B::size];
            for (std::uint64_t bits = k * share; bits < end; bits += B::size) {
                for (std::size_t i = 0; i < B::size; ++i) in[i] = std::bit_cast<float>(std::uint32_t(bits + i));
                run_batch(in, partial[k].data());
            }
        });
    for (std::thread& t : pool) t.join();
    int status = 0;
    std::printf("%-26s %-9s %10s %10s %16s %16s %16s\n", "function", "error", "bound", "worst", "at", "lowest", "highest");
    for (int f = 0; f < functions; ++f) {
        result r;
        for (const auto& p : partial) r.merge(p[f]);
        const bool ok = r.worst <= bounds[f];
        std::printf("%-26s %-9s %10.3g %10.3g %16a %16a %16a%s\n", names[f], kinds[f], bounds[f], r.worst, double(r.at),
                    double(r.lo), double(r.hi), ok ? "" : "  EXCEEDS THE BOUND");
        status |= !ok;
    }
    return status;
}
