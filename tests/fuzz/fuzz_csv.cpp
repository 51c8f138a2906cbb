// libFuzzer target for the CSV reader: any text, read as labelled and as regression data, with and
// without a header. Bad input must raise tg::error, nothing else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <typegrad/io/csv.hpp>

namespace tg = typegrad;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        (void)tg::parse_csv<float, 2>(text, "fuzz");
    } catch (const tg::error&) {
    }
    try {
        (void)tg::parse_csv<double, 1, tg::vec<double, 2>>(text, "fuzz", {.header = true, .targets = {0, 2}});
    } catch (const tg::error&) {
    }
    try {
        (void)tg::parse_csv<float, 3>(text, "fuzz", {.header = true, .delimiter = ';', .features = {3, 1, 0}, .classes = 5});
    } catch (const tg::error&) {
    }
    return 0;
}
