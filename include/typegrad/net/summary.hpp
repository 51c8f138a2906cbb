// tg::summary<Net>(): a table of the network's layers, as Keras' model.summary() prints it: each
// layer's index, kind (tg::layer_name), output size and parameter count, then the total. For example
//   Input: 4
//   Layer  Kind   Output  Params
//       0  dense      16      80
//       1  relu       16       0
//       2  dense       3      51
//   Total params: 131
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <iomanip>
#include <iostream>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include <typegrad/layers/layer.hpp>
#include <typegrad/net/sequential.hpp>

namespace typegrad {

/// Writes Net's summary table to out.
template <network Net>
std::ostream& summary(std::ostream& out) {
    constexpr std::size_t count = Net::layer_count;
    constexpr auto kinds = []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<std::string_view, count>{layer_name<typename Net::template layer_type<I>>()...};
    }(std::make_index_sequence<count>{});
    constexpr auto params = []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<std::size_t, count>{Net::template params_type<I, float>::count...};
    }(std::make_index_sequence<count>{});

    const auto width = [](std::size_t n) { return std::to_string(n).size(); };
    std::size_t kind_w = 4, out_w = 6, param_w = 6;
    for (std::size_t i = 0; i < count; ++i) {
        kind_w = std::max(kind_w, kinds[i].size());
        out_w = std::max(out_w, width(Net::sizes[i + 1]));
        param_w = std::max(param_w, width(params[i]));
    }
    const auto saved = out.flags();
    out << std::right << "Input: " << Net::in_size << '\n'
        << "Layer  " << std::left << std::setw(int(kind_w)) << "Kind" << std::right << "  " << std::setw(int(out_w))
        << "Output" << "  " << std::setw(int(param_w)) << "Params" << '\n';
    for (std::size_t i = 0; i < count; ++i)
        out << std::setw(5) << i << "  " << std::left << std::setw(int(kind_w)) << kinds[i] << std::right << "  "
            << std::setw(int(out_w)) << Net::sizes[i + 1] << "  " << std::setw(int(param_w)) << params[i] << '\n';
    out << "Total params: " << Net::param_count << '\n';
    out.flags(saved);
    return out;
}

/// Prints Net's summary table on std::cout.
template <network Net>
void summary() {
    summary<Net>(std::cout);
}

}  // namespace typegrad
