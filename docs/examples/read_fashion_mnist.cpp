// Reads Fashion-MNIST (Debian package dataset-fashion-mnist) into typegrad datasets: prints the
// counts, the first labels and one image as ASCII art. Without the data set it says so and exits 0.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string_view>

#include <typegrad/io/idx.hpp>

namespace tg = typegrad;

int main() {
    const char* override_dir = std::getenv("TYPEGRAD_FASHION_MNIST");
    const std::filesystem::path dir = override_dir ? override_dir : "/usr/share/datasets/fashion-mnist";
    if (!std::filesystem::exists(dir / "train-images-idx3-ubyte.gz")) {
        std::cout << "Fashion-MNIST is not installed in " << dir.string()
                  << " (apt-get install dataset-fashion-mnist, or set TYPEGRAD_FASHION_MNIST): nothing to read.\n";
        return 0;
    }
    try {
        // 784 floats in [0, 1] per image, and a label below 10.
        tg::dataset<float, 784> train =
            tg::read_idx_dataset(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz");
        tg::dataset<float, 784> test =
            tg::read_idx_dataset(dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz");
        std::cout << "train: " << train.size() << " images, test: " << test.size() << " images, "
                  << train.classes << " classes\n";

        constexpr std::string_view names[] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
        std::cout << "first test labels:";
        for (std::size_t i = 0; i < 8; ++i) std::cout << ' ' << test.targets[i] << " (" << names[test.targets[i]] << ')';
        std::cout << "\n\ntest image 0, a " << names[test.targets[0]] << ":\n";
        // Two pixel rows per text line, darker pixels drawn with denser characters.
        constexpr std::string_view shades = " .:-=+*#%@";
        for (std::size_t r = 0; r < 28; r += 2) {
            for (std::size_t c = 0; c < 28; ++c) {
                const float ink = (test.inputs[0][r * 28 + c] + test.inputs[0][(r + 1) * 28 + c]) / 2;
                std::cout << shades[static_cast<std::size_t>(ink * (shades.size() - 1) + 0.5f)];
            }
            std::cout << '\n';
        }
    } catch (const tg::error& e) {
        std::cerr << "cannot read Fashion-MNIST: " << e.what() << '\n';
        return 1;
    }
}
