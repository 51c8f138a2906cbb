// Whole files as bytes: reading (gzip-compressed files are decompressed transparently, with zlib)
// and atomic, durable writing (a temporary file in the same directory, fsynced, renamed, then the
// directory fsynced), so an interrupted save never destroys the previous file. Every typegrad
// reader and writer goes through here.
#pragma once

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#if __has_include(<unistd.h>)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <typegrad/core/error.hpp>

namespace typegrad {

using byte_buffer = std::vector<unsigned char>;

/// True when the bytes start with the gzip magic number 1f 8b.
inline bool is_gzip(std::span<const unsigned char> bytes) noexcept {
    return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

/// A file open for reading, closed when it goes out of scope.
struct input_file {
    struct closer {
        void operator()(std::FILE* f) const noexcept { std::fclose(f); }
    };
    std::unique_ptr<std::FILE, closer> handle;
    std::filesystem::path path;

    /// Opens the file; throws io_error naming it and the system's reason.
    explicit input_file(const std::filesystem::path& p) : handle(std::fopen(p.c_str(), "rb")), path(p) {
        if (!handle)
            throw io_error(detail::message("cannot open '", path.string(), "' for reading: ", std::strerror(errno)));
    }
    /// Appends up to n more bytes to `out`, fewer only at the end of the file, a chunk at a time (so a
    /// stream that claims more than it holds costs no more than it holds); returns how many.
    std::size_t read(byte_buffer& out, std::size_t n) {
        std::size_t total = 0;
        while (total < n) {
            const std::size_t want = std::min<std::size_t>(n - total, 1 << 20), used = out.size();
            out.resize(used + want);
            const std::size_t got = std::fread(out.data() + used, 1, want, handle.get());
            out.resize(used + got);
            total += got;
            if (got < want) break;
        }
        if (std::ferror(handle.get()))
            throw io_error(detail::message("cannot read '", path.string(), "': ", std::strerror(errno)));
        return total;
    }
    /// The file's size when it is a regular file; SIZE_MAX for a pipe, a device or the like.
    std::uint64_t size() const {
        std::error_code failed;
        const auto status = std::filesystem::status(path, failed);
        if (failed || !std::filesystem::is_regular_file(status)) return UINT64_MAX;
        const auto bytes = std::filesystem::file_size(path, failed);
        return failed ? UINT64_MAX : bytes;
    }
};

/// The file's bytes, as stored. Throws io_error naming the file and the system's reason.
inline byte_buffer read_file(const std::filesystem::path& path) {
    input_file file(path);
    byte_buffer bytes;
    while (file.read(bytes, 1 << 20) > 0) {}
    return bytes;
}

/// Inflates one or more concatenated gzip members 64 KiB at a time, handing each piece of output to
/// sink(std::span<const unsigned char>), which returns false to stop there: a reader that has what it
/// needs inflates no further, so a decompression bomb costs it nothing beyond. `name` names the source
/// in messages, which give the compressed byte offset of a corrupt or truncated stream.
template <class Sink>
void gunzip_chunks(std::span<const unsigned char> compressed, std::string_view name, Sink sink) {
    struct inflater {  // ends the stream however the loop is left, a throwing sink included
        z_stream stream{};
        inflater() {
            if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) throw error("zlib: inflateInit2 failed");
        }
        ~inflater() { inflateEnd(&stream); }
    } z;
    byte_buffer chunk(std::size_t{1} << 16);
    std::size_t consumed = 0;  // compressed bytes handed to zlib and used
    for (;;) {
        z.stream.next_in = const_cast<unsigned char*>(compressed.data() + consumed);
        z.stream.avail_in = static_cast<uInt>(std::min<std::size_t>(compressed.size() - consumed, UINT_MAX));
        const uInt offered = z.stream.avail_in;
        z.stream.next_out = chunk.data();
        z.stream.avail_out = static_cast<uInt>(chunk.size());
        const int status = inflate(&z.stream, Z_NO_FLUSH);
        consumed += offered - z.stream.avail_in;
        const std::size_t produced = chunk.size() - z.stream.avail_out;
        if (produced > 0 && !sink(std::span<const unsigned char>(chunk.data(), produced))) return;
        if (status == Z_STREAM_END) {
            if (consumed == compressed.size()) return;
            if (!is_gzip(compressed.subspan(consumed)))
                throw format_error(detail::message("'", name, "': compressed byte ", consumed, ": ",
                                                   compressed.size() - consumed,
                                                   " unexpected bytes after the gzip stream, expected the end "
                                                   "of the file or another gzip member"));
            inflateReset(&z.stream);
        } else if (status == Z_BUF_ERROR && consumed == compressed.size()) {
            throw format_error(detail::message("'", name, "': compressed byte ", consumed,
                                               ": gzip stream is truncated, expected more compressed data"));
        } else if (status != Z_OK && status != Z_BUF_ERROR) {
            throw format_error(detail::message("'", name, "': near compressed byte ", consumed, ": corrupt gzip data (",
                                               z.stream.msg ? z.stream.msg : "unknown zlib error", ")"));
        }
    }
}

/// Decompresses one or more concatenated gzip members, stopping once `max` bytes are out (see
/// gunzip_chunks).
inline byte_buffer gunzip(std::span<const unsigned char> compressed, std::string_view name,
                          std::size_t max = SIZE_MAX) {
    byte_buffer out;
    gunzip_chunks(compressed, name, [&](std::span<const unsigned char> piece) {
        out.insert(out.end(), piece.begin(), piece.begin() + std::min(piece.size(), max - out.size()));
        return out.size() < max;
    });
    return out;
}

namespace detail {
// The file a save to `path` replaces: `path` itself, or the end of its chain of symbolic links (which
// may not exist yet), so that a save through a link writes the link's target and keeps the link.
inline std::filesystem::path save_target(const std::filesystem::path& path) {
    std::filesystem::path target = path;
    std::error_code failed;
    for (int hops = 0; hops < 40 && std::filesystem::is_symlink(std::filesystem::symlink_status(target, failed)); ++hops) {
        const std::filesystem::path next = std::filesystem::read_symlink(target, failed);
        if (failed) break;
        target = next.is_absolute() ? next : target.parent_path() / next;
    }
    return target;
}
}  // namespace detail

/// Writes the bytes to a temporary file next to `path`, flushes it to disk, then renames it over
/// `path` and flushes the directory: readers see either the old file or the new one, never a
/// partial write, and after a power cut the disk holds one or the other. A symbolic link at `path`
/// is written through (its target is replaced; the link stays), and an existing file keeps its
/// permission bits.
inline void write_file_atomically(const std::filesystem::path& path, std::span<const unsigned char> bytes) {
    const std::filesystem::path target = detail::save_target(path);
    // The temporary file is named after the target, cut to 200 bytes (not inside a UTF-8 character),
    // so that with ".tmp-" and up to 20 random digits it stays within the 255 bytes a name may have.
    const std::string stem(detail::utf8_prefix(target.filename().string(), 200));
    std::random_device random;
    const std::filesystem::path temporary =
        target.parent_path() / (stem + ".tmp-" + std::to_string(random()) + std::to_string(random()));
    bool created = false, renamed = false;
    auto fail = [&](std::string_view what, const std::filesystem::path& subject) {
        const std::string reason = std::strerror(errno);
        std::error_code ignored;
        if (created && !renamed) std::filesystem::remove(temporary, ignored);
        throw io_error(detail::message("cannot save '", path.string(), "': ", what, " '", subject.string(),
                                       "': ", reason));
    };
    std::FILE* file = std::fopen(temporary.c_str(), "wbx");  // x: a file of that name is never overwritten
    if (!file) fail("cannot create the temporary file", temporary);
    created = true;
    bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size() && std::fflush(file) == 0;
#if __has_include(<unistd.h>)
    struct stat old;
    if (written && ::stat(target.c_str(), &old) == 0) written = ::fchmod(::fileno(file), old.st_mode & 07777) == 0;
    written = written && ::fsync(::fileno(file)) == 0;
#endif
    written = (std::fclose(file) == 0) && written;
    if (!written) fail("cannot write the temporary file", temporary);
    std::error_code rename_failed;
    std::filesystem::rename(temporary, target, rename_failed);
    if (rename_failed) {
        errno = rename_failed.value();
        fail("cannot rename the temporary file", temporary);
    }
    renamed = true;
#if __has_include(<unistd.h>)
    // The rename is durable once the directory's entry is on disk too.
    const std::filesystem::path directory = target.has_parent_path() ? target.parent_path() : ".";
    const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY);
    const bool synced = dir >= 0 && ::fsync(dir) == 0;
    const int reason = errno;
    if (dir >= 0) ::close(dir);
    errno = reason;
    if (!synced) fail("the new file is in place but cannot flush its directory", directory);
#endif
}

}  // namespace typegrad
