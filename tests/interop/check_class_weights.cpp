// Checks a file written by torch_class_weights.py: the same Linear(4, 3) layer, batch and class
// weights through typegrad's batch path (tg::value_and_grad_batch, whose mean divides by the summed
// weights) and per sample (tg::value_and_grad, PyTorch's 'sum'), with softmax_cross_entropy on the
// logits and nll after tg::softmax; values and gradients must agree with PyTorch's within 1e-12.
// Usage: check_class_weights FILE; exit status 0 when all agree.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "parity.hpp"

namespace tg = typegrad;

namespace {

using logits_net = tg::sequential<tg::dense<4, 3>>;
using probabilities_net = tg::sequential<tg::dense<4, 3>, tg::softmax>;
constexpr std::size_t samples = 7;

std::size_t checked = 0, wrong = 0;

void compare(const std::string& what, const double* ours, const std::vector<double>& torch) {
    for (std::size_t i = 0; i < torch.size(); ++i, ++checked)
        if (!(std::abs(ours[i] - torch[i]) <= 1e-12 * std::max(std::abs(torch[i]), 1.0))) {
            std::fprintf(stderr, "%s[%zu]: typegrad %.17g, PyTorch %.17g\n", what.c_str(), i, ours[i], torch[i]);
            ++wrong;
        }
}

// The batch's mean ('mean') and sum ('sum') of loss on Net, against the file's numbers for `name`.
template <class Net, class Loss>
void check(const std::map<std::string, std::vector<double>>& file, const std::string& name, const Loss& loss,
           const std::vector<tg::vec<double, 4>>& xs, const std::vector<std::size_t>& labels) {
    tg::params<Net, double> p{};
    parity::set_row_major(tg::get<0>(p).W, file.at("weight"));
    std::copy(file.at("bias").begin(), file.at("bias").end(), tg::get<0>(p).b.data());
    // 'mean': the batch path; its sum of weighted losses over the summed weights.
    tg::batch_workspace<Net, double> ws(samples);
    tg::params<Net, double> grad{};
    double weight = 0;
    for (std::size_t label : labels) weight += file.at("class_weights")[label];
    const double mean = tg::value_and_grad_batch<Net>(p, ws, xs, labels, loss, grad) / weight;
    compare(name + ".mean.value", &mean, file.at(name + ".mean.value"));
    compare(name + ".mean.grad_weight", parity::row_major(tg::get<0>(grad).W).data(),
            file.at(name + ".mean.grad_weight"));
    compare(name + ".mean.grad_bias", tg::get<0>(grad).b.data(), file.at(name + ".mean.grad_bias"));
    // 'sum': per sample, each loss and gradient carrying its weight.
    tg::params<Net, double> sum_grad{};
    double sum = 0;
    for (std::size_t i = 0; i < samples; ++i) {
        auto [value, g] = tg::value_and_grad<Net>(p, xs[i], labels[i], loss);
        sum += value;
        tg::for_each_tensor(
            [](std::size_t, std::string_view, auto& s, const auto& gi) {
                for (std::size_t k = 0; k < s.size(); ++k) s.data()[k] += gi.data()[k];
            },
            sum_grad, g);
    }
    compare(name + ".sum.value", &sum, file.at(name + ".sum.value"));
    compare(name + ".sum.grad_weight", parity::row_major(tg::get<0>(sum_grad).W).data(),
            file.at(name + ".sum.grad_weight"));
    compare(name + ".sum.grad_bias", tg::get<0>(sum_grad).b.data(), file.at(name + ".sum.grad_bias"));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: check_class_weights FILE\n");
        return 2;
    }
    std::map<std::string, std::vector<double>> file;
    std::ifstream in(argv[1]);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string name;
        fields >> name;
        for (double v; fields >> v;) file[name].push_back(v);
    }
    try {
        std::vector<tg::vec<double, 4>> xs(samples);
        for (std::size_t i = 0; i < samples; ++i) std::copy_n(file.at("x").begin() + std::ptrdiff_t(4 * i), 4, xs[i].data());
        std::vector<std::size_t> labels;
        for (double l : file.at("labels")) labels.push_back(std::size_t(l));
        const tg::class_weights w(file.at("class_weights"));
        check<logits_net>(file, "softmax_cross_entropy", tg::softmax_cross_entropy{.weight = w}, xs, labels);
        check<probabilities_net>(file, "nll", tg::nll{.weight = w}, xs, labels);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "check_class_weights: %s\n", e.what());
        return 1;
    }
    std::printf("%zu values and gradients with class weights compared with PyTorch: %zu differ\n", checked, wrong);
    return checked > 0 && wrong == 0 ? 0 : 1;
}
