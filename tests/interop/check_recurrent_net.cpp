// Checks a file written by torch_recurrent_net.py: loads PyTorch's LSTM or GRU network with tg::load
// into the matching typegrad type and compares, in double within 1e-12, its outputs over a sequence
// (tg::forward_sequence), and the loss and every parameter gradient of tg::mse averaged over the output
// rows (tg::value_and_grad_sequence). Usage: check_recurrent_net FILE lstm|gru; exit status 0 when all agree.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "parity.hpp"

namespace tg = typegrad;

// Sequence to sequence: the dense layer at every step.
using lstm_net = tg::sequential<tg::lstm<3, 5>, tg::dense<5, 2>>;
// Sequence to label: the dense layer after the last step.
using gru_net = tg::sequential<tg::gru<2, 4>, tg::tanh, tg::last_step, tg::dense<4, 3>>;

namespace {

using parity::compare;
using parity::compared;
using parity::failures;

template <class Net>
void check(const char* path) {
    constexpr std::size_t In = Net::in_size, Out = Net::out_size;
    const auto p = tg::load<Net, double>(path);
    const auto metadata = tg::read_safetensors(path).metadata;
    const auto numbers = [&](const char* key) { return parity::numbers(metadata.at(key)); };
    const std::size_t steps = std::stoul(metadata.at("steps"));

    const auto input = numbers("input");
    tg::rows<double, In> x(steps);
    std::copy(input.begin(), input.end(), x.data());
    const auto target_values = numbers("target");
    std::vector<tg::vec<double, Out>> targets(target_values.size() / Out);
    for (std::size_t r = 0; r < targets.size(); ++r)
        std::copy_n(target_values.begin() + r * Out, Out, targets[r].data());

    tg::sequence_workspace<Net, double> ws(steps);
    compare("output", tg::forward_sequence<Net>(p, x, steps, ws).data(), numbers("output"));
    tg::params<Net, double> grad{};
    const double loss = tg::value_and_grad_sequence<Net>(
        p, x, steps, std::span<const tg::vec<double, Out>>(targets), tg::mse{}, grad, ws);
    compare("loss", &loss, {std::stod(metadata.at("loss"))});
    const auto grads = parity::number_lists(metadata.at("grads"));
    std::size_t tensors = 0;
    tg::for_each_tensor(
        [&](std::size_t layer, std::string_view name, const auto& tensor) {
            const std::string key = std::to_string(layer) + "." + std::string(name);
            compare("gradient of " + key, parity::row_major(tensor).data(), grads.at(key));
            ++tensors;
        },
        grad);
    if (tensors != grads.size()) {
        std::printf("%zu gradient tensors in typegrad, %zu in PyTorch\n", tensors, grads.size());
        ++failures;
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::string_view kind = argc == 3 ? argv[2] : "";
    if (kind != "lstm" && kind != "gru") {
        std::fprintf(stderr, "usage: check_recurrent_net FILE lstm|gru\n");
        return 2;
    }
    if (kind == "lstm") check<lstm_net>(argv[1]);
    else check<gru_net>(argv[1]);
    std::printf("%s (%s network): %zu values compared, %s\n", argv[1], argv[2], compared,
                failures ? "some differ from PyTorch's" : "all match PyTorch's");
    return failures ? 1 : 0;
}
