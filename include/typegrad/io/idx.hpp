// IDX files, the format of MNIST and Fashion-MNIST: unsigned-byte images (3 dimensions) and labels
// (1 dimension), plain or gzip-compressed, and the dataset<T, In> an images + labels pair makes,
// with pixels scaled to [0, 1].
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <typegrad/core/error.hpp>
#include <typegrad/core/scalar.hpp>
#include <typegrad/io/file.hpp>
#include <typegrad/train/dataset.hpp>

namespace typegrad {

/// The images of an IDX file: `count` images of rows x cols bytes, one after the other, row-major.
struct idx_images {
    std::size_t count = 0;
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::vector<std::uint8_t> pixels;

    std::span<const std::uint8_t> image(std::size_t i) const noexcept {
        return std::span(pixels).subspan(i * rows * cols, rows * cols);
    }
};

namespace detail {

[[noreturn]] inline void idx_error(std::string_view name, std::size_t offset, const std::string& text) {
    throw format_error(message("IDX file '", name, "', byte ", offset, ": ", text));
}

// The shape an IDX header gives: its dimensions and the number of data bytes they need.
struct idx_shape {
    std::vector<std::size_t> dims;
    std::size_t header = 0;  // bytes
    std::size_t data = 0;    // bytes, valid unless overflow
    bool overflow = false;   // the dimensions' product does not fit in size_t
    std::string text;        // "3 x 28 x 28"
};

// Checks an IDX header of unsigned bytes with `rank` dimensions (the bytes may stop after it) and
// returns its shape. `what` names the contents.
inline idx_shape parse_idx_shape(std::span<const unsigned char> bytes, std::string_view name, unsigned rank,
                                 std::string_view what) {
    auto fail = [&](std::size_t offset, const std::string& text) { idx_error(name, offset, text); };
    if (bytes.size() < 4)
        fail(bytes.size(), message("file ends after ", bytes.size(), " bytes, expected a 4-byte IDX magic number"));
    if (bytes[0] != 0 || bytes[1] != 0)
        fail(0, message("not an IDX file: magic number starts with ", unsigned{bytes[0]}, " ", unsigned{bytes[1]},
                        ", expected 0 0"));
    if (bytes[2] != 0x08)
        fail(2, message("element type code ", unsigned{bytes[2]}, " is not supported, expected 8 (unsigned bytes)"));
    if (bytes[3] != rank)
        fail(3, message("file has ", unsigned{bytes[3]}, " dimensions, expected ", rank, " for ", what));
    idx_shape shape{std::vector<std::size_t>(rank), 4 + 4 * std::size_t{rank}, 1, false, {}};
    if (bytes.size() < shape.header)
        fail(bytes.size(), message("file ends inside the header, expected ", shape.header, " header bytes for ", rank,
                                   " dimensions"));
    for (unsigned d = 0; d < rank; ++d) {
        const unsigned char* p = bytes.data() + 4 + 4 * d;
        const std::size_t n = std::size_t{p[0]} << 24 | std::size_t{p[1]} << 16 | std::size_t{p[2]} << 8 | p[3];
        shape.dims[d] = n;
        if (n != 0 && shape.data > SIZE_MAX / n) shape.overflow = true;
        else shape.data *= n;
        if (d) shape.text += " x ";
        shape.text += std::to_string(n);
    }
    return shape;
}

// Checks an IDX header of unsigned bytes with `rank` dimensions and that the data after it has
// exactly the size the dimensions give; returns the dimensions. `whole` is false when the reader
// stopped reading one byte past the data the header gives (a bounded decompression), so the
// number of bytes beyond is unknown.
inline std::vector<std::size_t> parse_idx_header(std::span<const unsigned char> bytes, std::string_view name,
                                                 unsigned rank, std::string_view what, bool whole = true) {
    const idx_shape shape = parse_idx_shape(bytes, name, rank, what);
    auto fail = [&](std::size_t offset, const std::string& text) { idx_error(name, offset, text); };
    const std::size_t data = bytes.size() - shape.header;
    if (shape.overflow || data < shape.data)
        fail(bytes.size(), message("file is truncated: ", what, " of shape ", shape.text, " need ",
                                   shape.overflow ? std::string("more than SIZE_MAX") : std::to_string(shape.data),
                                   " data bytes after the ", shape.header, "-byte header, found ", data));
    if (data > shape.data)
        fail(shape.header + shape.data,
             message(whole ? std::to_string(data - shape.data) : std::string("more"), " unexpected bytes after the data of ",
                     what, " of shape ", shape.text, ", expected the end of the file"));
    return shape.dims;
}

}  // namespace detail

namespace detail {
inline idx_images idx_images_from(std::span<const unsigned char> bytes, std::string_view name, bool whole) {
    const auto dims = parse_idx_header(bytes, name, 3, "images", whole);
    return {dims[0], dims[1], dims[2], std::vector<std::uint8_t>(bytes.begin() + 16, bytes.end())};
}
inline std::vector<std::uint8_t> idx_labels_from(std::span<const unsigned char> bytes, std::string_view name,
                                                 bool whole) {
    parse_idx_header(bytes, name, 1, "labels", whole);
    return std::vector<std::uint8_t>(bytes.begin() + 8, bytes.end());
}
}  // namespace detail

/// Parses the bytes of an IDX images file (magic 0 0 8 3); `name` names it in error messages.
inline idx_images parse_idx_images(std::span<const unsigned char> bytes, std::string_view name) {
    return detail::idx_images_from(bytes, name, true);
}

/// Parses the bytes of an IDX labels file (magic 0 0 8 1).
inline std::vector<std::uint8_t> parse_idx_labels(std::span<const unsigned char> bytes, std::string_view name) {
    return detail::idx_labels_from(bytes, name, true);
}

namespace detail {

// The bytes of an IDX file with `rank` dimensions, decompressed when it is gzip-compressed, and
// its name for messages (offsets in a compressed file count decompressed bytes). A compressed file
// is inflated only as far as its header says it holds data, and one byte more to tell that it holds
// more: memory stays within what the header claims, whatever the stream would expand to. A header
// that claims more than the compressed bytes can hold is refused before anything more is inflated.
struct idx_bytes {
    byte_buffer bytes;
    std::string name;
    bool whole = true;  // false: decompression stopped one byte past the data the header gives
};

// Deflate expands its input at most 1032 times (a 258-byte match in two bits at best).
inline constexpr std::size_t deflate_max_expansion = 1032;

// Throws unless the data an IDX header claims could be there: no more than fits in memory, and no more
// than `most` bytes when the stream cannot hold more (a compressed file).
inline void check_idx_claim(const idx_shape& shape, std::string_view name, std::string_view what, std::size_t most,
                            std::string_view why) {
    if (shape.overflow || shape.data > most)
        idx_error(name, shape.header,
                  message("file is truncated: ", what, " of shape ", shape.text, " need ",
                          shape.overflow ? std::string("more than SIZE_MAX") : std::to_string(shape.data),
                          " data bytes after the ", shape.header, "-byte header, more than ", why));
}

// The bytes of an IDX file as stored, `raw`, decompressed that way; `source` names the file.
inline idx_bytes decompress_idx(byte_buffer raw, const std::string& source, unsigned rank, std::string_view what) {
    if (!is_gzip(raw)) return {std::move(raw), source};
    const std::string name = source + " (decompressed)";
    const std::size_t header = 4 + 4 * std::size_t{rank};
    const idx_shape shape = parse_idx_shape(gunzip(raw, source, header), name, rank, what);
    const std::size_t most = raw.size() > SIZE_MAX / deflate_max_expansion ? SIZE_MAX : raw.size() * deflate_max_expansion;
    check_idx_claim(shape, name, what, most,
                    message("the ", raw.size(), " compressed bytes can hold (deflate expands at most ",
                            deflate_max_expansion, " times)"));
    const std::size_t limit = shape.data > SIZE_MAX - header - 1 ? SIZE_MAX : header + shape.data + 1;
    byte_buffer bytes = gunzip(raw, source, limit);
    const bool whole = bytes.size() < limit;
    return {std::move(bytes), name, whole};
}

// A plain file is read the same way: its header, then the data it gives and one byte more, so a
// device or a file with gigabytes after the data costs no more than the header claims.
inline idx_bytes read_idx_bytes(const std::filesystem::path& path, unsigned rank, std::string_view what) {
    input_file in(path);
    byte_buffer bytes;
    const std::size_t header = 4 + 4 * std::size_t{rank};
    in.read(bytes, header);
    if (is_gzip(bytes)) {
        while (in.read(bytes, 1 << 20) > 0) {}
        return decompress_idx(std::move(bytes), path.string(), rank, what);
    }
    const idx_shape shape = parse_idx_shape(bytes, path.string(), rank, what);
    check_idx_claim(shape, path.string(), what, SIZE_MAX, "fits in memory");
    const std::size_t limit = shape.data == SIZE_MAX ? SIZE_MAX : shape.data + 1;
    const bool whole = in.read(bytes, limit) < limit;
    return {std::move(bytes), path.string(), whole};
}

}  // namespace detail

/// Reads an IDX images file, plain or gzip-compressed. Throws io_error or format_error.
inline idx_images read_idx_images(const std::filesystem::path& path) {
    const detail::idx_bytes file = detail::read_idx_bytes(path, 3, "images");
    return detail::idx_images_from(file.bytes, file.name, file.whole);
}

/// Reads an IDX labels file, plain or gzip-compressed. Throws io_error or format_error.
inline std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& path) {
    const detail::idx_bytes file = detail::read_idx_bytes(path, 1, "labels");
    return detail::idx_labels_from(file.bytes, file.name, file.whole);
}

/// Pairs images with labels: inputs are the pixels divided by 255 (so in [0, 1]), targets the
/// labels. Throws value_error when the image size is not In, the counts differ, or a label is
/// not below `classes`; the names identify the two sources in messages.
template <scalar T = float, std::size_t In = 784>
dataset<T, In> make_idx_dataset(const idx_images& images, std::span<const std::uint8_t> labels,
                                std::size_t classes, std::string_view images_name = "images",
                                std::string_view labels_name = "labels") {
    if (images.rows * images.cols != In)
        throw value_error(detail::message("IDX images '", images_name, "': images are ", images.rows, " x ",
                                          images.cols, " = ", images.rows * images.cols, " pixels, expected ", In));
    if (images.count != labels.size())
        throw value_error(detail::message("IDX images '", images_name, "' hold ", images.count,
                                          " images but labels '", labels_name, "' hold ", labels.size(),
                                          " labels, expected one label per image"));
    dataset<T, In> set;
    set.classes = classes;
    set.inputs.resize(images.count);
    set.targets.resize(images.count);
    for (std::size_t i = 0; i < images.count; ++i) {
        if (labels[i] >= classes)
            throw value_error(detail::message("IDX labels '", labels_name, "', byte ", 8 + i, ": label of sample ", i,
                                              " is ", unsigned{labels[i]}, ", expected a label below ", classes));
        set.targets[i] = labels[i];
        const auto image = images.image(i);
        for (std::size_t j = 0; j < In; ++j) set.inputs[i][j] = static_cast<T>(image[j]) / T{255};
    }
    return set;
}

/// Reads an IDX images + labels pair (e.g. Fashion-MNIST's train-images-idx3-ubyte.gz and
/// train-labels-idx1-ubyte.gz) into a dataset<T, In>, as make_idx_dataset does.
template <scalar T = float, std::size_t In = 784>
dataset<T, In> read_idx_dataset(const std::filesystem::path& images_path, const std::filesystem::path& labels_path,
                                std::size_t classes = 10) {
    const idx_images images = read_idx_images(images_path);
    const std::vector<std::uint8_t> labels = read_idx_labels(labels_path);
    return make_idx_dataset<T, In>(images, labels, classes, images_path.string(), labels_path.string());
}

}  // namespace typegrad
