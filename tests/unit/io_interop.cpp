// Interop: loads the safetensors files tests/interop/write_safetensors.py wrote by hand with Python's
// standard library, checks every value, and loads them with tg::load into the matching network type,
// whose forward pass must reproduce the output the script computed.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <typegrad/io/safetensors.hpp>
#include <typegrad/io/weights.hpp>
#include <typegrad/layers/activations.hpp>
#include <typegrad/layers/batch_norm.hpp>
#include <typegrad/layers/dense.hpp>
#include <typegrad/net/forward.hpp>

#include "../interop/parity.hpp"  // parity::numbers

namespace tg = typegrad;

namespace {

std::filesystem::path written(const std::string& name) {
    return std::filesystem::path(std::getenv("TYPEGRAD_TEST_TMP")) / name;
}

// nn.Sequential(Linear(2, 3), ReLU(), Linear(3, 1)), as the script builds it.
using script_net = tg::sequential<tg::dense<2, 3>, tg::relu, tg::dense<3, 1>>;

std::vector<double> metadata_numbers(const std::string& file, const char* key) {
    return parity::numbers(tg::read_safetensors(written(file)).metadata.at(key));
}

template <class T>
double output_of(const tg::params<script_net, T>& p, const std::vector<double>& x) {
    return tg::forward<script_net>(p, tg::vec<T, 2>{static_cast<T>(x[0]), static_cast<T>(x[1])})[0];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(io_interop)

BOOST_AUTO_TEST_CASE(tensors_written_by_python_read_back_exactly) {
    const auto contents = tg::read_safetensors(written("interop_mixed.safetensors"));
    BOOST_TEST(contents.tensors.size() == 4u);
    BOOST_TEST(contents.tensors[0].name == "2.bias");  // data order, as the script wrote it
    BOOST_TEST(contents.metadata.at("format") == "pt");
    const auto* w0 = contents.find("0.weight");
    BOOST_REQUIRE(w0);
    BOOST_TEST((w0->type == tg::dtype::f32));
    BOOST_TEST(w0->shape == (std::vector<std::size_t>{3, 2}), boost::test_tools::per_element());
    BOOST_TEST(w0->values<float>() == (std::vector<float>{0.5f, -1.0f, 2.0f, 0.25f, -0.75f, 1.5f}),
               boost::test_tools::per_element());
    BOOST_TEST(contents.find("0.bias")->values<float>() == (std::vector<float>{0.1f, -0.2f, 0.3f}),
               boost::test_tools::per_element());
    BOOST_TEST((contents.find("2.weight")->type == tg::dtype::f64));
    BOOST_TEST(contents.find("2.weight")->values<double>() == (std::vector<double>{1.0, -2.0, 0.5}),
               boost::test_tools::per_element());
    BOOST_TEST(contents.find("2.bias")->values<double>()[0] == 0.125);
}

BOOST_AUTO_TEST_CASE(load_into_the_matching_network_in_float) {
    const auto p = tg::load<script_net>(written("interop_f32.safetensors"));
    BOOST_TEST(tg::get<0>(p).W(1, 0) == 2.0f);  // row = neuron, as Linear.weight
    BOOST_TEST(tg::get<0>(p).W(2, 1) == 1.5f);
    BOOST_TEST(tg::get<0>(p).b[1] == -0.2f);
    BOOST_TEST(tg::get<2>(p).W(0, 1) == -2.0f);
    const auto x = metadata_numbers("interop_f32.safetensors", "input");
    const auto expected = metadata_numbers("interop_f32.safetensors", "expected_output");
    BOOST_TEST(output_of(p, x) == expected[0], boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(load_into_the_matching_network_in_double) {
    const auto p = tg::load<script_net, double>(written("interop_f64.safetensors"));
    BOOST_TEST(tg::get<0>(p).b[0] == 0.1);
    const auto x = metadata_numbers("interop_f64.safetensors", "input");
    const auto expected = metadata_numbers("interop_f64.safetensors", "expected_output");
    BOOST_TEST(output_of(p, x) == expected[0], boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(mixed_dtypes_are_a_mismatch_for_one_element_type) {
    try {
        tg::load<script_net>(written("interop_mixed.safetensors"));
        BOOST_FAIL("no exception");
    } catch (const tg::weights_mismatch_error& e) {
        const std::string text = e.what();
        BOOST_TEST(text.find("does not fit the network: 2 mismatches") != std::string::npos);
        BOOST_TEST(text.find("\n  tensor '2.weight': dtype F64, expected F32") != std::string::npos);
        BOOST_TEST(text.find("\n  tensor '2.bias': dtype F64, expected F32") != std::string::npos);
    }
}

// PyTorch's BatchNorm1d state_dict, counter included, loads into the matching type, which infers
// (on the running statistics) the output the script computed.
BOOST_AUTO_TEST_CASE(batch_norm_state_dict_loads_with_its_counter) {
    using bn_net = tg::sequential<tg::dense<2, 3>, tg::batch_norm, tg::relu, tg::dense<3, 1>>;
    const auto p = tg::load<bn_net, double>(written("interop_batch_norm.safetensors"));
    BOOST_TEST(tg::get<1>(p).running_var[1] == 0.25);
    BOOST_TEST(tg::get<1>(p).weight[2] == -1.0);
    BOOST_TEST(tg::get<1>(p).num_batches_tracked == 17);
    const auto x = metadata_numbers("interop_batch_norm.safetensors", "input");
    const auto expected = metadata_numbers("interop_batch_norm.safetensors", "expected_output");
    BOOST_TEST(tg::forward<bn_net>(p, tg::vec<double, 2>{x[0], x[1]})[0] == expected[0],
               boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_SUITE_END()
