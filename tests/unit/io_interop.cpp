// Interop: loads the safetensors file tests/interop/write_safetensors.py wrote by hand with Python's
// standard library, checks every value, and reproduces the output the script computed.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include <typegrad/io/safetensors.hpp>

namespace tg = typegrad;

namespace {
std::filesystem::path written() {
    return std::filesystem::path(std::getenv("TYPEGRAD_TEST_TMP")) / "interop.safetensors";
}
}  // namespace

BOOST_AUTO_TEST_SUITE(io_interop)

BOOST_AUTO_TEST_CASE(tensors_written_by_python_read_back_exactly) {
    const auto contents = tg::read_safetensors(written());
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

BOOST_AUTO_TEST_CASE(the_scripts_forward_pass_is_reproduced) {
    const auto contents = tg::read_safetensors(written());
    const auto x = nlohmann::json::parse(contents.metadata.at("input")).get<std::vector<double>>();
    const auto expected = nlohmann::json::parse(contents.metadata.at("expected_output")).get<std::vector<double>>();
    const auto w0 = contents.find("0.weight")->values<double>(), b0 = contents.find("0.bias")->values<double>();
    const auto w2 = contents.find("2.weight")->values<double>(), b2 = contents.find("2.bias")->values<double>();
    double y = b2[0];
    for (std::size_t i = 0; i < 3; ++i) y += w2[i] * std::max(0.0, w0[2 * i] * x[0] + w0[2 * i + 1] * x[1] + b0[i]);
    BOOST_TEST(y == expected[0], boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_SUITE_END()
