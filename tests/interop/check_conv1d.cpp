// Checks a file written by torch_conv1d.py: loads PyTorch's causal Conv1d network into the matching
// typegrad type and compares, in double within 1e-12, its outputs over a sequence and every parameter
// gradient of sum(w * output) (tg::forward_sequence, tg::backward_sequence), and for the first layer
// alone its outputs and input gradient. Usage: check_conv1d FILE; exit status 0 when all agree.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "parity.hpp"

namespace tg = typegrad;

using torch_net = tg::sequential<tg::conv1d<3, 5, 3, 2>, tg::tanh, tg::conv1d<5, 4, 2, 3>>;

namespace {

using parity::compare;
using parity::compared;
using parity::failures;

template <std::size_t N>
tg::rows<double, N> rows_of(const std::vector<double>& values) {
    tg::rows<double, N> r(values.size() / N);
    std::copy(values.begin(), values.end(), r.data());
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: check_conv1d FILE\n");
        return 2;
    }
    const auto p = tg::load<torch_net, double>(argv[1]);
    const auto metadata = tg::read_safetensors(argv[1]).metadata;
    const auto numbers = [&](const char* key) { return parity::numbers(metadata.at(key)); };
    const std::size_t steps = std::stoul(metadata.at("steps"));

    const auto x = rows_of<3>(numbers("input"));
    const auto w = rows_of<4>(numbers("w"));
    tg::sequence_workspace<torch_net, double> ws(steps);
    compare("output", tg::forward_sequence<torch_net>(p, x, steps, ws, {tg::mode::training}).data(), numbers("output"));
    tg::params<torch_net, double> grad{};
    tg::backward_sequence<torch_net>(p, ws, w, grad);
    const auto grads = parity::number_lists(metadata.at("grads"));
    tg::for_each_tensor(
        [&](std::size_t layer, std::string_view name, const auto& tensor) {
            const std::string key = std::to_string(layer) + "." + std::string(name);
            compare("gradient of " + key, tensor.data(), grads.at(key));
        },
        grad);

    using first = torch_net::layer_type<0>;
    const auto w0 = rows_of<5>(numbers("w0"));
    tg::rows<double, 5> y0(steps);
    tg::rows<double, 3> grad_x(steps);
    tg::no_sequence_cache cache(steps);
    first::forward_sequence(tg::get<0>(p), steps, x, y0, cache);
    compare("first layer's output", y0.data(), numbers("output0"));
    tg::params<torch_net, double> unused{};
    first::backward_sequence(tg::get<0>(p), steps, x, y0, cache, w0, &grad_x, tg::get<0>(unused));
    compare("first layer's input gradient", grad_x.data(), numbers("input_grad0"));

    std::printf("%s: %zu values compared, %s\n", argv[1], compared, failures ? "some differ from PyTorch's" : "all match PyTorch's");
    return failures ? 1 : 0;
}
