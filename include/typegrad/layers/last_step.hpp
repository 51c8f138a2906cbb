// tg::last_step: sequence to label. Over a whole sequence it keeps only the last step's row, so the
// layers after it run once per sequence; streaming, it passes every step through (each step's output
// is then what the whole sequence up to it would give).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <utility>

#include <typegrad/core/rows.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/layers/detail/steps.hpp>
#include <typegrad/layers/layer.hpp>

namespace typegrad {

struct last_step {
    static constexpr std::string_view name = "last_step";
    static constexpr bool ends_sequence = true;

    template <std::size_t In>
    static constexpr std::size_t out_size_for = In;
    template <scalar T, std::size_t>
    using params_type = no_params;
    struct no_state {
        constexpr void reset() noexcept {}
    };
    template <scalar T, std::size_t>
    using state_type = no_state;
    template <scalar T, std::size_t>
    using sequence_cache_type = no_sequence_cache;

    static constexpr void init(no_params&, rng&, init_scheme) noexcept {}

    template <scalar T, std::size_t N>
    static constexpr vec<T, N> step(const no_params&, const vec<T, N>& x, no_state&) noexcept {
        return x;
    }

    /// y's row 0 = x's row steps - 1 (steps >= 1).
    template <scalar T, std::size_t N>
    static void forward_sequence(const no_params&, std::size_t steps, const rows<T, N>& x, rows<T, N>& y,
                                 no_sequence_cache&) {
        check("forward_sequence", steps, std::pair{"x", x.capacity()}, std::pair{"y", y.capacity()});
        std::copy_n(x.row(steps - 1), N, y.row(0));
    }

    /// grad_x: grad_y's row 0 at the last step, zero before it.
    template <scalar T, std::size_t N>
    static void backward_sequence(const no_params&, std::size_t steps, const rows<T, N>&, const rows<T, N>&,
                                  const no_sequence_cache&, const rows<T, N>& grad_y, rows<T, N>* grad_x,
                                  no_params&) {
        check("backward_sequence", steps, std::pair{"grad_x", grad_x ? grad_x->capacity() : steps},
              std::pair{"grad_y", grad_y.capacity()});
        if (!grad_x) return;
        std::fill_n(grad_x->data(), (steps - 1) * N, T{});
        std::copy_n(grad_y.row(0), N, grad_x->row(steps - 1));
    }

private:
    /// Throws value_error unless there is a last step (steps >= 1) and the sequence's rows hold the
    /// steps and the one-row side holds its row.
    static void check(std::string_view pass, std::size_t steps, std::pair<const char*, std::size_t> sequence,
                      std::pair<const char*, std::size_t> one_row) {
        if (steps == 0)
            throw value_error(detail::message("tg::last_step::", pass, ": 0 steps, expected at least 1 (the output is ",
                                              "the last step's row)"));
        detail::check_steps(name, pass, steps, sequence);
        detail::check_steps(name, pass, 1, one_row);
    }
};

}  // namespace typegrad
