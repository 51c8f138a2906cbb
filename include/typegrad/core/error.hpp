// The exception hierarchy for run-time input: every failure the library reports at run time is a
// tg::error, and its subclasses say which kind of input was wrong.
#pragma once

#include <stdexcept>
#include <string>

namespace typegrad {

/// Base of every exception typegrad throws. what() says what was wrong, where, and what was expected.
struct error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A file could not be opened, read or written.
struct io_error : error {
    using error::error;
};

/// A file's contents do not follow its format (IDX, CSV, safetensors).
struct format_error : error {
    using error::error;
};

/// A value is outside the range a network or a dataset accepts (a label past the class count, ...).
struct value_error : error {
    using error::error;
};

/// Training produced a non-finite loss.
struct training_error : error {
    using error::error;
};

}  // namespace typegrad
