// Checks a file written by torch_roundtrip.py: loads the PyTorch state_dict into the matching
// typegrad network and compares the output, the cross-entropy loss and every parameter gradient
// with PyTorch's, stored in the file's metadata. Usage: check_torch FILE [nested]; exit status 0 when
// all agree.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <typegrad/io/weights.hpp>
#include <typegrad/typegrad.hpp>

#include "parity.hpp"

namespace tg = typegrad;

// nn.Sequential(Linear(4, 8), ReLU(), Linear(8, 3)), as the script builds it.
using torch_net = tg::sequential<tg::dense<4, 8>, tg::relu, tg::dense<8, 3>>;
// Its "nested" network: a residual block (an nn.Sequential whose forward adds its input) and a nested
// nn.Sequential.
using nested_net = tg::sequential<tg::dense<4, 8>, tg::relu, tg::residual<tg::dense<8, 8>, tg::tanh, tg::dense<8, 8>>,
                                  tg::sequential<tg::dense<8, 6>, tg::sigmoid>, tg::dense<6, 3>>;

template <class torch_net>
int check(const char* path) {
    const auto p = tg::load<torch_net>(path);
    const auto metadata = tg::read_safetensors(path).metadata;
    const auto input = parity::numbers(metadata.at("input"));
    const auto output = parity::numbers(metadata.at("output"));
    const auto grads = parity::number_lists(metadata.at("grads"));
    const std::size_t label = std::stoul(metadata.at("label"));
    const float torch_loss = std::stof(metadata.at("loss"));

    int failures = 0;
    auto compare = [&](const std::string& what, float ours, float theirs) {
        if (std::abs(ours - theirs) > 1e-5f * (1 + std::abs(theirs))) {
            std::printf("%s: typegrad %.8g, file %.8g\n", what.c_str(), ours, theirs);
            ++failures;
        }
    };
    tg::vec<float, 4> x;
    for (std::size_t i = 0; i < 4; ++i) x[i] = input[i];
    const auto y = tg::forward<torch_net>(p, x);
    for (std::size_t i = 0; i < 3; ++i) compare("output " + std::to_string(i), y[i], output[i]);
    const auto [loss, grad] = tg::value_and_grad<torch_net>(p, x, label, tg::softmax_cross_entropy{});
    compare("loss", loss, torch_loss);
    tg::for_each_tensor(
        [&](std::size_t layer, std::string_view name, const auto& tensor) {
            const std::string key = std::to_string(layer) + "." + std::string(name);
            const auto& expected = grads.at(key);
            const auto ours = parity::row_major(tensor);
            for (std::size_t i = 0; i < ours.size(); ++i)
                compare("gradient of " + key + "[" + std::to_string(i) + "]", float(ours[i]), expected[i]);
        },
        grad);
    std::printf("%s: output, loss and %zu gradients %s\n", path, torch_net::param_count,
                failures ? "differ from the file's" : "match the file's");
    return failures ? 1 : 0;
}

int main(int argc, char** argv) {
    const std::string model = argc == 3 ? argv[2] : "plain";
    if (argc < 2 || argc > 3 || (model != "plain" && model != "nested")) {
        std::fprintf(stderr, "usage: check_torch FILE [nested]\n");
        return 2;
    }
    return model == "nested" ? check<nested_net>(argv[1]) : check<torch_net>(argv[1]);
}
