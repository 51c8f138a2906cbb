// safetensors as named tensors: round trips in F32, F64 and raw dtypes, atomic saving, and one
// test per kind of bad file, each checking what the message says.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <typegrad/io/safetensors.hpp>

#include "fault_support.hpp"
#include "io_support.hpp"

namespace tg = typegrad;
using io_support::contains, io_support::message_of, io_support::tmp;
namespace fs = std::filesystem;

namespace {

// A file made by hand: the length field, the header text, then `data` bytes of zeros.
tg::byte_buffer file(const std::string& header, std::size_t data) {
    tg::byte_buffer b(8 + header.size() + data);
    for (std::size_t i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(header.size() >> (8 * i));
    std::copy(header.begin(), header.end(), b.begin() + 8);
    return b;
}

std::string parse_error(const std::string& header, std::size_t data) {
    return message_of<tg::format_error>([&] { tg::parse_safetensors(file(header, data), "t.safetensors"); });
}

tg::byte_buffer read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return tg::byte_buffer(std::istreambuf_iterator<char>(in), {});
}

std::vector<tg::named_tensor> sample_tensors() {
    const std::vector<float> w{1.5f, -2.0f, 0.25f, 3.0f, 0.0f, -1.0f};
    const std::vector<double> b{0.1, -0.2};
    std::int64_t steps = 7;
    tg::named_tensor count{"1.num_batches_tracked", tg::dtype::i64, {}, tg::byte_buffer(8)};
    std::memcpy(count.data.data(), &steps, 8);
    return {tg::named_tensor::from<float>("0.weight", {2, 3}, w), tg::named_tensor::from<double>("0.bias", {2}, b),
            count};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(io_safetensors)

BOOST_AUTO_TEST_CASE(round_trip_keeps_names_dtypes_shapes_values_and_metadata) {
    const auto path = tmp("round.safetensors");
    tg::write_safetensors(path, sample_tensors(), {{"format", "pt"}});
    const auto bytes = read(path);
    std::uint64_t header = 0;
    std::memcpy(&header, bytes.data(), 8);
    BOOST_TEST(header % 8 == 0u);  // padded, so the data is aligned
    BOOST_TEST(bytes.size() == 8 + header + 6 * 4 + 2 * 8 + 8);

    const auto contents = tg::read_safetensors(path);
    BOOST_TEST(contents.tensors.size() == 3u);
    BOOST_TEST(contents.tensors[0].name == "0.weight");  // in the order of their data
    BOOST_TEST(contents.metadata.at("format") == "pt");
    const auto* w = contents.find("0.weight");
    BOOST_REQUIRE(w);
    BOOST_TEST((w->type == tg::dtype::f32));
    BOOST_TEST(w->shape == (std::vector<std::size_t>{2, 3}), boost::test_tools::per_element());
    BOOST_TEST(w->values<float>() == (std::vector<float>{1.5f, -2.0f, 0.25f, 3.0f, 0.0f, -1.0f}),
               boost::test_tools::per_element());
    BOOST_TEST(contents.find("0.bias")->values<double>() == (std::vector<double>{0.1, -0.2}),
               boost::test_tools::per_element());
    BOOST_TEST(contents.find("0.bias")->values<float>()[0] == 0.1f);  // converted
    const auto* count = contents.find("1.num_batches_tracked");
    BOOST_TEST(count->shape.empty());
    BOOST_TEST(count->element_count() == 1u);
    BOOST_TEST(contains(message_of<tg::value_error>([&] { count->values<float>(); }),
                        "tensor '1.num_batches_tracked' has dtype I64, expected F16, BF16, F32 or F64"));
}

// The header's text: keys in sorted order (__metadata__ among them), no spaces, JSON's escapes, then
// spaces to a multiple of 8 bytes; the data in the order given.
BOOST_AUTO_TEST_CASE(the_header_text_is_compact_sorted_and_padded) {
    const std::vector<tg::named_tensor> tensors{{"b", tg::dtype::u8, {2}, {1, 2}}, {"A\"\\", tg::dtype::u8, {1}, {3}}};
    const auto bytes = tg::encode_safetensors(tensors, {{"note", "tab\there"}});
    const std::string expected = R"({"A\"\\":{"data_offsets":[2,3],"dtype":"U8","shape":[1]},"__metadata__":{"note":"tab\there"},)"
                                 R"("b":{"data_offsets":[0,2],"dtype":"U8","shape":[2]}})";
    std::uint64_t header = 0;
    std::memcpy(&header, bytes.data(), 8);
    BOOST_TEST(header == (expected.size() + 7) / 8 * 8);
    BOOST_TEST(std::string(bytes.begin() + 8, bytes.begin() + 8 + long(header)) ==
               expected + std::string(header - expected.size(), ' '));
    BOOST_TEST(std::vector<unsigned char>(bytes.end() - 3, bytes.end()) == (std::vector<unsigned char>{1, 2, 3}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(saving_replaces_the_file_whole_and_a_failed_save_keeps_the_old_one) {
    const auto path = tmp("atomic.safetensors");
    tg::write_safetensors(path, sample_tensors());
    const auto before = read(path);
    auto bad = sample_tensors();
    bad[1].data.pop_back();
    const auto text = message_of<tg::value_error>([&] { tg::write_safetensors(path, bad); });
    BOOST_TEST(contains(text, "cannot save tensor '0.bias': 15 bytes, expected 16 for F64 shape [2]"));
    BOOST_TEST(read(path) == before, boost::test_tools::per_element());
    auto repeated = sample_tensors();
    repeated[2].name = "0.weight";
    BOOST_TEST(contains(message_of<tg::value_error>([&] { tg::write_safetensors(path, repeated); }),
                        "cannot save tensor '0.weight': the name is repeated"));
    const auto unwritable = message_of<tg::io_error>([&] { tg::write_safetensors(tmp("no-dir") / "x.safetensors", sample_tensors()); });
    BOOST_TEST(contains(unwritable, "cannot save '"));
    BOOST_TEST(contains(unwritable, "cannot create the temporary file"));
    for (const auto& entry : fs::directory_iterator(tmp("")))
        BOOST_TEST(entry.path().filename().string().find("atomic.safetensors.tmp") == std::string::npos);
}

// Writer errors are tg::value_errors, raised before anything is written: names and metadata that are
// not UTF-8 (the message says where the first bad character starts), and a shape whose size overflows (it passed
// the size check by wrapping, and replaced a good file with one our reader refuses).
BOOST_AUTO_TEST_CASE(writer_errors_are_value_errors_and_keep_the_old_file) {
    const auto path = tmp("kept.safetensors");
    tg::write_safetensors(path, sample_tensors());
    const auto before = read(path);
    auto latin1 = sample_tensors();
    latin1[0].name = "poids\xe9";
    BOOST_TEST(contains(message_of<tg::value_error>([&] { tg::write_safetensors(path, latin1); }),
                        "cannot save tensor 'poids\xe9': not valid UTF-8, expected UTF-8 text (byte 5 starts no "
                        "valid UTF-8 character)"));
    BOOST_TEST(contains(message_of<tg::value_error>(
                            [&] { tg::write_safetensors(path, sample_tensors(), {{"format", "pt\xff"}}); }),
                        "cannot save the metadata value of 'format': not valid UTF-8, expected UTF-8 text ("));
    BOOST_TEST(contains(message_of<tg::value_error>(
                            [&] { tg::write_safetensors(path, sample_tensors(), {{"\xc3", "x"}}); }),
                        "cannot save metadata key '\xc3': not valid UTF-8"));
    BOOST_TEST(contains(message_of<tg::value_error>([&] {
                            tg::write_safetensors(path, sample_tensors(), {{"notes", std::string(100'000'001, 'x')}});
                        }),
                        "cannot save the metadata value of 'notes': 100000001 bytes, expected at most 100000000"));
    const std::size_t big = std::size_t{1} << 32;
    const std::vector<tg::named_tensor> wraps{{"w", tg::dtype::f32, {big, big, 16}, {}}};  // 2^70 bytes: 0 mod 2^64
    BOOST_TEST(contains(message_of<tg::value_error>([&] { tg::write_safetensors(path, wraps); }),
                        "cannot save tensor 'w': F32 shape [4294967296, 4294967296, 16] has more bytes than a "
                        "std::size_t counts, expected a shape whose size fits in memory"));
    BOOST_TEST(read(path) == before, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(too_short_for_the_length_field) {
    const auto text = message_of<tg::format_error>([] { tg::parse_safetensors(tg::byte_buffer(5), "t.safetensors"); });
    BOOST_TEST(contains(text, "safetensors file 't.safetensors', byte 0: file is 5 bytes, expected at least 8 for the header length"));
}

BOOST_AUTO_TEST_CASE(header_length_past_the_end) {
    auto b = file("{}", 0);
    b[1] = 1;  // 258 bytes of header claimed, 2 present
    const auto text = message_of<tg::format_error>([&] { tg::parse_safetensors(b, "t.safetensors"); });
    BOOST_TEST(contains(text, "safetensors file 't.safetensors', byte 0: header length 258 runs past the end of the file, expected at most 2"));
}

BOOST_AUTO_TEST_CASE(header_that_is_not_json) {
    BOOST_TEST(contains(parse_error(R"({"a": {"dtype": F32}})", 0),
                        "safetensors file 't.safetensors', byte 24: header is not valid JSON, expected a JSON object ("));
    BOOST_TEST(contains(parse_error("[1, 2]", 0), "byte 8: header is a JSON array, expected a JSON object"));
    // JSON's text is UTF-8: a Latin-1 name is refused where its bad byte is (8 + 2).
    BOOST_TEST(contains(parse_error("{\"\xe9\": {}}", 0),
                        "byte 10: header is not valid JSON, expected a JSON object (Invalid encoding in string.)"));
    BOOST_TEST(contains(parse_error("{} {}", 0), "byte 11: header is not valid JSON"));  // one value only
}

BOOST_AUTO_TEST_CASE(unknown_dtype) {
    BOOST_TEST(contains(parse_error(R"({"w": {"dtype": "F8", "shape": [1], "data_offsets": [0, 1]}})", 1),
                        "1 problem\n  tensor 'w': unknown dtype 'F8', expected one of BOOL, U8"));
}

BOOST_AUTO_TEST_CASE(shape_that_does_not_match_the_byte_range) {
    BOOST_TEST(contains(parse_error(R"({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}})", 24),
                        "tensor 'w': data_offsets [0, 20] hold 20 bytes, expected 24 for F32 shape [2, 3]"));
    BOOST_TEST(contains(parse_error(R"({"w": {"dtype": "F32", "shape": [2, -3], "data_offsets": [0, 4]}})", 4),
                        "tensor 'w': shape is missing or not an array of integers >= 0"));
}

BOOST_AUTO_TEST_CASE(offsets_out_of_range) {
    const std::string header = R"({"w": {"dtype": "F64", "shape": [2], "data_offsets": [8, 24]}})";
    BOOST_TEST(contains(parse_error(header, 16),
                        "tensor 'w': data_offsets [8, 24] (file bytes " + std::to_string(8 + header.size() + 8) +
                            " to " + std::to_string(8 + header.size() + 24) +
                            ") run past the end of the 16-byte data section, expected end <= 16"));
    BOOST_TEST(contains(parse_error(R"({"w": {"dtype": "F64", "shape": [0], "data_offsets": [8, 0]}})", 16),
                        "tensor 'w': data_offsets [8, 0] end before they begin"));
}

BOOST_AUTO_TEST_CASE(overlapping_offsets) {
    BOOST_TEST(contains(parse_error(R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                                        "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})", 16),
                        "tensor 'b': data_offsets [8, 16] overlap tensor 'a' at [0, 16], expected disjoint byte ranges"));
}

// What the reference implementation rejects: holes between tensors, bytes after the last one, junk
// after a NUL in the header; and headers that would only cost memory.
BOOST_AUTO_TEST_CASE(holes_and_trailing_bytes) {
    BOOST_TEST(contains(parse_error(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                                        "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})", 12),
                        "1 problem\n  tensor 'b': data_offsets [8, 12] leave data bytes [4, 8) unused after tensor 'a', "
                        "expected each tensor's data to start where the previous one's ends"));
    BOOST_TEST(contains(parse_error(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", 8),
                        "tensor 'a': data_offsets [4, 8] leave data bytes [0, 4) unused at the start"));
    const std::string one = R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})";
    BOOST_TEST(contains(parse_error(one, 7), tg::detail::message("1 problem\n  3 bytes after the last tensor's data (file bytes ",
                                                                 8 + one.size() + 4, " to ", 8 + one.size() + 7,
                                                                 "), expected the file to end there")));
    BOOST_TEST(contains(parse_error("{}", 1), "1 bytes after the last tensor's data (file bytes 10 to 11)"));
}

BOOST_AUTO_TEST_CASE(junk_after_a_nul_in_the_header) {
    std::string header = R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})";
    header += std::string(1, '\0') + "junk";
    BOOST_TEST(contains(parse_error(header, 4), tg::detail::message("safetensors file 't.safetensors', byte ",
                                                                    8 + header.size() - 5,
                                                                    ": NUL byte in the header, expected JSON text "
                                                                    "padded with spaces")));
}

BOOST_AUTO_TEST_CASE(headers_that_would_only_cost_memory) {
    const std::string deep = R"({"a": {"dtype": "F32", "shape": [[[[[1]]]]], "data_offsets": [0, 4]}})";
    BOOST_TEST(contains(parse_error(deep, 4), "safetensors file 't.safetensors', JSON header at byte 8: values nest "
                                              "more than 4 deep, expected tensor entries"));
    tg::byte_buffer b(16);
    b[3] = 0x10;  // a header length of 2^28 + ..., beyond the reference's 100 MB: checked before the file's size
    b[0] = 1;
    const std::string huge = tg::detail::message(std::uint64_t{1} << 28 | 1);
    BOOST_TEST(contains(message_of<tg::format_error>([&] { tg::parse_safetensors(b, "t.safetensors"); }),
                        "byte 0: header length " + huge + " runs past the end of the file, expected at most 8"));
}

// read_safetensors reads what the header describes and no more: a device that never ends, a pipe,
// a header that only nests, each in a forked child with a time limit (and a memory limit where the
// address space can be limited).
BOOST_AUTO_TEST_CASE(devices_pipes_and_nesting_are_read_no_further_than_the_header_says) {
    const std::string zero = fault_support::in_child(10, [] {
        fault_support::limit_memory(std::size_t{128} << 20);
        return message_of<tg::format_error>([] { tg::read_safetensors("/dev/zero"); });
    });
    BOOST_TEST(contains(zero, "safetensors file '/dev/zero', byte 8: header is not valid JSON"));
    BOOST_TEST(zero.find(" [") == std::string::npos);

    const fs::path nested = tmp("nested.safetensors");
    {
        const std::string header = std::string(10'000'000, '[') + std::string(10'000'000, ']');
        const tg::byte_buffer b = file(header, 0);
        std::ofstream(nested, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::ssize(b));
    }
    const std::string deep = fault_support::in_child(20, [&] {
        fault_support::limit_memory(std::size_t{128} << 20);
        return message_of<tg::format_error>([&] { tg::read_safetensors(nested); });
    });
    BOOST_TEST(contains(deep, "JSON header at byte 8: values nest more than 4 deep"));
    BOOST_TEST(deep.find(" [") == std::string::npos);

    const fs::path pipe = tmp("pipe.safetensors");
    const auto through_pipe = [&](std::size_t extra) {
        return fault_support::in_child(10, [&] {
            fs::remove(pipe);
            ::mkfifo(pipe.c_str(), 0600);
            std::thread writer([&] {
                tg::byte_buffer b = tg::encode_safetensors(sample_tensors());
                b.resize(b.size() + extra, 7);
                std::ofstream(pipe, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::ssize(b));
            });
            std::string text = "read back equal";
            try {
                const auto contents = tg::read_safetensors(pipe);
                const auto expected = sample_tensors();
                for (std::size_t i = 0; i < expected.size(); ++i)
                    if (contents.tensors.at(i).data != expected[i].data) text = "read back different";
            } catch (const tg::error& e) {
                text = e.what();
            }
            writer.join();
            return text;
        });
    };
    BOOST_TEST(through_pipe(0) == "read back equal");
    BOOST_TEST(contains(through_pipe(3), tg::detail::message("safetensors file '", pipe.string(), "', byte ",
                                                             tg::encode_safetensors(sample_tensors()).size(),
                                                             ": more bytes after the last tensor's data, expected the "
                                                             "end of the file")));
}

BOOST_AUTO_TEST_CASE(a_file_with_bytes_after_the_last_tensor) {
    const std::string one = R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})";
    const tg::byte_buffer b = file(one, 7);
    std::ofstream(tmp("long.safetensors"), std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::ssize(b));
    BOOST_TEST(contains(message_of<tg::format_error>([] { tg::read_safetensors(tmp("long.safetensors")); }),
                        "1 problem\n  3 bytes after the last tensor's data"));
    tg::byte_buffer claims(16);
    claims[5] = 1;  // a header of 2^40 bytes in a 16-byte file: refused before anything is read
    std::ofstream(tmp("claims.safetensors"), std::ios::binary).write(reinterpret_cast<const char*>(claims.data()), 16);
    BOOST_TEST(contains(message_of<tg::format_error>([] { tg::read_safetensors(tmp("claims.safetensors")); }),
                        "byte 0: header length 1099511627776 runs past the end of the file, expected at most 8"));
}

BOOST_AUTO_TEST_CASE(every_problem_is_reported_together) {
    const auto text = parse_error(R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                                      "a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                                      "b": {"dtype": "F16", "shape": [3], "data_offsets": [16, 20], "extra": 1},
                                      "c": [1],
                                      "d": {"dtype": "F32", "shape": [1], "data_offsets": [12, 16]},
                                      "e": {"dtype": "F32", "shape": [0], "shape": [1], "data_offsets": [20, 20]},
                                      "__metadata__": {"n": 3}})", 20);
    BOOST_TEST(contains(text, "safetensors file 't.safetensors', JSON header at byte 8 ("));
    BOOST_TEST(contains(text, " bytes): 7 problems"));
    BOOST_TEST(contains(text, "\n  tensor 'e': shape appears more than once, expected it once"));
    BOOST_TEST(contains(text, "\n  name 'a' appears more than once"));
    BOOST_TEST(contains(text, "\n  tensor 'b': unknown key 'extra', expected dtype, shape and data_offsets"));
    BOOST_TEST(contains(text, "\n  tensor 'b': data_offsets [16, 20] hold 4 bytes, expected 6 for F16 shape [3]"));
    BOOST_TEST(contains(text, "\n  tensor 'd': data_offsets [12, 16] overlap tensor 'a' at [0, 16]"));
    BOOST_TEST(contains(text, "\n  tensor 'c': entry is a JSON array, expected an object"));
    BOOST_TEST(contains(text, "\n  __metadata__ entry 'n' is a JSON number, expected a string"));
}

// A header of many faults with long names gives a message of a few kilobytes: names cut to their first
// 80 bytes, and the first 20 problems listed (a 10 000-byte name with 10 000 unknown keys made a
// 100 MB message).
BOOST_AUTO_TEST_CASE(messages_stay_small_whatever_the_header_holds) {
    const std::string name(10000, 'n');
    std::string header = R"({")" + name + R"(": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0])";
    for (int k = 0; k < 10000; ++k) header += tg::detail::message(R"(, "k)", k, R"(": 0)");
    header += "}}";
    const auto text = parse_error(header, 0);
    BOOST_TEST(text.size() < 8000u);
    BOOST_TEST(contains(text, " bytes): 10000 problems\n  tensor '" + std::string(80, 'n') +
                                  "...' (10000 bytes): unknown key 'k0', expected dtype, shape and data_offsets"));
    std::size_t listed = 0;
    for (std::size_t at = 0; (at = text.find("unknown key", at)) != std::string::npos; ++at) ++listed;
    BOOST_TEST(listed == 20u);
    BOOST_TEST(contains(text, "\n  ... and 9980 more"));
}

// A shape with a zero holds no bytes, however large its other dimensions (as the reference
// implementation counts them).
BOOST_AUTO_TEST_CASE(a_zero_dimension_holds_no_bytes_whatever_the_others) {
    const auto contents = tg::parse_safetensors(
        file(R"({"e": {"dtype": "F64", "shape": [9223372036854775808, 0], "data_offsets": [0, 0]}})", 0), "e.safetensors");
    BOOST_TEST(contents.tensors.size() == 1u);
    BOOST_TEST(contents.tensors[0].data.empty());
}

BOOST_AUTO_TEST_SUITE_END()
