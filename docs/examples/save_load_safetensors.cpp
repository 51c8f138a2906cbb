// Saves a network's parameters as safetensors (the names and layouts of a PyTorch nn.Sequential
// state_dict), lists what the file holds, loads it back into a fresh params value that computes the
// same outputs, loads the float file into double parameters (an explicit, exact conversion), and
// shows the error a file for another network type gives.
#include <iostream>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using mlp = tg::sequential<tg::dense<4, 16>, tg::relu, tg::dense<16, 3>>;

int main() {
    const tg::params<mlp> p = tg::init<mlp>(/*seed=*/42);
    tg::save(p, "mlp.safetensors");

    for (const tg::named_tensor& t : tg::read_safetensors("mlp.safetensors").tensors) {
        std::cout << t.name << ": " << tg::dtype_name(t.type) << " [";
        for (std::size_t i = 0; i < t.shape.size(); ++i) std::cout << (i ? ", " : "") << t.shape[i];
        std::cout << "]\n";
    }

    const tg::params<mlp> q = tg::load<mlp>("mlp.safetensors");
    const tg::vec<float, 4> x{0.5f, -1.0f, 2.0f, 0.25f};
    const auto y = tg::forward<mlp>(p, x), z = tg::forward<mlp>(q, x);
    std::cout << "outputs before saving and after loading: " << y << " / " << z
              << (y == z ? " (identical)\n" : " (DIFFERENT)\n");  // a tg::vec prints as [a, b, c]

    // Float tensors into double parameters: refused unless asked for, then exact.
    const auto d = tg::load<mlp, double>("mlp.safetensors", tg::dtype_conversion::widen);
    const bool exact = tg::get<0>(d).W(3, 2) == double{tg::get<0>(p).W(3, 2)};
    std::cout << "loaded into double parameters: 0.weight[3, 2] = " << tg::get<0>(d).W(3, 2)
              << (exact ? " (the float's exact value)\n" : " (CHANGED)\n");

    using wider = tg::sequential<tg::dense<4, 32>, tg::relu, tg::dense<32, 3>>;
    try {
        tg::load<wider>("mlp.safetensors");
    } catch (const tg::weights_mismatch_error& e) {
        std::cout << e.what() << '\n';
    }
    return y == z && exact ? 0 : 1;
}
