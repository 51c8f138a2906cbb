// Fashion-MNIST, typegrad's main demo: trains a 784 -> 256 -> 128 -> 10 relu network with Adam on 54000
// of the 60000 training images, its learning rate going down a cosine, validates on the other 6000
// after every epoch and stops early when the validation loss stops improving, keeping the best
// epoch's weights. Shows a progress bar and, after every epoch, the test accuracy; saves the
// weights as safetensors, loads them into a fresh params value and checks it scores the same. Writes
// fashion_mnist.csv (plotted by docs/plots/fashion_mnist.py). Fails unless the test accuracy is at
// least 0.89; exits 77 (a skip, for CTest) when the data set is not installed.
//
// Usage: fashion_mnist [--threads=N] [DATA_DIR [OUTPUT_DIR]]
//   DATA_DIR   default $TYPEGRAD_FASHION_MNIST, else /usr/share/datasets/fashion-mnist
//   OUTPUT_DIR default the current directory;  N default 0, every core
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
namespace fs = std::filesystem;

using mlp = tg::sequential<tg::dense<784, 256>, tg::relu,
                           tg::dense<256, 128>, tg::relu,
                           tg::dense<128, 10>>;  // logits

constexpr std::size_t epochs = 15;  // at most
constexpr double required_accuracy = 0.89;
constexpr int data_missing = 77;

int main(int argc, char** argv) {
    const char* env_dir = std::getenv("TYPEGRAD_FASHION_MNIST");
    fs::path data = env_dir ? env_dir : "/usr/share/datasets/fashion-mnist", out = ".";
    std::size_t threads = 0;
    for (int i = 1, positional = 0; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg.starts_with("--threads=")) threads = std::strtoul(argv[i] + 10, nullptr, 10);
        else if (positional++ == 0) data = arg;
        else out = arg;
    }

    const char* files[] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                           "t10k-labels-idx1-ubyte.gz"};
    for (const char* file : files)
        if (!fs::exists(data / file)) {
            std::fprintf(stderr,
                         "fashion_mnist: %s is missing: Fashion-MNIST is not installed in %s.\n"
                         "Install it with `apt-get install dataset-fashion-mnist`, or pass the directory that holds\n"
                         "the four files %s, %s, %s and %s.\n",
                         (data / file).c_str(), data.c_str(), files[0], files[1], files[2], files[3]);
            return data_missing;
        }

    try {
        const tg::dataset<float, 784> train = tg::read_idx_dataset(data / files[0], data / files[1]);
        const tg::dataset<float, 784> test = tg::read_idx_dataset(data / files[2], data / files[3]);
        std::printf("Fashion-MNIST from %s: %zu training and %zu test images of 28 x 28 pixels, %zu classes\n",
                    data.c_str(), train.size(), test.size(), train.classes);
        std::printf("network 784 -> 256 -> 128 -> 10 relu, %zu parameters; Adam lr 0.001 down a cosine, "
                    "batch 64, at most %zu epochs; 10%% of the training images validate\n", mlp::param_count, epochs);
        std::fflush(stdout);

        fs::create_directories(out);
        std::ofstream csv(out / "fashion_mnist.csv");
        if (!csv) throw tg::io_error("cannot write " + (out / "fashion_mnist.csv").string());
        csv << "epoch,loss,train_accuracy,validation_loss,validation_accuracy,test_accuracy,learning_rate,seconds,"
               "cpu_seconds\n";

        tg::params<mlp> p = tg::init<mlp>(/*seed=*/42);
        // Adam's learning rate goes from 1e-3 down half a cosine towards 0 over the epochs (PyTorch's
        // CosineAnnealingLR); 6000 of the training images, drawn with the seed, are held out to validate on,
        // and training stops when the validation loss has not improved for 3 epochs, with the best epoch's
        // parameters restored.
        tg::scheduled opt{tg::adam{1e-3}, tg::cosine_lr{.period = epochs}};
        const tg::fit_options options{.epochs = epochs, .batch_size = 64, .seed = 1, .threads = threads,
                                      .validation_split = 0.1, .patience = 3, .restore_best = true};
        std::clock_t cpu_start = std::clock();  // processor time of all threads: robust on a busy machine
        const tg::fit_result result =
            tg::fit<mlp>(p, train, tg::softmax_cross_entropy{}, opt, options, [&](const tg::epoch_report& e) {
                // after fit's own line for the epoch
                const double cpu_seconds = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
                const double epoch_accuracy = tg::accuracy<mlp>(p, test);
                std::printf("           test accuracy %.4f  (learning rate %.2e, processor time %.2f s)\n", epoch_accuracy,
                            opt.optimizer.lr, cpu_seconds);  // the epoch's rate (opt.lr() is the next one's)
                std::fflush(stdout);  // keeps the order of fit's lines on stderr when both are piped
                csv << e.epoch << ',' << e.loss << ',' << e.accuracy << ',' << e.validation_loss << ','
                    << e.validation_accuracy << ',' << epoch_accuracy << ',' << opt.optimizer.lr << ',' << e.seconds << ','
                    << cpu_seconds << '\n';
                cpu_start = std::clock();
            });
        const double accuracy = tg::accuracy<mlp>(p, test);
        std::printf("%s after epoch %zu; the parameters are those of epoch %zu, the best validation loss: test "
                    "accuracy %.4f\n",
                    result.stopped == tg::fit_stop::patience ? "stopped early" : "finished", result.history.size(),
                    result.best_epoch, accuracy);
        csv.close();

        const fs::path weights = out / "fashion_mnist.safetensors";
        tg::save(p, weights);
        const tg::params<mlp> loaded = tg::load<mlp>(weights);
        const double loaded_accuracy = tg::accuracy<mlp>(loaded, test);
        std::printf("saved %s (%ju bytes); loaded into a fresh params value: test accuracy %.4f (%s)\n",
                    weights.c_str(), std::uintmax_t(fs::file_size(weights)), loaded_accuracy,
                    loaded_accuracy == accuracy ? "the same" : "DIFFERENT");
        std::printf("wrote %s\n", (out / "fashion_mnist.csv").c_str());

        if (accuracy < required_accuracy) {
            std::printf("FAILED: test accuracy %.4f is below %.2f\n", accuracy, required_accuracy);
            return 1;
        }
        return loaded_accuracy == accuracy ? 0 : 1;
    } catch (const std::exception& e) {  // tg::error for bad data files, std::filesystem errors for OUTPUT_DIR
        std::fprintf(stderr, "fashion_mnist: %s\n", e.what());
        return 1;
    }
}
