// detail::check_steps: the check each sequence layer makes before a whole sequence's pass, that the
// steps fit the rows (and caches) it is given, so that a direct call with too many steps is a
// value_error rather than a read or write past their end.
#pragma once

#include <cstddef>
#include <string_view>

#include <typegrad/core/error.hpp>

namespace typegrad::detail {

/// Throws value_error unless `steps` fits each of the named capacities (rows of a sequence, a cache).
template <class... Capacities>
void check_steps(std::string_view layer, std::string_view pass, std::size_t steps, const Capacities&... named) {
    const auto check = [&](const auto& entry) {
        if (steps > entry.second)
            throw value_error(message("tg::", layer, "::", pass, ": ", steps, steps == 1 ? " step" : " steps",
                                      ", but ", entry.first, " holds ", entry.second,
                                      " rows; expected at most that many steps"));
    };
    (check(named), ...);
}

}  // namespace typegrad::detail
