// The guide's compile-time budget in one translation unit: 784-256-128-10 read from IDX files and
// trained with tg::fit and Adam, nothing else. scripts/compile-time.sh times it (and the demo) at -O2;
// it is compiled, never run.
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using mlp = tg::sequential<tg::dense<784, 256>, tg::relu, tg::dense<256, 128>, tg::relu, tg::dense<128, 10>>;

int main(int argc, char** argv) {
    if (argc != 3) return 2;
    const tg::dataset<float, 784> train = tg::read_idx_dataset(argv[1], argv[2]);
    tg::params<mlp> p = tg::init<mlp>(/*seed=*/42);
    tg::adam opt{1e-3};
    tg::fit<mlp>(p, train, tg::softmax_cross_entropy{}, opt, tg::fit_options{.epochs = 1, .batch_size = 64});
}
