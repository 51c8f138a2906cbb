// Compile-time tests of the fixed-size core: constant-expression use, layout, the scalar concept.
#include <type_traits>

#include <typegrad/core.hpp>

namespace tg = typegrad;

static_assert(tg::scalar<float> && tg::scalar<double>);
static_assert(!tg::scalar<int> && !tg::scalar<long double> && !tg::scalar<const float>);

static_assert(alignof(tg::vec<float, 1>) == 64 && alignof(tg::mat<double, 3, 3>) == 64);
static_assert(std::is_aggregate_v<tg::vec<float, 4>> && std::is_trivially_copyable_v<tg::mat<float, 2, 3>>);

constexpr float dot_seed() {  // the seed's linear neuron, item 1
    tg::vec<float, 2> w{3, -2}, x{6, 5};
    float s = 0;
    for (std::size_t i = 0; i < w.size(); ++i) s += w[i] * x[i];
    return s;
}
static_assert(dot_seed() == 8);

constexpr tg::mat<double, 2, 3> counting() {
    tg::mat<double, 2, 3> m{};
    for (std::size_t r = 0; r < m.rows(); ++r)
        for (std::size_t c = 0; c < m.cols(); ++c) m(r, c) = double(r * 10 + c);
    return m;
}
static_assert(counting()(1, 2) == 12 && counting().row(1)[0] == 10 && counting().data()[5] == 12);
static_assert(counting() == counting());
static_assert(tg::vec<float, 3>{} == tg::vec<float, 3>{0, 0, 0});
static_assert(!(tg::vec<float, 3>{} == tg::vec<float, 3>{0, 0, 1}));

// vec is a structural type, so a vector can be a template argument.
template <tg::vec<double, 2> V> constexpr double first = V[0];
static_assert(first<tg::vec<double, 2>{4, 8}> == 4);
