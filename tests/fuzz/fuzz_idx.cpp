// libFuzzer target for the IDX reader: any bytes, plain or gzip, parsed as images and as labels,
// and turned into a dataset when they fit one. Bad input must raise tg::error, nothing else.
#include <cstddef>
#include <cstdint>

#include <typegrad/io/idx.hpp>

namespace tg = typegrad;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        std::span<const unsigned char> bytes(data, size);
        const tg::byte_buffer unpacked = tg::is_gzip(bytes) ? tg::gunzip(bytes, "fuzz") : tg::byte_buffer(data, data + size);
        try {
            const auto labels = tg::parse_idx_labels(unpacked, "fuzz");
            (void)tg::make_idx_dataset<float, 1>({labels.size(), 1, 1, labels}, labels, 200);
        } catch (const tg::error&) {
        }
        const auto images = tg::parse_idx_images(unpacked, "fuzz");
        if (images.rows * images.cols == 4) {  // otherwise count may be huge with no data to back it
            const std::vector<std::uint8_t> labels(images.count, 1);
            (void)tg::make_idx_dataset<double, 4>(images, labels, 10);
        }
    } catch (const tg::error&) {
    }
    return 0;
}
