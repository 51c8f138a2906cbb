// CSV reading: chosen columns, header, labels and regression targets, and one test per kind of
// bad input, each checking what the message says.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <filesystem>
#include <string>

#include <typegrad/io/csv.hpp>

#include "fault_support.hpp"
#include "io_support.hpp"

namespace tg = typegrad;
using io_support::contains, io_support::gzip_member, io_support::message_of, io_support::tmp;

namespace {

std::filesystem::path data(const char* name) { return std::filesystem::path(std::getenv("TYPEGRAD_TEST_DATA")) / name; }

}  // namespace

BOOST_AUTO_TEST_SUITE(io_csv)

BOOST_AUTO_TEST_CASE(chosen_feature_and_label_columns_with_a_header) {
    const auto set = tg::read_csv<float, 2>(data("points.csv"), {.header = true, .features = {0, 1}, .targets = {2}});
    BOOST_TEST(set.size() == 3u);
    BOOST_TEST(set.classes == 3u);  // one more than the largest label
    BOOST_TEST(set.inputs[0][0] == 0.5f);
    BOOST_TEST(set.inputs[1][0] == -2.0f);
    BOOST_TEST(set.inputs[1][1] == 0.25f);
    BOOST_TEST(set.inputs[2][0] == 0.3f);  // "3e-1", spaces around " 4 " are trimmed
    BOOST_TEST(set.inputs[2][1] == 4.0f);
    BOOST_TEST(set.targets == (std::vector<std::size_t>{1, 0, 2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(regression_targets_and_feature_order) {
    using target = tg::vec<double, 2>;
    const auto set = tg::read_csv<double, 1, target>(data("points.csv"),
                                                     {.header = true, .features = {3}, .targets = {1, 0}});
    BOOST_TEST(set.size() == 3u);
    BOOST_TEST(set.classes == 0u);
    BOOST_TEST(set.inputs[1][0] == 2.02);
    BOOST_TEST(set.targets[1][0] == 0.25);
    BOOST_TEST(set.targets[1][1] == -2.0);
}

BOOST_AUTO_TEST_CASE(defaults_take_the_last_column_as_the_label) {
    const auto set = tg::parse_csv<float, 3>("1,2,3,0\r\n\r\n4,5,6,1\r\n", "inline", {.classes = 4});
    BOOST_TEST(set.size() == 2u);
    BOOST_TEST(set.classes == 4u);
    BOOST_TEST(set.inputs[1][2] == 6.0f);
    BOOST_TEST(set.targets[1] == 1u);
    const auto semicolons = tg::parse_csv<float, 1>("+1.5;0\n", "semi", {.delimiter = ';'});
    BOOST_TEST(semicolons.inputs[0][0] == 1.5f);
}

BOOST_AUTO_TEST_CASE(wrong_column_count) {
    const auto text = message_of<tg::format_error>([] { tg::parse_csv<float, 2>("a,b,c\n1,2,0\n3,4\n", "rows.csv", {.header = true}); });
    BOOST_TEST(contains(text, "CSV file 'rows.csv', line 3: found 2 columns, expected 3 as in the first line"));
}

BOOST_AUTO_TEST_CASE(not_a_number) {
    const auto text = message_of<tg::format_error>([] { tg::parse_csv<float, 2>("w,h,label\n1,2,0\n3,abc,1\n", "n.csv", {.header = true}); });
    BOOST_TEST(contains(text, "CSV file 'n.csv', line 3, column 1 ('h'): expected a finite number, found 'abc'"));
    const auto empty = message_of<tg::format_error>([] { tg::parse_csv<double, 2>("1,,0\n", "e.csv"); });
    BOOST_TEST(contains(empty, "CSV file 'e.csv', line 1, column 1: expected a finite number, found ''"));
    const auto infinite = message_of<tg::format_error>([] { tg::parse_csv<float, 1>("1e999,0\n", "big.csv"); });
    BOOST_TEST(contains(infinite, "line 1, column 0: expected a finite number, found '1e999'"));
    const auto nan = message_of<tg::format_error>([] { tg::parse_csv<float, 1>("nan,0\n", "nan.csv"); });
    BOOST_TEST(contains(nan, "expected a finite number, found 'nan'"));
}

BOOST_AUTO_TEST_CASE(label_that_is_not_a_class_index) {
    const auto text = message_of<tg::format_error>([] { tg::parse_csv<float, 1>("1,0\n2,1.5\n", "l.csv"); });
    BOOST_TEST(contains(text, "CSV file 'l.csv', line 2, column 1: expected a class index (an integer >= 0), found '1.5'"));
    const auto negative = message_of<tg::format_error>([] { tg::parse_csv<float, 1>("1,-1\n", "l.csv"); });
    BOOST_TEST(contains(negative, "found '-1'"));
}

BOOST_AUTO_TEST_CASE(label_out_of_range) {
    const auto text = message_of<tg::value_error>([] { tg::parse_csv<float, 1>("x,y\n1,0\n2,3\n", "c.csv", {.header = true, .classes = 3}); });
    BOOST_TEST(contains(text, "CSV file 'c.csv', line 3, column 1 ('y'): label 3 is not below the 3 classes"));
}

BOOST_AUTO_TEST_CASE(columns_that_do_not_fit_the_dataset) {
    const auto few = message_of<tg::value_error>([] { tg::parse_csv<float, 4>("1,2,3,0\n", "f.csv"); });
    BOOST_TEST(contains(few, "CSV file 'f.csv', line 1: 3 feature columns chosen (of 4 columns), expected 4, the dataset's input size"));
    const auto past = message_of<tg::value_error>([] { tg::parse_csv<float, 2>("1,2,0\n", "p.csv", {.features = {0, 5}}); });
    BOOST_TEST(contains(past, "CSV file 'p.csv', line 1: column 5 is chosen but the file has 3 columns"));
}

// A number too small for T is 0 (or the subnormal it rounds to), as strtod makes it; too large is
// still refused.
BOOST_AUTO_TEST_CASE(underflow_is_zero_or_subnormal) {
    const auto set = tg::parse_csv<float, 5>("1e-50,-1e-50,1e-40,0.00000000000000000000000000000000000000000000000001,"
                                             "1e-99999999999999999999,0\n",
                                             "tiny.csv");
    BOOST_TEST(set.inputs[0][0] == 0.0f);
    BOOST_TEST(set.inputs[0][1] == 0.0f);
    BOOST_TEST(std::signbit(set.inputs[0][1]));
    BOOST_TEST(set.inputs[0][2] == 1e-40f);  // subnormal
    BOOST_TEST(set.inputs[0][3] == 0.0f);
    BOOST_TEST(set.inputs[0][4] == 0.0f);
    const auto doubles = tg::parse_csv<double, 1>("1e-400,0\n", "tiny.csv");
    BOOST_TEST(doubles.inputs[0][0] == 0.0);
    const auto big = message_of<tg::format_error>([] { tg::parse_csv<float, 1>("100000000000000000000000000000000000000000,0\n", "big.csv"); });
    BOOST_TEST(contains(big, "line 1, column 0: expected a finite number, found '1000"));
    const auto big_exponent = message_of<tg::format_error>([] { tg::parse_csv<double, 1>("0.001e400,0\n", "big.csv"); });
    BOOST_TEST(contains(big_exponent, "expected a finite number, found '0.001e400'"));
}

// A label of 2^64 - 1 would make the class count wrap to 0, which turns every label check off.
BOOST_AUTO_TEST_CASE(a_label_that_would_wrap_the_class_count) {
    const auto text = message_of<tg::value_error>([] { tg::parse_csv<float, 1>("1,0\n2,18446744073709551615\n", "w.csv"); });
    BOOST_TEST(contains(text, "CSV file 'w.csv', line 2, column 1: label 18446744073709551615 leaves no class count that "
                              "fits a std::size_t, expected a label below 18446744073709551615"));
}

BOOST_AUTO_TEST_CASE(a_byte_order_mark_is_skipped) {
    const auto set = tg::parse_csv<float, 1>("\xEF\xBB\xBFx,y\n1.5,1\n", "bom.csv", {.header = true});
    BOOST_TEST(set.inputs[0][0] == 1.5f);
    const auto text = message_of<tg::format_error>([] { tg::parse_csv<float, 1>("\xEF\xBB\xBFx,y\n1,a\n", "bom.csv", {.header = true}); });
    BOOST_TEST(contains(text, "line 2, column 1 ('y'): expected a class index"));
    const auto plain = tg::parse_csv<float, 1>("\xEF\xBB\xBF" "2.5,0\n", "bom.csv");
    BOOST_TEST(plain.inputs[0][0] == 2.5f);
}

// A 10 MB field is quoted by its first 80 bytes and its length, never whole; so is a long header name.
BOOST_AUTO_TEST_CASE(long_fields_are_cut_in_messages) {
    const std::string field(10'000'000, '7'), name(200, 'n');
    const auto text = message_of<tg::format_error>([&] {
        tg::parse_csv<float, 1>(name + ",y\n1" + field + "x,0\n", "long.csv", {.header = true, .max_line_bytes = 20'000'000});
    });
    BOOST_TEST(contains(text, "CSV file 'long.csv', line 2, column 0 ('" + name.substr(0, 80) + "...' (200 bytes)): "
                              "expected a finite number, found '1" + field.substr(0, 79) + "...' (10000002 bytes)"));
    BOOST_TEST(text.size() < 400u);
    // A cut never splits a UTF-8 character: 79 ASCII bytes then "é" (2 bytes) cuts before the "é".
    const std::string accented = std::string(79, 'a') + "\xC3\xA9" + "bbb";
    const auto utf8 = message_of<tg::format_error>([&] { tg::parse_csv<float, 1>(accented + ",0\n", "u.csv"); });
    BOOST_TEST(contains(utf8, "found '" + std::string(79, 'a') + "...' (84 bytes)"));
}

// A line longer than max_line_bytes is an error, not a buffer that grows with it.
BOOST_AUTO_TEST_CASE(a_line_past_max_line_bytes_is_an_error) {
    const auto text = message_of<tg::format_error>([] { tg::parse_csv<float, 1>("1,0\n123456789,0\n", "l.csv", {.max_line_bytes = 8}); });
    BOOST_TEST(contains(text, "CSV file 'l.csv', line 2: longer than 8 bytes (csv_options::max_line_bytes), expected a line of numbers"));
    const auto set = tg::parse_csv<float, 1>("1,0\n1234567,0", "l.csv", {.max_line_bytes = 9});
    BOOST_TEST(set.size() == 2u);
}

// A gzip-compressed file reads as its text does, with lines that cross the 64 KiB pieces it is
// inflated in, and so does a plain file read in pieces.
BOOST_AUTO_TEST_CASE(compressed_and_plain_files_read_as_their_text) {
    std::string text = "a,b,label\n";
    for (int i = 0; i < 20'000; ++i) text += std::to_string(i) + ".25," + std::to_string(-i) + ".5," + std::to_string(i % 7) + "\n";
    const std::vector<unsigned char> plain(text.begin(), text.end()), packed = gzip_member(plain);
    BOOST_TEST(plain.size() > 4 * 65536u);
    std::ofstream(tmp("rows.csv.gz"), std::ios::binary).write(reinterpret_cast<const char*>(packed.data()), std::ssize(packed));
    std::ofstream(tmp("rows.csv"), std::ios::binary) << text;
    const auto expected = tg::parse_csv<double, 2>(text, "text", {.header = true});
    for (const char* name : {"rows.csv.gz", "rows.csv"}) {
        const auto set = tg::read_csv<double, 2>(tmp(name), {.header = true});
        BOOST_TEST(set.size() == 20'000u);
        BOOST_TEST(set.classes == 7u);
        BOOST_TEST(set.inputs == expected.inputs);
        BOOST_TEST(set.targets == expected.targets, boost::test_tools::per_element());
    }
}

// A 1 MB gzip file that inflates to 1 GiB (one row, then zeros with no line end), and /dev/zero:
// under an address space of 128 MiB more than the child maps, each is refused at its over-long line.
BOOST_AUTO_TEST_CASE(decompression_bombs_and_endless_devices_are_refused_within_bounded_memory) {
    constexpr std::size_t mib = std::size_t{1} << 20;
    std::vector<unsigned char> bomb = gzip_member({'1', ',', '0', '\n'});
    const std::vector<unsigned char> zeros = gzip_member(std::vector<unsigned char>(mib));
    for (int i = 0; i < 1024; ++i) bomb.insert(bomb.end(), zeros.begin(), zeros.end());
    BOOST_TEST(bomb.size() < 2 * mib);
    std::ofstream(tmp("bomb.csv.gz"), std::ios::binary).write(reinterpret_cast<const char*>(bomb.data()), std::ssize(bomb));
    for (const std::string& path : {tmp("bomb.csv.gz").string(), std::string("/dev/zero")}) {
        const std::string text = fault_support::in_child(30, [&] {
            fault_support::limit_memory(128 * mib);
            return message_of<tg::format_error>([&] { tg::read_csv<float, 1>(path); });
        });
        BOOST_TEST(contains(text, "CSV file '" + path + "', line " + (path == "/dev/zero" ? "1" : "2") +
                                      ": longer than 1048576 bytes (csv_options::max_line_bytes)"));
        BOOST_TEST(text.find('[') == std::string::npos);  // neither timed out nor crashed
    }
}

BOOST_AUTO_TEST_CASE(missing_file_is_an_io_error) {
    const auto text = message_of<tg::io_error>([] { tg::read_csv<float, 2>(data("no-such.csv")); });
    BOOST_TEST(contains(text, "no-such.csv' for reading: No such file or directory"));
}

BOOST_AUTO_TEST_SUITE_END()
