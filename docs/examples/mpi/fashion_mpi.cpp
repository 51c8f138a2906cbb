// Fashion-MNIST on several processes (docs/distributed.md): the 784 -> 256 -> 128 -> 10 relu network of
// fashion_mnist.cpp, trained with tg::mpi::fit. Every process reads the data set and takes its shard of
// every batch (64 images by default); the gradients are summed after each batch, so every process holds
// the same parameters. Process 0 shows progress, measures the test accuracy, saves the weights and
// appends the run's figures to fashion_mpi.csv (processes, threads, batch, epoch seconds, time spent
// summing gradients), from which docs/distributed.md's scaling table comes. Exits 77 (a skip) when the
// data set is missing.
//
//   mpirun -np 2 fashion_mpi [--epochs=N] [--threads=N] [--batch=N] [--samples=N] [DATA_DIR [OUTPUT_DIR]]
//     --epochs   default 3;  --threads: threads per process, default 1;  --batch: the global batch, default 64
//     --samples  train on the first N training images (default all 60000); --quick = --epochs=1 --samples=6000
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <typegrad/mpi.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
namespace fs = std::filesystem;

using mlp = tg::sequential<tg::dense<784, 256>, tg::relu,
                           tg::dense<256, 128>, tg::relu,
                           tg::dense<128, 10>>;  // logits

constexpr int data_missing = 77;

int main(int argc, char** argv) {
    tg::mpi::session mpi(argc, argv);  // MPI_Init, and MPI_Finalize at the end of main
    const char* env_dir = std::getenv("TYPEGRAD_FASHION_MNIST");
    fs::path data = env_dir ? env_dir : "/usr/share/datasets/fashion-mnist", out = ".";
    std::size_t epochs = 3, threads = 1, batch = 64, samples = 0;
    for (int i = 1, positional = 0; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg.starts_with("--epochs=")) epochs = std::strtoul(argv[i] + 9, nullptr, 10);
        else if (arg.starts_with("--threads=")) threads = std::strtoul(argv[i] + 10, nullptr, 10);
        else if (arg.starts_with("--batch=")) batch = std::strtoul(argv[i] + 8, nullptr, 10);
        else if (arg.starts_with("--samples=")) samples = std::strtoul(argv[i] + 10, nullptr, 10);
        else if (arg == "--quick") epochs = 1, samples = 6000;
        else if (positional++ == 0) data = arg;
        else out = arg;
    }
    const fs::path images = data / "train-images-idx3-ubyte.gz", labels = data / "train-labels-idx1-ubyte.gz";
    if (!fs::exists(images)) {
        if (mpi.root()) std::fprintf(stderr, "fashion_mpi: %s is missing (apt-get install dataset-fashion-mnist)\n", images.c_str());
        return data_missing;  // every process sees the same files
    }

    try {
        tg::dataset<float, 784> train = tg::read_idx_dataset(images, labels);
        const tg::dataset<float, 784> test =
            tg::read_idx_dataset(data / "t10k-images-idx3-ubyte.gz", data / "t10k-labels-idx1-ubyte.gz");
        if (samples > 0 && samples < train.size()) {
            train.inputs.resize(samples);
            train.targets.resize(samples);
        }
        if (mpi.root())
            std::printf("Fashion-MNIST, %zu training images, on %zu processes of %zu thread(s) each; 784-256-128-10 relu, "
                        "Adam 1e-3, global batch %zu, %zu epochs\n",
                        train.size(), mpi.size(), threads, batch, epochs);
        std::fflush(stdout);

        tg::params<mlp> p = tg::init<mlp>(/*seed=*/42);  // process 0's are every process's at the start
        tg::adam opt{1e-3};
        const tg::fit_options options{.epochs = epochs, .batch_size = batch, .seed = 1, .threads = threads};
        const tg::fit_result result = tg::mpi::fit<mlp>(mpi, p, train, tg::softmax_cross_entropy{}, opt, options);

        // Every process holds the same parameters; process 0 alone measures, saves and writes.
        if (!mpi.root()) return 0;
        double seconds = 0;
        for (const tg::epoch_report& e : result.history) seconds += e.seconds;
        const double per_epoch = seconds / double(result.history.size());
        const tg::mpi::traffic& t = mpi.traffic();
        const double accuracy = tg::accuracy<mlp>(p, test);
        const std::size_t bytes = mlp::param_count * sizeof(float);  // summed per batch, with more than one process
        std::printf("%.3f s per epoch, of which %.3f s summing gradients (%zu batches of %zu bytes); test accuracy %.4f\n",
                    per_epoch, t.seconds / double(result.history.size()), t.batches, bytes, accuracy);
        fs::create_directories(out);
        tg::save(p, out / "fashion_mpi.safetensors");
        const fs::path csv_path = out / "fashion_mpi.csv";
        const bool fresh = !fs::exists(csv_path);
        std::ofstream csv(csv_path, std::ios::app);
        if (fresh)
            csv << "processes,threads,batch,samples,epochs,epoch_seconds,allreduce_seconds_per_epoch,bytes_per_batch,"
                   "test_accuracy\n";
        csv << mpi.size() << ',' << threads << ',' << batch << ',' << train.size() << ',' << result.history.size() << ',' << per_epoch << ','
            << t.seconds / double(result.history.size()) << ',' << bytes << ',' << accuracy << '\n';
        if (!csv) throw tg::io_error("cannot write " + csv_path.string());
        std::printf("saved %s; appended to %s\n", (out / "fashion_mpi.safetensors").c_str(), csv_path.c_str());
        return 0;
    } catch (const std::exception& e) {  // on every process: its own error, or tg::mpi::rank_error naming the one that failed
        std::fprintf(stderr, "fashion_mpi (process %zu): %s\n", mpi.rank(), e.what());
        return 1;
    }
}
