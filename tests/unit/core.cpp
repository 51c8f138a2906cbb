// Run-time tests of the fixed-size core: alignment, zero-initialisation, access, equality.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <iomanip>
#include <memory>
#include <sstream>

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

// vec and mat print as NumPy prints arrays, in the stream's own number format.
BOOST_AUTO_TEST_CASE(vec_and_mat_print_as_numpy_does) {
    std::ostringstream out;
    out << tg::vec<float, 3>{1, 2.5f, -3} << '\n' << tg::mat<double, 2, 2>{{1, 2, 3, 4}} << '\n';
    out << std::fixed << std::setprecision(2) << tg::vec<double, 2>{1.0 / 3, 2} << '\n' << tg::mat<float, 1, 1>{} << '\n';
    BOOST_TEST(out.str() == "[1, 2.5, -3]\n[[1, 2],\n [3, 4]]\n[0.33, 2.00]\n[[0.00]]\n");
}

BOOST_AUTO_TEST_SUITE_END()
