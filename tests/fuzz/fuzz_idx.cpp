// libFuzzer target for the IDX reader: any bytes, plain or gzip, parsed as images and as labels,
// and turned into a dataset when they fit one. Bad input must raise tg::error, nothing else.
#include <cstddef>
#include <cstdint>

#include <typegrad/io/idx.hpp>

namespace tg = typegrad;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        // Decompressed as read_idx_labels and read_idx_images do: no further than the header says.
        const tg::byte_buffer raw(data, data + size);
        try {
            const auto file = tg::detail::decompress_idx(raw, "fuzz", 1, "labels");
            const auto labels = tg::detail::idx_labels_from(file.bytes, file.name, file.whole);
            (void)tg::make_idx_dataset<float, 1>({labels.size(), 1, 1, labels}, labels, 200);
        } catch (const tg::error&) {
        }
        const auto file = tg::detail::decompress_idx(raw, "fuzz", 3, "images");
        const auto images = tg::detail::idx_images_from(file.bytes, file.name, file.whole);
        if (images.rows * images.cols == 4) {  // otherwise count may be huge with no data to back it
            const std::vector<std::uint8_t> labels(images.count, 1);
            (void)tg::make_idx_dataset<double, 4>(images, labels, 10);
        }
    } catch (const tg::error&) {
    }
    return 0;
}
