// Checks the files torch_checkpoint.py writes: a typegrad optimizer loaded from a checkpoint written
// from PyTorch's optimizer state (Adam's exp_avg, exp_avg_sq and step; SGD's momentum_buffer) takes
// the two steps PyTorch took next, from the same gradients, and must reach PyTorch's parameters within
// a relative 1e-12, so the state's names and meaning are PyTorch's.
// Usage: check_checkpoint BASE; exit status 0 when both agree.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<3, 5>, tg::tanh, tg::dense<5, 2>>;
using P = tg::params<net, double>;

template <class Opt>
bool check(const std::string& base, const char* kind, Opt opt) {
    const std::string prefix = base + "." + kind + ".";
    P p{};
    const std::size_t epoch = tg::load_checkpoint(p, opt, prefix + "checkpoint.safetensors");
    const std::size_t steps = opt.steps();
    for (const char* grad : {"grad1", "grad2"}) opt.step(p, tg::load<net, double>(prefix + grad + ".safetensors"));
    const P expected = tg::load<net, double>(prefix + "final.safetensors");
    double worst = 0;
    tg::for_each_tensor(
        [&](std::size_t, std::string_view, const auto& got, const auto& want) {
            for (std::size_t i = 0; i < got.size(); ++i)
                worst = std::max(worst, std::abs(got.data()[i] - want.data()[i]) / std::max(std::abs(want.data()[i]), 1e-3));
        },
        p, expected);
    const bool ok = epoch == 3 && steps == 3 && opt.steps() == 5 && worst <= 1e-12;
    std::printf("%s: epoch %zu, %zu steps loaded, largest relative difference from PyTorch after 2 more: %.3g%s\n", kind,
                epoch, steps, worst, ok ? "" : "  FAILED");
    return ok;
}

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: check_checkpoint BASE\n");
        return 2;
    }
    const bool adam = check(argv[1], "adam", tg::adam{0.01, 0.8, 0.99, 1e-8, 0.001});
    const bool momentum = check(argv[1], "momentum", tg::momentum{0.05, 0.9, true, 0.01});
    return adam && momentum ? 0 : 1;
}
