// tg::summary: the exact table for small networks, layer names through tg::named_layer and the
// fallback to the type's own name.
#define BOOST_TEST_MODULE net_summary
#include <boost/test/unit_test.hpp>

#include <iomanip>
#include <sstream>
#include <string>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace summary_test {
struct unnamed {};
}  // namespace summary_test

namespace {

template <class Net>
std::string summary_text() {
    std::ostringstream out;
    out << std::fixed << std::setprecision(3);  // the table's numbers are integers whatever the stream's format
    tg::summary<Net>(out);
    return out.str();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_small_classifier) {
    using net = tg::sequential<tg::dense<4, 16>, tg::relu, tg::dense<16, 3>>;
    BOOST_TEST(summary_text<net>() ==
               "Input: 4\n"
               "Layer  Kind   Output  Params\n"
               "    0  dense      16      80\n"
               "    1  relu       16       0\n"
               "    2  dense       3      51\n"
               "Total params: 131\n");
}

BOOST_AUTO_TEST_CASE(every_built_in_kind_and_wide_columns) {
    using net = tg::sequential<tg::dense<784, 1000>, tg::batch_norm, tg::tanh, tg::dropout<80>, tg::dense<1000, 10>,
                               tg::sigmoid, tg::identity, tg::sign, tg::activation<tg::x_ * tg::x_>, tg::softmax>;
    BOOST_TEST(summary_text<net>() ==
               "Input: 784\n"
               "Layer  Kind        Output  Params\n"
               "    0  dense         1000  785000\n"
               "    1  batch_norm    1000    4000\n"
               "    2  tanh          1000       0\n"
               "    3  dropout       1000       0\n"
               "    4  dense           10   10010\n"
               "    5  sigmoid         10       0\n"
               "    6  identity        10       0\n"
               "    7  sign            10       0\n"
               "    8  activation      10       0\n"
               "    9  softmax         10       0\n"
               "Total params: 799010\n");
}

BOOST_AUTO_TEST_CASE(a_layer_without_a_name_is_named_by_its_type) {
    static_assert(tg::named_layer<tg::dense<2, 3>> && !tg::named_layer<summary_test::unnamed>);
    BOOST_TEST(tg::layer_name<tg::relu>() == "relu");
    BOOST_TEST(tg::layer_name<summary_test::unnamed>() == "summary_test::unnamed");
}

BOOST_AUTO_TEST_CASE(blocks_are_one_row_each_with_their_inner_parameters) {
    using net = tg::sequential<tg::dense<3, 8>, tg::residual<tg::dense<8, 8>, tg::relu>,
                               tg::concat<tg::dense<8, 2>, tg::sequential<tg::dense<8, 3>, tg::tanh>>>;
    BOOST_TEST(summary_text<net>() ==
               "Input: 3\n"
               "Layer  Kind      Output  Params\n"
               "    0  dense          8      32\n"
               "    1  residual       8      72\n"  // 8·8 + 8
               "    2  concat         5      45\n"  // (8·2 + 2) + (8·3 + 3)
               "Total params: 149\n");
}
