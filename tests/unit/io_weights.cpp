// tg::save and tg::load: state_dict names and layouts, round trips in float and double, and every
// mismatch between a file and a network type listed in one error with the parameters untouched.
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <typegrad/io/weights.hpp>
#include <typegrad/layers/activations.hpp>
#include <typegrad/layers/dense.hpp>

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fault_support.hpp"
#include "io_support.hpp"

namespace tg = typegrad;
using io_support::contains, io_support::message_of, io_support::tmp;
namespace fs = std::filesystem;

namespace {

using net = tg::sequential<tg::dense<3, 4>, tg::relu, tg::dense<4, 2>>;

// Distinct values everywhere, so a transposed or shifted tensor cannot pass.
template <class T>
tg::params<net, T> numbered() {
    tg::params<net, T> p{};
    T next = 1;
    tg::for_each_tensor([&](std::size_t, std::string_view, auto& tensor) {
        for (std::size_t i = 0; i < tensor.size(); ++i) tensor.data()[i] = next++ / T{8};
    }, p);
    return p;
}

// Every parameter in layer order, to compare two params values.
template <class T>
std::vector<T> flat(const tg::params<net, T>& p) {
    std::vector<T> values;
    tg::for_each_tensor([&](std::size_t, std::string_view, const auto& tensor) {
        values.insert(values.end(), tensor.begin(), tensor.end());
    }, p);
    return values;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(io_weights)

BOOST_AUTO_TEST_CASE(names_and_layouts_are_those_of_a_pytorch_state_dict) {
    const auto p = numbered<float>();
    tg::save(p, tmp("net.safetensors"));
    const auto contents = tg::read_safetensors(tmp("net.safetensors"));
    BOOST_TEST(contents.metadata.at("format") == "pt");
    BOOST_TEST(contents.tensors.size() == 4u);  // relu (layer 1) has none, but keeps its index
    const std::vector<std::string> names{"0.weight", "0.bias", "2.weight", "2.bias"};
    const std::vector<std::vector<std::size_t>> shapes{{4, 3}, {4}, {2, 4}, {2}};
    for (std::size_t i = 0; i < 4; ++i) {
        BOOST_TEST(contents.tensors[i].name == names[i]);
        BOOST_TEST(contents.tensors[i].shape == shapes[i], boost::test_tools::per_element());
        BOOST_TEST((contents.tensors[i].type == tg::dtype::f32));
    }
    // Row-major Out x In: element (r, c) of W is at r * In + c.
    BOOST_TEST(contents.find("0.weight")->values<float>()[1 * 3 + 2] == tg::get<0>(p).W(1, 2));
    BOOST_TEST(contents.find("2.bias")->values<float>()[1] == tg::get<2>(p).b[1]);
}

BOOST_AUTO_TEST_CASE(round_trips_in_float_and_double) {
    const auto p = numbered<float>();
    tg::save(p, tmp("float.safetensors"));
    BOOST_TEST(flat(tg::load<net>(tmp("float.safetensors"))) == flat(p), boost::test_tools::per_element());
    const auto q = numbered<double>();
    tg::save(q, tmp("double.safetensors"));
    BOOST_TEST((tg::read_safetensors(tmp("double.safetensors")).tensors[0].type == tg::dtype::f64));
    BOOST_TEST(flat(tg::load<net, double>(tmp("double.safetensors"))) == flat(q), boost::test_tools::per_element());
    tg::params<net, double> r{};
    tg::load(r, tmp("double.safetensors"));
    BOOST_TEST(flat(r) == flat(q), boost::test_tools::per_element());
    BOOST_TEST(flat(q).size() == net::param_count);
}

BOOST_AUTO_TEST_CASE(loads_from_bytes_in_memory) {
    const auto p = numbered<float>();
    std::vector<tg::named_tensor> tensors;
    tg::for_each_tensor([&](std::size_t layer, std::string_view name, const auto& t) {
        tensors.push_back(tg::named_tensor::from<float>(std::to_string(layer) + "." + std::string(name),
                                                        {t.size()}, std::span<const float>(t.data(), t.size())));
    }, p);
    const tg::byte_buffer bytes = tg::encode_safetensors(tensors);
    tg::params<net> q{};
    const auto text = message_of<tg::weights_mismatch_error>([&] { tg::load(q, tg::parse_safetensors(bytes, "flat"), "flat"); });
    BOOST_TEST(contains(text, "weights file 'flat' does not fit the network: 2 mismatches"));
    BOOST_TEST(contains(text, "\n  tensor '0.weight': shape [12], expected [4, 3]"));
    BOOST_TEST(contains(text, "\n  tensor '2.weight': shape [8], expected [2, 4]"));
    tg::save(p, tmp("memory.safetensors"));
    tg::load(q, tg::parse_safetensors(tg::read_file(tmp("memory.safetensors")), "memory"), "memory");
    BOOST_TEST(flat(q) == flat(p), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(every_mismatch_is_listed_and_the_parameters_stay_as_they_were) {
    // Another network: a wider first layer, and a third dense layer the file does not have.
    using other = tg::sequential<tg::dense<3, 5>, tg::relu, tg::dense<5, 2>, tg::relu, tg::dense<2, 2>>;
    tg::save(numbered<float>(), tmp("small.safetensors"));
    tg::params<other> p{};
    tg::get<4>(p).b[0] = 42;
    const auto text = message_of<tg::weights_mismatch_error>([&] { tg::load(p, tmp("small.safetensors")); });
    BOOST_TEST(contains(text, "weights file '" + tmp("small.safetensors").string() + "' does not fit the network: 5 mismatches"));
    BOOST_TEST(contains(text, "\n  tensor '0.weight': shape [4, 3], expected [5, 3]"));
    BOOST_TEST(contains(text, "\n  tensor '0.bias': shape [4], expected [5]"));
    BOOST_TEST(contains(text, "\n  tensor '2.weight': shape [2, 4], expected [2, 5]"));
    BOOST_TEST(contains(text, "\n  missing tensor '4.weight', expected F32 shape [2, 2]"));
    BOOST_TEST(contains(text, "\n  missing tensor '4.bias', expected F32 shape [2]"));
    BOOST_TEST(tg::get<4>(p).b[0] == 42.0f);
    BOOST_TEST(tg::get<0>(p).W(0, 0) == 0.0f);
}

BOOST_AUTO_TEST_CASE(extra_tensors_and_wrong_dtypes_are_mismatches) {
    using small = tg::sequential<tg::dense<3, 4>>;
    tg::save(numbered<double>(), tmp("big.safetensors"));
    const auto text = message_of<tg::weights_mismatch_error>([] { tg::load<small>(tmp("big.safetensors")); });
    BOOST_TEST(contains(text, "4 mismatches"));
    BOOST_TEST(contains(text, "\n  tensor '0.weight': dtype F64, expected F32"));
    BOOST_TEST(contains(text, "\n  tensor '0.bias': dtype F64, expected F32"));
    BOOST_TEST(contains(text, "\n  unexpected tensor '2.weight' (F64 shape [2, 4]), which the network does not have"));
    BOOST_TEST(contains(text, "\n  unexpected tensor '2.bias' (F64 shape [2]), which the network does not have"));
}

// Contents built by hand (not parsed from a file, which checks them) whose tensors hold fewer or more
// bytes than their dtype and shape give are mismatches, not reads past the end of the data; and a long
// unexpected name is cut in the message.
BOOST_AUTO_TEST_CASE(contents_whose_data_do_not_match_their_shape_are_mismatches) {
    const auto p = numbered<float>();
    tg::safetensors_contents contents;
    tg::for_each_tensor([&](std::size_t layer, std::string_view name, const auto& t) {
        contents.tensors.push_back(tg::named_tensor::from<float>(std::to_string(layer) + "." + std::string(name),
                                                                 tg::detail::tensor_shape(t),
                                                                 std::span<const float>(t.data(), t.size())));
    }, p);
    contents.tensors[0].data.resize(1);  // 0.weight: 1 byte of 48
    contents.tensors[1].data.resize(20);  // 0.bias: 20 bytes of 16
    contents.tensors.push_back({std::string(300, 'x'), tg::dtype::f32, {1}, tg::byte_buffer(4)});
    tg::params<net> q{};
    const auto text = message_of<tg::weights_mismatch_error>([&] { tg::load(q, contents, "built"); });
    BOOST_TEST(contains(text, "weights file 'built' does not fit the network: 3 mismatches"));
    BOOST_TEST(contains(text, "\n  tensor '0.weight': 1 data bytes, expected 48 for F32 shape [4, 3]"));
    BOOST_TEST(contains(text, "\n  tensor '0.bias': 20 data bytes, expected 16 for F32 shape [4]"));
    BOOST_TEST(contains(text, "\n  unexpected tensor '" + std::string(80, 'x') + "...' (300 bytes) (F32 shape [1])"));
    BOOST_TEST(flat(q) == flat(tg::params<net>{}), boost::test_tools::per_element());
}

// A file name of 245 bytes (255 is the most most file systems allow) saves and loads: the temporary
// file next to it is named after it, cut short, not after all of it.
BOOST_AUTO_TEST_CASE(a_long_file_name_saves) {
    const fs::path dir = tmp("long-name");
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path path = dir / (std::string(242, 'n') + ".st");
    const auto p = numbered<float>();
    tg::save(p, path);
    tg::save(p, path);  // over the first one
    BOOST_TEST(flat(tg::load<net>(path)) == flat(p), boost::test_tools::per_element());
    BOOST_TEST(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}) == 1);  // no temporary left
}

// Every binary16 and bfloat16 bit pattern decodes to the value its fields give: (-1)^s · 2^(e - bias) ·
// (1 + f / 2^bits), or 2^(1 - bias) · f / 2^bits below the smallest exponent; infinities and NaNs.
BOOST_AUTO_TEST_CASE(every_half_and_bfloat16_pattern_decodes_exactly) {
    const auto reference = [](unsigned bits, int exponent_bits, int fraction_bits) {
        const int bias = (1 << (exponent_bits - 1)) - 1, all_ones = (1 << exponent_bits) - 1;
        const int e = (bits >> fraction_bits) & all_ones;
        const double f = bits & ((1u << fraction_bits) - 1), sign = bits >> (exponent_bits + fraction_bits) ? -1 : 1;
        if (e == all_ones) return f == 0 ? sign * INFINITY : NAN;
        if (e == 0) return sign * std::ldexp(f, 1 - bias - fraction_bits);
        return sign * std::ldexp(1 + std::ldexp(f, -fraction_bits), e - bias);
    };
    std::size_t wrong = 0;
    for (unsigned bits = 0; bits < 0x10000; ++bits) {
        for (const auto& [decoded, expected] :
             {std::pair{tg::detail::half_to_float(bits), reference(bits, 5, 10)},
              std::pair{tg::detail::bfloat16_to_float(bits), reference(bits, 8, 7)}}) {
            const bool same = std::isnan(expected) ? std::isnan(decoded)
                                                   : double{decoded} == expected && std::signbit(decoded) == std::signbit(expected);
            wrong += !same;
        }
    }
    BOOST_TEST(wrong == 0u);
    BOOST_TEST(tg::detail::half_to_float(0x3c00) == 1.0f);
    BOOST_TEST(tg::detail::half_to_float(0x0001) == 0x1p-24f);  // the smallest subnormal
    BOOST_TEST(tg::detail::bfloat16_to_float(0x3f80) == 1.0f);
}

// A file of half-precision weights (as PyTorch saves a .half() model) loads into float or double
// parameters when asked to widen; F32 loads into double the same way. Without the option, and for
// F64 into float, the mismatch says what to do.
BOOST_AUTO_TEST_CASE(narrower_floating_dtypes_load_when_asked_to_widen) {
    const auto p = numbered<float>();  // multiples of 1/8 up to 4.5: exact in F16 and BF16
    for (const tg::dtype type : {tg::dtype::f16, tg::dtype::bf16}) {
        std::vector<tg::named_tensor> tensors;
        for (const tg::named_tensor& t : tg::detail::params_tensors(p)) {  // F32 as tg::save writes it
            const std::vector<float> values = t.values<float>();
            tg::named_tensor stored{t.name, type, t.shape, tg::byte_buffer(2 * values.size())};
            for (std::size_t i = 0; i < values.size(); ++i) {  // the upper half of the float, or binary16's fields
                const auto f = std::bit_cast<std::uint32_t>(values[i]);
                const auto h = static_cast<std::uint16_t>(
                    type == tg::dtype::bf16 ? f >> 16 : (f >> 16 & 0x8000) | (((f >> 23 & 0xff) - 112) << 10) | (f >> 13 & 0x3ff));
                std::memcpy(stored.data.data() + 2 * i, &h, 2);
            }
            tensors.push_back(std::move(stored));
        }
        tg::write_safetensors(tmp("half.safetensors"), tensors);
        BOOST_TEST(flat(tg::load<net>(tmp("half.safetensors"), tg::dtype_conversion::widen)) == flat(p),
                   boost::test_tools::per_element());
        const auto q = tg::load<net, double>(tmp("half.safetensors"), tg::dtype_conversion::widen);
        BOOST_TEST(flat(q) == flat(numbered<double>()), boost::test_tools::per_element());
        const auto text = message_of<tg::weights_mismatch_error>([] { tg::load<net>(tmp("half.safetensors")); });
        BOOST_TEST(contains(text, "\n  tensor '0.weight': dtype " + std::string(tg::dtype_name(type)) +
                                      ", expected F32 (tg::dtype_conversion::widen converts it exactly)"));
    }
    tg::save(p, tmp("float.safetensors"));
    BOOST_TEST(flat(tg::load<net, double>(tmp("float.safetensors"), tg::dtype_conversion::widen)) == flat(numbered<double>()),
               boost::test_tools::per_element());
    tg::save(numbered<double>(), tmp("double.safetensors"));
    tg::params<net> r = p;
    const auto text = message_of<tg::weights_mismatch_error>([&] { tg::load(r, tmp("double.safetensors"), tg::dtype_conversion::widen); });
    BOOST_TEST(contains(text, "\n  tensor '0.weight': dtype F64, expected F32 (narrowing would round: load into double parameters)"));
    BOOST_TEST(flat(r) == flat(p), boost::test_tools::per_element());
}

// A save through a symbolic link replaces the link's target and keeps the link; a file keeps its
// permission bits (0600 stays 0600).
BOOST_AUTO_TEST_CASE(saving_writes_through_a_symlink_and_keeps_the_mode) {
    const fs::path dir = tmp("links");
    fs::remove_all(dir);
    fs::create_directories(dir / "real");
    const fs::path target = dir / "real" / "w.safetensors", link = dir / "w.safetensors";
    tg::save(tg::params<net, float>{}, target);
    fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write);
    fs::create_symlink(fs::path("real") / "w.safetensors", link);  // relative, as ln -s makes them
    const auto p = numbered<float>();
    tg::save(p, link);
    BOOST_TEST(fs::is_symlink(fs::symlink_status(link)));
    BOOST_TEST(flat(tg::load<net>(target)) == flat(p), boost::test_tools::per_element());
    BOOST_TEST(static_cast<unsigned>(fs::status(target).permissions() & fs::perms::all) == 0600u);
    BOOST_TEST(std::distance(fs::directory_iterator(dir / "real"), fs::directory_iterator{}) == 1);  // no temporary left
    fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    tg::save(tg::params<net, float>{}, target);  // saved directly, the mode stays too
    BOOST_TEST(static_cast<unsigned>(fs::status(target).permissions() & fs::perms::all) == 0640u);
    // A link whose target does not exist yet: the target is created, the link kept.
    fs::create_symlink("later.safetensors", dir / "dangling.safetensors");
    tg::save(p, dir / "dangling.safetensors");
    BOOST_TEST(fs::is_symlink(fs::symlink_status(dir / "dangling.safetensors")));
    BOOST_TEST(flat(tg::load<net>(dir / "later.safetensors")) == flat(p), boost::test_tools::per_element());
}

// A write that fails mid-file (a file-size limit, in a forked child) is an io_error; the old file is
// kept whole and no temporary file is left.
BOOST_AUTO_TEST_CASE(a_write_failing_mid_file_keeps_the_old_file) {
    const fs::path dir = tmp("limited");
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path path = dir / "w.safetensors";
    using wide = tg::sequential<tg::dense<64, 64>>;  // 16 KB of weights
    tg::save(tg::params<wide, float>{}, path);
    const auto size = fs::file_size(path);
    const std::string text = fault_support::in_child(10, [&] {
        std::signal(SIGXFSZ, SIG_IGN);  // a write past the limit then fails with EFBIG instead of killing
        const rlimit limit{4096, 4096};
        ::setrlimit(RLIMIT_FSIZE, &limit);
        auto p = tg::params<wide, float>{};
        tg::get<0>(p).b[0] = 1;
        return message_of<tg::io_error>([&] { tg::save(p, path); });
    });
    BOOST_TEST(contains(text, "cannot save '" + path.string() + "': cannot write the temporary file '"));
    BOOST_TEST(contains(text, "': File too large"));
    BOOST_TEST(fs::file_size(path) == size);
    BOOST_TEST(tg::get<0>(tg::load<wide>(path)).b[0] == 0.0f);
    BOOST_TEST(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}) == 1);
}

namespace {

// Sets or clears a file's or directory's immutable attribute (chattr +i), which stops even root from
// replacing or creating files; false where the filesystem or the process's capabilities do not allow it.
bool set_immutable(const fs::path& path, bool on) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
    if (fd < 0) return false;
    int flags = 0;
    bool done = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
    flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
    done = done && ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    ::close(fd);
    return done;
}

}  // namespace

// A save that cannot replace its target (an immutable file, a directory that is immutable or, for a
// user that is not root, read-only) is an io_error that names the reason, and the old file and the
// directory stay as they were.
BOOST_AUTO_TEST_CASE(an_unwritable_target_is_an_error_and_keeps_the_old_file) {
    using wide = tg::sequential<tg::dense<8, 8>>;
    auto changed = tg::params<wide, float>{};
    tg::get<0>(changed).b[0] = 1;
    const fs::path dir = tmp("unwritable");
    for (const bool whole_directory : {false, true}) {
        fs::remove_all(dir);
        fs::create_directories(dir);
        const fs::path path = dir / "w.safetensors";
        tg::save(tg::params<wide, float>{}, path);
        const fs::path locked = whole_directory ? dir : path;
        const bool immutable = set_immutable(locked, true);
        bool is_locked = immutable;
        if (!is_locked && whole_directory && ::geteuid() != 0) {
            fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
            is_locked = true;
        }
        if (!is_locked) {
            BOOST_TEST_MESSAGE("cannot make " << locked << " unwritable here (no chattr +i): case skipped");
            continue;
        }
        const std::string text = message_of<tg::io_error>([&] { tg::save(changed, path); });
        set_immutable(locked, false);
        fs::permissions(dir, fs::perms::owner_all);
        BOOST_TEST(contains(text, "cannot save '" + path.string() + "': " +
                                      (whole_directory ? "cannot create the temporary file '" : "cannot rename the temporary file '")));
        BOOST_TEST(contains(text, immutable ? "Operation not permitted" : "Permission denied"));
        BOOST_TEST(tg::get<0>(tg::load<wide>(path)).b[0] == 0.0f);
        BOOST_TEST(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}) == 1);
    }
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_safetensors_is_a_format_error) {
    tg::write_file_atomically(tmp("text.safetensors"), std::vector<unsigned char>{'h', 'e', 'l', 'l', 'o'});
    const auto text = message_of<tg::format_error>([] { tg::load<net>(tmp("text.safetensors")); });
    BOOST_TEST(contains(text, "file is 5 bytes, expected at least 8 for the header length"));
    BOOST_TEST(contains(message_of<tg::io_error>([] { tg::load<net>(tmp("none.safetensors")); }),
                        "none.safetensors' for reading: No such file or directory"));
}

BOOST_AUTO_TEST_SUITE_END()
