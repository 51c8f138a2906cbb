// scripts/ab.sh's driver: alternates the two sides call by call (A first in odd rounds, B first in
// even ones) and prints per case the median time of each side and the median of the paired ratios
// B / A (below 1: B is faster). On a machine whose speed drifts from minute to minute, paired calls
// compare what one run of a benchmark cannot.
//   ab fit [ROUNDS]     each call two epochs of tg::fit; 784-128-10, 784-256-128-10, 784-20-10 and
//                       784-50-10, on 1 and 2 threads
//   ab stream [ROUNDS]  each call 4096 streamed steps; bench/sequences' LSTM, GRU and conv1d stack,
//                       from tg::params and from tg::inference_params
#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

double fit_us_tg_a(int net, std::size_t threads, std::size_t epochs);
double fit_us_tg_b(int net, std::size_t threads, std::size_t epochs);
double stream_ns_tg_a(int k, std::size_t steps);
double stream_ns_tg_b(int k, std::size_t steps);

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

/// Warms both sides up, then runs `rounds` paired calls and prints a row: name, medians, ratio.
void compare(const char* name, int rounds, const std::function<double()>& a, const std::function<double()>& b) {
    a();  // first touches, thread start
    b();
    std::vector<double> ta, tb, ratio;
    for (int r = 0; r < rounds; ++r) {
        const double first = r % 2 ? a() : b();
        const double second = r % 2 ? b() : a();
        ta.push_back(r % 2 ? first : second);
        tb.push_back(r % 2 ? second : first);
        ratio.push_back(tb.back() / ta.back());
    }
    std::printf("%-26s %12.1f %12.1f %9.3f\n", name, median(ta), median(tb), median(ratio));
}

}  // namespace

int main(int argc, char** argv) {
    const bool stream = argc > 1 && std::strcmp(argv[1], "stream") == 0;
    if (argc > 1 && !stream && std::strcmp(argv[1], "fit") != 0) {
        std::fprintf(stderr, "usage: %s fit|stream [ROUNDS]\n", argv[0]);
        return 2;
    }
    const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : stream ? 200 : 30;
    if (stream) {
        std::printf("%-26s %12s %12s %9s\n", "model", "A ns/step", "B ns/step", "B / A");
        const char* names[] = {"lstm 1-32 + dense", "lstm 1-32 + dense, prep.", "gru 1-40 + dense",
                               "gru 1-40 + dense, prep.", "conv1d stack",           "conv1d stack, prep."};
        for (int k = 0; k < 6; ++k)
            compare(names[k], rounds, [k] { return stream_ns_tg_a(k, 4096); }, [k] { return stream_ns_tg_b(k, 4096); });
        return 0;
    }
    std::printf("%-26s %12s %12s %9s\n", "network, threads", "A us/step", "B us/step", "B / A");
    const char* names[] = {"784-128-10", "784-256-128-10", "784-20-10", "784-50-10"};
    for (int net = 0; net < 4; ++net)
        for (std::size_t threads : {1, 2}) {
            char name[64];
            std::snprintf(name, sizeof name, "%s, %zu", names[net], threads);
            compare(name, rounds, [=] { return fit_us_tg_a(net, threads, 2); }, [=] { return fit_us_tg_b(net, threads, 2); });
        }
}
