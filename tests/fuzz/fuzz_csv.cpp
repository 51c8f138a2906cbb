// libFuzzer target for the CSV reader: any text, read as labelled and as regression data, with and
// without a header. Bad input must raise tg::error, nothing else. Fed in two pieces, as read_csv
// feeds a file, the text must give the same dataset or the same error as whole.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <typegrad/io/csv.hpp>

namespace tg = typegrad;

namespace {

// The dataset's values, or the error's message, from parsing `text` cut at `cut`.
std::string outcome(std::string_view text, std::size_t cut) {
    try {
        tg::detail::csv_parser<float, 2, std::size_t> parser("fuzz", {.max_line_bytes = 64});
        parser.feed(text.substr(0, cut));
        parser.feed(text.substr(cut));
        const auto set = std::move(parser).finish();
        std::string values;
        for (std::size_t i = 0; i < set.size(); ++i)
            values += std::to_string(set.inputs[i][0]) + ' ' + std::to_string(set.inputs[i][1]) + ' ' +
                      std::to_string(set.targets[i]) + '\n';
        return values + std::to_string(set.classes);
    } catch (const tg::error& e) {
        return e.what();
    }
}

}  // namespace

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
    if (outcome(text, size / 2) != outcome(text, size)) __builtin_trap();
    return 0;
}
