// Checks a file written by torch_recurrent.py: for each case, loads PyTorch's nn.LSTM / nn.GRU
// state_dict into the matching tg::lstm / tg::gru parameters, runs the sequence, and compares the
// output and the gradients of sum(y * coef) (parameters and input) with PyTorch's: within 1e-12 in
// double, and within 1e-5 (relative, with a floor of 1) in float from the same weights rounded.
// The weights are read with tg::read_safetensors and copied under the layer's tensor names, since a
// tg::sequential of a sequence layer is the network-level composition's part.
// Usage: check_recurrent FILE; exit status 0 when all agree.
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "parity.hpp"

namespace tg = typegrad;

namespace {

int failures = 0;

const tg::named_tensor& tensor(const tg::safetensors_contents& file, const std::string& name) {
    const auto* t = file.find(name);
    if (!t) throw tg::format_error("the file has no tensor '" + name + "'");
    return *t;
}

template <class T, std::size_t N>
tg::rows<T, N> read_rows(const tg::safetensors_contents& file, const std::string& name, std::size_t steps) {
    const auto values = tensor(file, name).values<T>();
    if (values.size() != steps * N) throw tg::format_error("tensor '" + name + "' has the wrong size");
    tg::rows<T, N> r(steps);
    for (std::size_t i = 0; i < values.size(); ++i) r.data()[i] = values[i];
    return r;
}

void compare(const std::string& what, double ours, double theirs, double tolerance) {
    if (!(std::abs(ours - theirs) <= tolerance * std::max(1.0, std::abs(theirs)))) {
        if (failures < 20) std::printf("%s: typegrad %.17g, PyTorch %.17g\n", what.c_str(), ours, theirs);
        ++failures;
    }
}

template <class L, class T>
void check(const tg::safetensors_contents& file, const std::string& name, std::size_t steps, double tolerance) {
    constexpr std::size_t In = L::in_size, H = L::template out_size_for<In>;
    using params = tg::params_t<L, T, In>;
    params p{}, grad{};
    params::for_each_tensor(
        [&](std::string_view key, auto& w) {
            const auto& t = tensor(file, name + "." + std::string(key));
            if (t.shape != tg::detail::tensor_shape(w)) throw tg::format_error("tensor '" + t.name + "' has the wrong shape");
            parity::set_row_major(w, t.values<double>());
        },
        p);
    const auto x = read_rows<T, In>(file, name + ".input", steps);
    const auto coef = read_rows<T, H>(file, name + ".coef", steps);
    const auto y_torch = read_rows<double, H>(file, name + ".output", steps);
    const auto gx_torch = read_rows<double, In>(file, name + ".grad.input", steps);

    tg::rows<T, H> y(steps);
    tg::rows<T, In> gx(steps);
    typename L::template sequence_cache_type<T, In> cache(steps);
    L::forward_sequence(p, steps, x, y, cache);
    L::backward_sequence(p, steps, x, y, cache, coef, &gx, grad);

    const std::string kind = name + (sizeof(T) == 4 ? " (float)" : " (double)");
    for (std::size_t i = 0; i < steps * H; ++i)
        compare(kind + " output[" + std::to_string(i) + "]", y.data()[i], y_torch.data()[i], tolerance);
    for (std::size_t i = 0; i < steps * In; ++i)
        compare(kind + " grad input[" + std::to_string(i) + "]", gx.data()[i], gx_torch.data()[i], tolerance);
    params::for_each_tensor(
        [&](std::string_view key, const auto& g) {
            const auto expected = tensor(file, name + ".grad." + std::string(key)).values<double>();
            const auto got = parity::row_major(g);
            for (std::size_t i = 0; i < got.size(); ++i)
                compare(kind + " grad " + std::string(key) + "[" + std::to_string(i) + "]", got[i], expected[i], tolerance);
        },
        grad);
}

template <class L>
void check_both(const tg::safetensors_contents& file, const std::string& name, std::size_t steps) {
    check<L, double>(file, name, steps, 1e-12);
    check<L, float>(file, name, steps, 1e-5);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: check_recurrent FILE\n");
        return 2;
    }
    const auto file = tg::read_safetensors(argv[1]);
    check_both<tg::lstm<3, 5>>(file, "lstm_3_5", 7);
    check_both<tg::lstm<1, 32>>(file, "lstm_1_32", 20);
    check_both<tg::gru<3, 5>>(file, "gru_3_5", 7);
    check_both<tg::gru<1, 40>>(file, "gru_1_40", 20);
    std::printf("%s: lstm and gru outputs and gradients %s PyTorch's\n", argv[1], failures ? "differ from" : "match");
    return failures ? 1 : 0;
}
