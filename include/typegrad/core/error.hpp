// The exception hierarchy for run-time input: every failure the library reports at run time is a
// tg::error, and its subclasses say which kind of input was wrong.
#pragma once

#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace typegrad {

/// Base of every exception typegrad throws. what() says what was wrong, where, and what was expected.
struct error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A file could not be opened, read or written.
struct io_error : error {
    using error::error;
};

/// A file's contents do not follow its format (IDX, CSV, safetensors, gzip).
struct format_error : error {
    using error::error;
};

/// A value is outside the range a network or a dataset accepts (a label past the class count, ...).
struct value_error : error {
    using error::error;
};

/// A weights file is well formed but does not fit the network type: missing or extra tensor
/// names, wrong dtypes or shapes. One error lists every mismatch.
struct weights_mismatch_error : error {
    using error::error;
};

/// Training produced a non-finite loss.
struct training_error : error {
    using error::error;
};

namespace detail {

/// Joins the pieces of an error message, each written as operator<< writes it.
template <class... Parts>
std::string message(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}

/// The longest prefix of `text` of at most `bytes` bytes that does not cut a UTF-8 character.
inline std::string_view utf8_prefix(std::string_view text, std::size_t bytes) noexcept {
    if (text.size() <= bytes) return text;
    while (bytes > 0 && (static_cast<unsigned char>(text[bytes]) & 0xC0) == 0x80) --bytes;  // a continuation byte
    return text.substr(0, bytes);
}

/// A name or field from an input, as messages quote it: whole up to 80 bytes, else its first 80 (not
/// cutting a UTF-8 character) and its length, so that a 10 MB name does not make a 10 MB message.
inline std::string quoted(std::string_view field) {
    constexpr std::size_t longest = 80;
    if (field.size() <= longest) return message("'", field, "'");
    return message("'", utf8_prefix(field, longest), "...' (", field.size(), " bytes)");
}

/// The problems one error lists: all counted, the first `shown` kept, so that an input with millions
/// of small faults (a hostile file) gives a message of a few kilobytes.
class problem_list {
public:
    static constexpr std::size_t shown = 20;

    void push_back(std::string problem) {
        if (count_++ < shown) kept_.push_back(std::move(problem));
    }
    bool empty() const noexcept { return count_ == 0; }
    std::size_t size() const noexcept { return count_; }

    /// The kept problems, a line each (indented, after a line break), then how many more there are.
    std::string lines() const {
        std::string text;
        for (const auto& p : kept_) text += "\n  " + p;
        if (count_ > kept_.size()) text += message("\n  ... and ", count_ - kept_.size(), " more");
        return text;
    }

private:
    std::vector<std::string> kept_;
    std::size_t count_ = 0;
};

}  // namespace detail
}  // namespace typegrad
