// The seed's blue and red points (chapter 多層神經元): a point (x, y) is blue when 3x − y > 0 and
// −3x + 2y + 3 > 0, red otherwise; no single line separates them. A 2 -> 16 -> 16 -> 2 relu network
// learns the two lines from labelled points with tg::fit. Prints each epoch, writes the points and
// a grid of predicted colours (plotted by docs/plots/blue_red_points.py), and fails unless the
// accuracy on held-out points is at least 99% and the seed's three points get the seed's colours.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <utility>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<2, 16>, tg::relu, tg::dense<16, 16>, tg::relu, tg::dense<16, 2>>;

enum colour : std::size_t { red = 0, blue = 1 };

// The seed's rule: blue between the two lines.
colour colour_of(float x, float y) { return 3 * x - y > 0 && -3 * x + 2 * y + 3 > 0 ? blue : red; }

// The plotted region; it holds the seed's points (4, 8), (4, 0) and (−2, −5).
constexpr float x_min = -4, x_max = 6, y_min = -6, y_max = 10;

tg::dataset<float, 2> points(std::size_t n, std::uint64_t seed) {
    tg::rng r{seed};
    tg::dataset<float, 2> set;
    set.classes = 2;
    for (std::size_t i = 0; i < n; ++i) {
        const auto x = float(r.uniform(x_min, x_max)), y = float(r.uniform(y_min, y_max));
        set.push_back({x, y}, colour_of(x, y));
    }
    return set;
}

colour predicted(const tg::params<net>& p, float x, float y) {
    const auto scores = tg::forward<net>(p, tg::vec<float, 2>{x, y});
    return scores[blue] > scores[red] ? blue : red;
}

int main() {
    const auto train = points(8000, /*seed=*/1);
    const auto test = points(2000, /*seed=*/2);

    tg::params<net> p = tg::init<net>(/*seed=*/3);
    tg::sgd opt{0.05};
    tg::fit<net>(p, train, tg::softmax_cross_entropy{}, opt,
                 {.epochs = 40, .batch_size = 32, .seed = 4, .report = tg::progress::none},
                 [&](const tg::epoch_report& e) {
                     std::printf("epoch %2zu/%zu  lr %.4f  loss %.4f  train accuracy %.4f  test accuracy %.4f\n", e.epoch,
                                 e.epochs, opt.lr, e.loss, e.accuracy, tg::accuracy<net>(p, test));
                     opt.lr *= 0.93;  // smaller steps as the boundary settles: fit calls back between epochs
                 });
    const double accuracy = tg::accuracy<net>(p, test);
    std::printf("test accuracy %.4f on %zu held-out points\n", accuracy, test.size());

    bool seed_points_right = true;
    const char* name[] = {"red", "blue"};
    for (const auto& [x, y] : {std::pair{4.f, 8.f}, std::pair{4.f, 0.f}, std::pair{-2.f, -5.f}}) {
        const colour rule = colour_of(x, y), network = predicted(p, x, y);
        std::printf("(%g, %g): the rule says %s, the network says %s\n", x, y, name[rule], name[network]);
        seed_points_right = seed_points_right && network == rule;
    }

    std::FILE* csv = std::fopen("blue_red_points.csv", "w");
    if (!csv) return 1;
    std::fprintf(csv, "set,x,y,label,predicted\n");
    for (const auto* set : {&train, &test})
        for (std::size_t i = 0; i < set->size(); ++i) {
            const auto& v = set->inputs[i];
            std::fprintf(csv, "%s,%g,%g,%zu,%zu\n", set == &train ? "train" : "test", v[0], v[1], set->targets[i],
                         std::size_t(predicted(p, v[0], v[1])));
        }
    std::fclose(csv);

    constexpr int steps = 200;  // the grid the plot colours by the network's prediction
    csv = std::fopen("blue_red_points_grid.csv", "w");
    if (!csv) return 1;
    std::fprintf(csv, "x,y,predicted\n");
    for (int i = 0; i <= steps; ++i)
        for (int j = 0; j <= steps; ++j) {
            const float x = x_min + (x_max - x_min) * float(i) / steps, y = y_min + (y_max - y_min) * float(j) / steps;
            std::fprintf(csv, "%g,%g,%zu\n", x, y, std::size_t(predicted(p, x, y)));
        }
    std::fclose(csv);
    std::printf("wrote blue_red_points.csv and blue_red_points_grid.csv\n");
    return accuracy >= 0.99 && seed_points_right ? 0 : 1;
}
