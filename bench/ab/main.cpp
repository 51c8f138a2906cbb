// scripts/ab.sh's driver: alternates the two sides call by call (A first in odd rounds, B first in
// even ones), each call two epochs of tg::fit, and prints per network and thread count the median
// time of each side and the median of the paired ratios B / A (below 1: B is faster). On a machine
// whose speed drifts from minute to minute, paired calls compare what one run of a benchmark cannot.
#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <vector>

double fit_us_tg_a(int net, std::size_t threads, std::size_t epochs);
double fit_us_tg_b(int net, std::size_t threads, std::size_t epochs);

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 30;
    std::printf("%-15s %7s %12s %12s %9s\n", "network", "threads", "A us/step", "B us/step", "B / A");
    for (int net : {0, 1})
        for (std::size_t threads : {1, 2}) {
            fit_us_tg_a(net, threads, 1);  // warm up: first touches, thread start
            fit_us_tg_b(net, threads, 1);
            std::vector<double> a, b, ratio;
            for (int r = 0; r < rounds; ++r) {
                double ta, tb;
                if (r % 2) {
                    ta = fit_us_tg_a(net, threads, 2);
                    tb = fit_us_tg_b(net, threads, 2);
                } else {
                    tb = fit_us_tg_b(net, threads, 2);
                    ta = fit_us_tg_a(net, threads, 2);
                }
                a.push_back(ta);
                b.push_back(tb);
                ratio.push_back(tb / ta);
            }
            std::printf("%-15s %7zu %12.1f %12.1f %9.3f\n", net ? "784-256-128-10" : "784-128-10", threads, median(a),
                        median(b), median(ratio));
        }
}
