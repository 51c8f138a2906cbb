// Checks a file written by torch_activations.py: PyTorch's values and gradients of each named
// activation at 67 inputs, and of log_softmax + nll_loss on 5 rows without and with class weights,
// against typegrad's layers, in float and double: |typegrad - PyTorch| <= rtol·|PyTorch| + atol, with rtol 1e-5 and atol 1e-6 in
// float, 1e-12 and 1e-14 in double (the atol covers the tails, where the two round differently:
// tg::gelu keeps digits that PyTorch's 1 + erf loses, elu's derivative is read from the output).
// Usage: check_activations FILE; exit status 0 when all agree.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <ratio>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

constexpr std::size_t n = 67;
std::size_t compared = 0, wrong = 0;

template <class T>
void compare(const std::string& what, const T* ours, const std::vector<double>& torch, std::size_t offset,
             std::size_t count) {
    const double rtol = std::is_same_v<T, float> ? 1e-5 : 1e-12, atol = std::is_same_v<T, float> ? 1e-6 : 1e-14;
    for (std::size_t i = 0; i < count; ++i, ++compared) {
        const double a = ours[i], b = torch[offset + i];
        if (!(std::abs(a - b) <= rtol * std::abs(b) + atol)) {
            std::fprintf(stderr, "%s[%zu]: typegrad %.17g, PyTorch %.17g\n", what.c_str(), i, a, b);
            ++wrong;
        }
    }
}

template <class A, class T>
void check_activation(const std::string& what, const std::vector<double>& v) {
    tg::vec<T, n> z, w;
    for (std::size_t i = 0; i < n; ++i) z[i] = T(v[i]), w[i] = T(v[n + i]);
    typename A::template cache_type<T, n> cache;
    tg::no_params none;
    const auto y = A::forward(none, z, cache, tg::mode::training);
    const auto g = A::backward(none, cache, w, none);
    compare(what + " value", y.data(), v, 2 * n, n);
    compare(what + " gradient", g.data(), v, 3 * n, n);
}

// 5 rows of 10 logits, their log-probabilities, the mean NLL loss and its gradient: the loss summed
// over the rows divided by the sum of their weights (their count without class weights), as tg::fit
// divides a batch's.
template <class T>
void check_log_softmax_nll(const std::string& what, const std::vector<double>& v, const tg::nll_log_probs& nll) {
    constexpr std::size_t rows = 5, classes = 10;
    const std::size_t labels[rows] = {3, 0, 9, 4, 4};  // the script's
    T total_weight = 0;
    for (std::size_t label : labels) total_weight += nll.sample_weight<T, classes>(label);
    T loss = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        tg::vec<T, classes> x;
        for (std::size_t c = 0; c < classes; ++c) x[c] = T(v[r * classes + c]);
        tg::output_cache<T, classes> cache;
        tg::no_params none;
        const auto log_p = tg::log_softmax::forward(none, x, cache, tg::mode::training);
        tg::vec<T, classes> g;
        loss += nll.value_and_grad(log_p, labels[r], g) / total_weight;
        for (auto& e : g) e /= total_weight;
        const auto grad_x = tg::log_softmax::backward(none, cache, g, none);
        compare(what + " log_softmax", log_p.data(), v, rows * classes + r * classes, classes);
        compare(what + " gradient", grad_x.data(), v, 2 * rows * classes + 1 + r * classes, classes);
    }
    compare(what + " loss", &loss, v, 2 * rows * classes, 1);
}

template <class T>
bool check(const std::string& name, const std::string& what, const std::vector<double>& v) {
    if (name == "leaky_relu") check_activation<tg::leaky_relu<>, T>(what, v);
    else if (name == "leaky_relu_0.2") check_activation<tg::leaky_relu<std::ratio<1, 5>>, T>(what, v);
    else if (name == "elu") check_activation<tg::elu<>, T>(what, v);
    else if (name == "elu_0.5") check_activation<tg::elu<std::ratio<1, 2>>, T>(what, v);
    else if (name == "softplus") check_activation<tg::softplus, T>(what, v);
    else if (name == "silu") check_activation<tg::silu, T>(what, v);
    else if (name == "gelu") check_activation<tg::gelu, T>(what, v);
    else if (name == "gelu_tanh") check_activation<tg::gelu_tanh, T>(what, v);
    else if (name == "log_softmax_nll") check_log_softmax_nll<T>(what, v, {});
    else if (name == "log_softmax_nll_weighted")
        check_log_softmax_nll<T>(what, v, {.weight = {1.0, 0.5, 2.0, 1.0, 3.0, 1.0, 1.0, 0.25, 1.0, 1.5}});  // the script's
    else return false;
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: check_activations FILE\n");
        return 2;
    }
    std::ifstream in(argv[1]);
    std::string line;
    std::size_t cases = 0;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string name, type;
        fields >> name >> type;
        std::vector<double> v;
        for (double x; fields >> x;) v.push_back(x);
        const std::string what = name + " (" + type + ")";
        const bool known = type == "float" ? check<float>(name, what, v) : check<double>(name, what, v);
        if (!known) {
            std::fprintf(stderr, "check_activations: unknown case %s\n", name.c_str());
            return 1;
        }
        ++cases;
    }
    std::printf("%zu numbers of %zu cases compared with PyTorch: %zu differ\n", compared, cases, wrong);
    return cases == 20 && wrong == 0 ? 0 : 1;
}
