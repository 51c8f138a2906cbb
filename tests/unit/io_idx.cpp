// IDX reading: small generated files (plain and gzip), Fashion-MNIST when it is installed, and one
// test per kind of bad input, each checking what the message says.
#include <boost/test/unit_test.hpp>

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <typegrad/io/idx.hpp>

#include "fault_support.hpp"
#include "io_support.hpp"

namespace tg = typegrad;
using io_support::contains, io_support::gzip_member, io_support::message_of, io_support::tmp;
namespace fs = std::filesystem;
using bytes = std::vector<unsigned char>;

namespace {

void put_u32(bytes& b, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<unsigned char>(v >> shift));
}

// An IDX file of unsigned bytes with the given dimensions; the data is 0, 1, 2, ... modulo 256.
bytes idx(std::vector<std::uint32_t> dims) {
    bytes b{0, 0, 8, static_cast<unsigned char>(dims.size())};
    std::size_t total = 1;
    for (auto d : dims) put_u32(b, d), total *= d;
    for (std::size_t i = 0; i < total; ++i) b.push_back(static_cast<unsigned char>(i % 256));
    return b;
}

fs::path write(const std::string& name, const bytes& b) {
    std::ofstream(tmp(name), std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::ssize(b));
    return tmp(name);
}

fs::path write_gz(const std::string& name, const bytes& b) {
    gzFile f = gzopen(tmp(name).c_str(), "wb");
    gzwrite(f, b.data(), static_cast<unsigned>(b.size()));
    gzclose(f);
    return tmp(name);
}

bytes read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return bytes(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(io_idx)

BOOST_AUTO_TEST_CASE(images_and_labels_make_a_dataset_scaled_to_unit_range) {
    const auto images = write("three.idx3", idx({3, 2, 2}));
    const auto labels = write("three.idx1", bytes{0, 0, 8, 1, 0, 0, 0, 3, 2, 0, 1});
    const tg::idx_images read = tg::read_idx_images(images);
    BOOST_TEST(read.count == 3u);
    BOOST_TEST(read.rows == 2u);
    BOOST_TEST(read.cols == 2u);
    BOOST_TEST(read.image(2)[3] == 11);
    const auto set = tg::read_idx_dataset<float, 4>(images, labels, 3);
    BOOST_TEST(set.size() == 3u);
    BOOST_TEST(set.classes == 3u);
    BOOST_TEST(set.targets == (std::vector<std::size_t>{2, 0, 1}), boost::test_tools::per_element());
    BOOST_TEST(set.inputs[1][2] == 6.0f / 255.0f);
    BOOST_TEST(set.inputs[0][0] == 0.0f);
    const auto doubles = tg::read_idx_dataset<double, 4>(images, labels, 3);
    BOOST_TEST(doubles.inputs[2][3] == 11.0 / 255.0);
}

BOOST_AUTO_TEST_CASE(gzip_files_read_like_plain_ones) {
    const bytes plain = idx({2, 3, 4});
    const tg::idx_images a = tg::read_idx_images(write("plain.idx3", plain));
    const tg::idx_images b = tg::read_idx_images(write_gz("packed.idx3.gz", plain));
    BOOST_TEST(a.pixels == b.pixels, boost::test_tools::per_element());
    BOOST_TEST(b.count == 2u);
    const auto labels = tg::read_idx_labels(write_gz("labels.gz", bytes{0, 0, 8, 1, 0, 0, 0, 2, 7, 9}));
    BOOST_TEST(labels == (std::vector<std::uint8_t>{7, 9}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(fashion_mnist_test_set_when_installed) {
    const fs::path dir = "/usr/share/datasets/fashion-mnist";
    if (!fs::exists(dir / "t10k-images-idx3-ubyte.gz")) {
        BOOST_TEST_MESSAGE("Fashion-MNIST is not installed (package dataset-fashion-mnist): skipped");
        return;
    }
    const auto set = tg::read_idx_dataset(dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz");
    BOOST_TEST(set.size() == 10000u);
    BOOST_TEST(set.classes == 10u);
    // The first test labels: ankle boot, pullover, trouser, trouser, shirt.
    BOOST_TEST((std::vector<std::size_t>(set.targets.begin(), set.targets.begin() + 5)) ==
                   (std::vector<std::size_t>{9, 2, 1, 1, 6}),
               boost::test_tools::per_element());
    std::vector<std::size_t> per_class(10);
    float lo = 1, hi = 0;
    for (std::size_t i = 0; i < set.size(); ++i) {
        ++per_class[set.targets[i]];
        for (float x : set.inputs[i]) lo = std::min(lo, x), hi = std::max(hi, x);
    }
    for (auto n : per_class) BOOST_TEST(n == 1000u);
    BOOST_TEST(lo == 0.0f);
    BOOST_TEST(hi == 1.0f);
}

BOOST_AUTO_TEST_CASE(missing_file_is_an_io_error) {
    const auto text = message_of<tg::io_error>([] { tg::read_idx_images(tmp("no-such-file")); });
    BOOST_TEST(contains(text, "cannot open '" + tmp("no-such-file").string() + "' for reading"));
}

BOOST_AUTO_TEST_CASE(a_directory_is_an_io_error) {
    const auto text = message_of<tg::io_error>([] { tg::read_idx_labels(tmp("")); });
    BOOST_TEST(contains(text, "': Is a directory"));
}

BOOST_AUTO_TEST_CASE(truncated_header) {
    const auto p = write("short-header.idx3", bytes{0, 0, 8, 3, 0, 0, 0, 1, 0, 0});
    const auto text = message_of<tg::format_error>([&] { tg::read_idx_images(p); });
    BOOST_TEST(contains(text, "IDX file '" + p.string() + "', byte 10: file ends inside the header, expected 16 "
                              "header bytes for 3 dimensions"));
}

BOOST_AUTO_TEST_CASE(truncated_data) {
    bytes b = idx({3, 2, 2});
    b.erase(b.end() - 5, b.end());
    const auto p = write("short-data.idx3", b);
    const auto text = message_of<tg::format_error>([&] { tg::read_idx_images(p); });
    BOOST_TEST(contains(text, "byte 23: file is truncated: images of shape 3 x 2 x 2 need 12 data bytes after the "
                              "16-byte header, found 7"));
}

BOOST_AUTO_TEST_CASE(huge_dimensions_do_not_allocate_and_are_truncation) {
    bytes b{0, 0, 8, 3};
    for (int i = 0; i < 3; ++i) put_u32(b, 0xffffffffu);
    const auto text = message_of<tg::format_error>([&] { tg::parse_idx_images(b, "huge"); });
    BOOST_TEST(contains(text, "images of shape 4294967295 x 4294967295 x 4294967295 need more than SIZE_MAX"));
}

BOOST_AUTO_TEST_CASE(trailing_bytes) {
    bytes b = idx({1, 2, 2});
    b.push_back(0), b.push_back(0);
    const auto text = message_of<tg::format_error>([&] { tg::parse_idx_images(b, "long"); });
    BOOST_TEST(contains(text, "IDX file 'long', byte 20: 2 unexpected bytes after the data of images of shape 1 x 2 x "
                              "2, expected the end of the file"));
}

BOOST_AUTO_TEST_CASE(wrong_magic) {
    bytes b = idx({1, 2, 2});
    b[0] = 0x50, b[1] = 0x4b;  // a zip file, say
    const auto text = message_of<tg::format_error>([&] { tg::read_idx_images(write("zip.idx3", b)); });
    BOOST_TEST(contains(text, "', byte 0: not an IDX file: magic number starts with 80 75, expected 0 0"));
}

BOOST_AUTO_TEST_CASE(unsupported_element_type) {
    bytes b = idx({1, 2, 2});
    b[2] = 0x0d;  // floats
    const auto text = message_of<tg::format_error>([&] { tg::parse_idx_images(b, "floats"); });
    BOOST_TEST(contains(text, "IDX file 'floats', byte 2: element type code 13 is not supported, expected 8 "
                              "(unsigned bytes)"));
}

BOOST_AUTO_TEST_CASE(wrong_number_of_dimensions) {
    const auto p = write("labels-as-images.idx1", bytes{0, 0, 8, 1, 0, 0, 0, 1, 4});
    const auto text = message_of<tg::format_error>([&] { tg::read_idx_images(p); });
    BOOST_TEST(contains(text, "', byte 3: file has 1 dimensions, expected 3 for images"));
    const auto labels = message_of<tg::format_error>([&] { tg::parse_idx_labels(idx({1, 2, 2}), "images"); });
    BOOST_TEST(contains(labels, "IDX file 'images', byte 3: file has 3 dimensions, expected 1 for labels"));
}

BOOST_AUTO_TEST_CASE(wrong_image_size_for_the_dataset) {
    const auto images = write("small.idx3", idx({1, 2, 2}));
    const auto labels = write("one.idx1", bytes{0, 0, 8, 1, 0, 0, 0, 1, 4});
    const auto text = message_of<tg::value_error>([&] { tg::read_idx_dataset(images, labels); });
    BOOST_TEST(contains(text, "IDX images '" + images.string() + "': images are 2 x 2 = 4 pixels, expected 784"));
}

BOOST_AUTO_TEST_CASE(label_out_of_range) {
    const auto images = write("four.idx3", idx({4, 1, 1}));
    const auto labels = write("four.idx1", bytes{0, 0, 8, 1, 0, 0, 0, 4, 1, 2, 10, 3});
    const auto text = message_of<tg::value_error>([&] { tg::read_idx_dataset<float, 1>(images, labels, 10); });
    BOOST_TEST(contains(text, "IDX labels '" + labels.string() + "', byte 10: label of sample 2 is 10, expected a "
                              "label below 10"));
}

BOOST_AUTO_TEST_CASE(image_and_label_counts_differ) {
    const auto images = write("five.idx3", idx({5, 1, 1}));
    const auto labels = write("four-labels.idx1", bytes{0, 0, 8, 1, 0, 0, 0, 4, 1, 2, 3, 4});
    const auto text = message_of<tg::value_error>([&] { tg::read_idx_dataset<float, 1>(images, labels); });
    BOOST_TEST(contains(text, "' hold 5 images but labels '" + labels.string() + "' hold 4 labels, expected one "
                              "label per image"));
}

BOOST_AUTO_TEST_CASE(corrupt_gzip) {
    bytes packed = read(write_gz("corrupt.gz", idx({2, 8, 8})));
    // The checksum in the trailer: the header inflates as it should, the rest does not check out.
    // (Corrupt deflate data at the start reads as a header of garbage: "not an IDX file".)
    packed[packed.size() - 8] ^= 0xff;
    const auto p = write("corrupt.gz", packed);
    const auto text = message_of<tg::format_error>([&] { tg::read_idx_images(p); });
    BOOST_TEST(contains(text, tg::detail::message("'", p.string(), "': near compressed byte ")));
    BOOST_TEST(contains(text, ": corrupt gzip data ("));
}

BOOST_AUTO_TEST_CASE(truncated_gzip) {
    bytes packed = read(write_gz("cut.gz", idx({2, 8, 8})));
    packed.erase(packed.end() - 10, packed.end());
    const auto p = write("cut.gz", packed);
    const auto text = message_of<tg::format_error>([&] { tg::read_idx_images(p); });
    BOOST_TEST(contains(text, tg::detail::message("'", p.string(), "': compressed byte ", packed.size(),
                                                  ": gzip stream is truncated, expected more compressed data")));
}

// A 1 MB file of gzip members that expands to 1 GiB: a 1 x 2 x 2 image, then zeros. Under an address
// space of 256 MiB more than the child maps, the reader must stop one byte past the 4 data bytes.
BOOST_AUTO_TEST_CASE(gzip_bomb_inflates_no_more_than_the_header_gives) {
    constexpr std::size_t mib = std::size_t{1} << 20;
    bytes first = idx({1, 2, 2});
    first.resize(mib);
    bytes bomb = gzip_member(first);
    const bytes zeros = gzip_member(bytes(mib));
    for (int i = 1; i < 1024; ++i) bomb.insert(bomb.end(), zeros.begin(), zeros.end());
    BOOST_TEST(bomb.size() < 2 * mib);
    const auto p = write("bomb.idx3.gz", bomb);
    const std::string text = fault_support::in_child(60, [&] {
        fault_support::limit_memory(256 * mib);
        try {
            tg::read_idx_images(p);
        } catch (const tg::error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    });
    BOOST_TEST(contains(text, "IDX file '" + p.string() + " (decompressed)', byte 20: more unexpected bytes after the "
                              "data of images of shape 1 x 2 x 2, expected the end of the file"));
    BOOST_TEST(text.find('[') == std::string::npos);  // neither timed out nor crashed
}

// A header that claims more data than a compressed file can hold (deflate expands at most 1032 times)
// is refused before anything more is inflated: here 200 MiB of zeros, whose header claims either more
// than SIZE_MAX bytes or about 2^64 of them. Under an address space of 64 MiB more than the child maps,
// inflating them would fail.
BOOST_AUTO_TEST_CASE(gzip_claims_beyond_what_deflate_can_hold_are_refused_before_inflating) {
    constexpr std::size_t mib = std::size_t{1} << 20;
    for (const std::uint32_t rows : {3u, 1u}) {  // (2^32 - 1)^2 x 3 overflows a size_t; x 1 fits it
        bytes first{0, 0, 8, 3};
        for (const std::uint32_t d : {0xffffffffu, 0xffffffffu, rows}) put_u32(first, d);
        first.resize(mib);
        bytes bomb = gzip_member(first);
        const bytes zeros = gzip_member(bytes(mib));
        for (int i = 1; i < 200; ++i) bomb.insert(bomb.end(), zeros.begin(), zeros.end());
        const auto p = write("claims.idx3.gz", bomb);
        const std::string text = fault_support::in_child(60, [&] {
            fault_support::limit_memory(64 * mib);
            return message_of<tg::format_error>([&] { tg::read_idx_images(p); });
        });
        BOOST_TEST(contains(text, tg::detail::message("IDX file '", p.string(), " (decompressed)', byte 16: file is "
                                                      "truncated: images of shape 4294967295 x 4294967295 x ", rows,
                                                      " need ")));
        BOOST_TEST(contains(text, tg::detail::message(" data bytes after the 16-byte header, more than the ",
                                                      bomb.size(), " compressed bytes can hold (deflate expands at "
                                                                   "most 1032 times)")));
    }
}

// A plain file is read no further than its header says, either: a device that never ends is refused
// by its header, a file with a lot after the data after one byte of it.
BOOST_AUTO_TEST_CASE(plain_files_are_read_no_further_than_the_header_gives) {
    const std::string zero = fault_support::in_child(10, [] {
        fault_support::limit_memory(std::size_t{128} << 20);
        return message_of<tg::format_error>([] { tg::read_idx_images("/dev/zero"); });
    });
    BOOST_TEST(contains(zero, "IDX file '/dev/zero', byte 2: element type code 0 is not supported"));
    bytes long_file = idx({1, 2, 2});
    long_file.resize(long_file.size() + 1000);
    const auto p = write("long.idx3", long_file);
    const auto text = message_of<tg::format_error>([&] { tg::read_idx_images(p); });
    BOOST_TEST(contains(text, "IDX file '" + p.string() + "', byte 20: more unexpected bytes after the data of images "
                              "of shape 1 x 2 x 2, expected the end of the file"));
}

// Bounded decompression still reads a file that holds just what its header gives.
BOOST_AUTO_TEST_CASE(gzip_labels_that_end_where_the_header_says) {
    const auto labels = tg::read_idx_labels(write("exact.idx1.gz", gzip_member(bytes{0, 0, 8, 1, 0, 0, 0, 3, 4, 5, 6})));
    BOOST_TEST(labels == (std::vector<std::uint8_t>{4, 5, 6}), boost::test_tools::per_element());
    const auto text = message_of<tg::format_error>(
        [&] { tg::read_idx_labels(write("long.idx1.gz", gzip_member(bytes{0, 0, 8, 1, 0, 0, 0, 2, 4, 5, 6}))); });
    BOOST_TEST(contains(text, "(decompressed)', byte 10: more unexpected bytes after the data of labels of shape 2"));
}

BOOST_AUTO_TEST_CASE(dataset_check_rejects_labels_past_the_class_count) {
    tg::dataset<float, 2> set;
    set.classes = 2;
    set.push_back({0.5f, 1.0f}, 1);
    set.check();
    set.push_back({0.5f, 1.0f}, 2);
    const auto text = message_of<tg::value_error>([&] { set.check(); });
    BOOST_TEST(contains(text, "dataset: sample 1 has label 2, expected a label below 2 classes"));
    set.targets.pop_back();
    BOOST_TEST(contains(message_of<tg::value_error>([&] { set.check(); }), "dataset: 2 inputs but 1 targets"));
}

BOOST_AUTO_TEST_SUITE_END()
