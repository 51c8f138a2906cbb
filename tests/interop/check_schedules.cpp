// Checks a file written by torch_schedules.py: each line names a schedule and lists the learning
// rates PyTorch's scheduler gave at steps 0, 1, …; the typegrad schedule built here with the same
// hyper-parameters must give each within a relative 1e-12 (PyTorch updates most rates recursively).
// Usage: check_schedules FILE; exit status 0 when all agree.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: check_schedules FILE\n");
        return 2;
    }
    constexpr double base = 0.1;  // the script's
    const auto rate = [](auto schedule) { return std::function<double(std::size_t)>([=](std::size_t t) { return schedule.lr(base, t); }); };
    const std::map<std::string, std::function<double(std::size_t)>> schedules = {
        {"step", rate(tg::step_lr{.step_size = 3, .gamma = 0.5})},
        {"exponential", rate(tg::exponential_lr{.gamma = 0.9})},
        {"cosine", rate(tg::cosine_lr{.period = 5, .min_lr = 0.001})},
        {"linear", rate(tg::linear_lr{.start_factor = 0.1, .end_factor = 1, .steps = 4})},
        {"warmup_cosine", rate(tg::sequential_lr{tg::linear_lr{.start_factor = 0.1, .steps = 4}, 4, tg::cosine_lr{.period = 8}})},
    };
    std::ifstream in(argv[1]);
    std::string line;
    std::size_t checked = 0, wrong = 0;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string name;
        fields >> name;
        const auto schedule = schedules.find(name);
        if (schedule == schedules.end()) {
            std::fprintf(stderr, "check_schedules: unknown schedule %s\n", name.c_str());
            return 1;
        }
        double torch_rate;
        for (std::size_t t = 0; fields >> torch_rate; ++t, ++checked) {
            const double ours = schedule->second(t);
            if (std::abs(ours - torch_rate) > 1e-12 * std::max(std::abs(torch_rate), 1e-3)) {
                std::fprintf(stderr, "%s at step %zu: typegrad %.17g, PyTorch %.17g\n", name.c_str(), t, ours, torch_rate);
                ++wrong;
            }
        }
    }
    std::printf("%zu learning rates of %zu schedules compared with PyTorch: %zu differ\n", checked, schedules.size(), wrong);
    return checked > 0 && wrong == 0 ? 0 : 1;
}
