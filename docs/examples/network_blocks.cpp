// Networks beyond a chain, on Fashion-MNIST: a residual MLP (two tg::residual blocks) and a network of
// two branches joined by tg::concat, each trained for a few epochs with Adam on every core, then saved
// and loaded back by their nested PyTorch names ("2.0.weight": the dense layer at index 0 inside the
// block at index 2). Prints each network's test accuracy and the names of the saved tensors. Exits 77
// (a skip, for CTest) when the data set is not installed; fails if a network scores below 0.85 or
// loads back different.
//
// Usage: network_blocks [DATA_DIR]  (default $TYPEGRAD_FASHION_MNIST, else /usr/share/datasets/fashion-mnist)
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
namespace fs = std::filesystem;

// 784 -> 128, then two blocks y = x + W₂·relu(W₁·x + b₁) + b₂, then the 10 logits.
using residual_mlp = tg::sequential<tg::dense<784, 128>, tg::relu,
                                    tg::residual<tg::dense<128, 128>, tg::relu, tg::dense<128, 128>>, tg::relu,
                                    tg::residual<tg::dense<128, 128>, tg::relu, tg::dense<128, 128>>, tg::relu,
                                    tg::dense<128, 10>>;

// Two views of the image side by side: 96 relu features and 32 tanh features, joined into 128.
using two_branches = tg::sequential<tg::concat<tg::sequential<tg::dense<784, 96>, tg::relu>,
                                               tg::sequential<tg::dense<784, 32>, tg::tanh>>,
                                    tg::dense<128, 64>, tg::relu, tg::dense<64, 10>>;

constexpr double required_accuracy = 0.85;

template <class Net>
bool train_and_check(const char* name, const tg::dataset<float, 784>& train, const tg::dataset<float, 784>& test) {
    std::printf("\n%s: %zu parameters\n", name, Net::param_count);
    std::fflush(stdout);
    auto p = tg::init<Net>(/*seed=*/7);
    tg::adam opt{1e-3};
    tg::fit<Net>(p, train, tg::softmax_cross_entropy{}, opt, {.epochs = 4, .batch_size = 64, .seed = 1});
    const double accuracy = tg::accuracy<Net>(p, test);

    const fs::path file = std::string(name) + ".safetensors";
    tg::save(p, file);
    std::printf("%s: test accuracy %.4f; saved %s with the tensors", name, accuracy, file.c_str());
    for (const auto& tensor : tg::read_safetensors(file).tensors) std::printf(" %s", tensor.name.c_str());
    const double loaded = tg::accuracy<Net>(tg::load<Net>(file), test);
    std::printf("\n%s: loaded back, test accuracy %.4f (%s)\n", name, loaded, loaded == accuracy ? "the same" : "DIFFERENT");
    return accuracy >= required_accuracy && loaded == accuracy;
}

int main(int argc, char** argv) {
    const char* env_dir = std::getenv("TYPEGRAD_FASHION_MNIST");
    const fs::path data = argc > 1 ? argv[1] : env_dir ? env_dir : "/usr/share/datasets/fashion-mnist";
    if (!fs::exists(data / "train-images-idx3-ubyte.gz")) {
        std::fprintf(stderr, "network_blocks: Fashion-MNIST is not installed in %s (apt-get install "
                             "dataset-fashion-mnist)\n", data.c_str());
        return 77;
    }
    try {
        const tg::dataset<float, 784> train =
            tg::read_idx_dataset(data / "train-images-idx3-ubyte.gz", data / "train-labels-idx1-ubyte.gz");
        const tg::dataset<float, 784> test =
            tg::read_idx_dataset(data / "t10k-images-idx3-ubyte.gz", data / "t10k-labels-idx1-ubyte.gz");
        const bool ok = train_and_check<residual_mlp>("residual_mlp", train, test) &&
                        train_and_check<two_branches>("two_branches", train, test);
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "network_blocks: %s\n", e.what());
        return 1;
    }
}
