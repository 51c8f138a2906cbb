// Fashion-MNIST read row by row: each image is a sequence of 28 steps of 28 pixels, top row first. A GRU
// of 64 units reads the rows, tg::last_step keeps its last hidden state and a dense layer maps it to the
// 10 classes. tg::fit trains it with Adam, batch 64, on every core (each thread runs its share of a
// batch's sequences); after every epoch the test accuracy is printed. Fails unless the test accuracy
// reaches 0.87; exits 77 (a skip, for CTest) when the data set is not installed.
// bench/pytorch_fashion_rows.py trains the same network in PyTorch.
//
// Usage: fashion_rows [--threads=N] [--epochs=N] [DATA_DIR]
//   DATA_DIR default $TYPEGRAD_FASHION_MNIST, else /usr/share/datasets/fashion-mnist;  N default 0 (every
//   core) and 5 epochs
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <string_view>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
namespace fs = std::filesystem;

// A sample of 784 pixels is 784 / 28 = 28 steps of the GRU's 28 inputs.
using rows_net = tg::sequential<tg::gru<28, 64>, tg::last_step, tg::dense<64, 10>>;  // logits

constexpr double required_accuracy = 0.87;
constexpr int data_missing = 77;

int main(int argc, char** argv) {
    const char* env_dir = std::getenv("TYPEGRAD_FASHION_MNIST");
    fs::path data = env_dir ? env_dir : "/usr/share/datasets/fashion-mnist";
    std::size_t threads = 0, epochs = 5;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg.starts_with("--threads=")) threads = std::strtoul(argv[i] + 10, nullptr, 10);
        else if (arg.starts_with("--epochs=")) epochs = std::strtoul(argv[i] + 9, nullptr, 10);
        else data = arg;
    }
    const char* files[] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                           "t10k-labels-idx1-ubyte.gz"};
    for (const char* file : files)
        if (!fs::exists(data / file)) {
            std::fprintf(stderr,
                         "fashion_rows: %s is missing: Fashion-MNIST is not installed in %s.\n"
                         "Install it with `apt-get install dataset-fashion-mnist`, or pass the directory that holds\n"
                         "the four files %s, %s, %s and %s.\n",
                         (data / file).c_str(), data.c_str(), files[0], files[1], files[2], files[3]);
            return data_missing;
        }

    try {
        const tg::dataset<float, 784> train = tg::read_idx_dataset(data / files[0], data / files[1]);
        const tg::dataset<float, 784> test = tg::read_idx_dataset(data / files[2], data / files[3]);
        std::printf("Fashion-MNIST from %s, row by row: %zu training and %zu test images, 28 steps of 28 pixels\n"
                    "network gru 28 -> 64, last step, dense 64 -> 10, %zu parameters; Adam lr 0.002, batch 64, "
                    "%zu epochs\n",
                    data.c_str(), train.size(), test.size(), rows_net::param_count, epochs);
        std::fflush(stdout);

        tg::params<rows_net> p = tg::init<rows_net>(/*seed=*/42);
        tg::adam opt{2e-3};
        double seconds = 0;
        std::clock_t cpu_start = std::clock();  // processor time of all threads: robust on a busy machine
        tg::fit<rows_net>(p, train, tg::softmax_cross_entropy{}, opt,
                          {.epochs = epochs, .batch_size = 64, .seed = 1, .threads = threads},
                          [&](const tg::epoch_report& e) {
                              const double cpu_seconds = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
                              seconds += e.seconds;
                              std::printf("epoch %zu/%zu: loss %.4f, train accuracy %.4f, %.1f s (processor time %.1f s); "
                                          "test accuracy %.4f\n",
                                          e.epoch, e.epochs, e.loss, e.accuracy, e.seconds, cpu_seconds,
                                          tg::accuracy<rows_net>(p, test));
                              std::fflush(stdout);  // keeps the order of fit's lines on stderr when both are piped
                              cpu_start = std::clock();
                          });
        const double accuracy = tg::accuracy<rows_net>(p, test);
        std::printf("test accuracy %.4f after %zu epochs, %.1f s per epoch\n", accuracy, epochs,
                    seconds / double(epochs));
        if (accuracy < required_accuracy) {
            std::printf("FAILED: test accuracy %.4f is below %.2f\n", accuracy, required_accuracy);
            return 1;
        }
        return 0;
    } catch (const std::exception& e) {  // tg::error for bad data files
        std::fprintf(stderr, "fashion_rows: %s\n", e.what());
        return 1;
    }
}
