// Run-time tests of the fixed-size core: alignment, zero-initialisation, access, equality.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <memory>

#include <typegrad/core.hpp>

namespace tg = typegrad;

BOOST_AUTO_TEST_SUITE(core)

BOOST_AUTO_TEST_CASE(vectors_are_aligned_zeroed_and_iterable) {
    tg::vec<float, 67> v{};
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(v.data()) % 64 == 0u);
    for (float x : v) BOOST_TEST(x == 0.0f);
    v[66] = 2.5f;
    float sum = 0;
    for (float x : v) sum += x;
    BOOST_TEST(sum == 2.5f);
    BOOST_TEST(v.size() == 67u);
}

BOOST_AUTO_TEST_CASE(matrices_are_row_major) {
    tg::mat<double, 3, 5> m{};
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(m.data()) % 64 == 0u);
    m(1, 2) = 7.0;
    BOOST_TEST(m.data()[1 * 5 + 2] == 7.0);
    BOOST_TEST(m.row(1)[2] == 7.0);
    BOOST_TEST(m.rows() == 3u);
    BOOST_TEST(m.cols() == 5u);
}

BOOST_AUTO_TEST_CASE(equality_compares_every_element) {
    tg::vec<double, 5> a{1, 2, 3, 4, 5};
    tg::vec<double, 5> b = a;
    BOOST_TEST((a == b));
    b[4] = -5;
    BOOST_TEST(!(a == b));
    tg::mat<float, 2, 2> p{}, q{};
    q(1, 1) = 1;
    BOOST_TEST(!(p == q));
}

BOOST_AUTO_TEST_CASE(heap_allocated_vectors_keep_their_alignment) {
    auto v = std::make_unique<tg::vec<float, 3>>();
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(v->data()) % 64 == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
