// What tg::fit reports after each epoch (tg::epoch_report), and how it shows progress: a bar redrawn
// in place while an epoch runs when standard error is a terminal, and one line per epoch otherwise.
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <ostream>
#include <string>

#include <unistd.h>

namespace typegrad {

/// How tg::fit shows progress on std::cerr.
enum class progress {
    automatic,  // a bar on a terminal, a line per epoch otherwise
    bar,        // a bar redrawn in place, then a line per epoch
    lines,      // a line per epoch
    none        // nothing
};

struct epoch_report {
    std::size_t epoch;    // counted from 1
    std::size_t epochs;   // requested in all
    double loss;          // the mean loss per sample, each batch scored before its update
    double accuracy;      // the fraction of samples classified right, measured likewise (labelled data); NaN otherwise
    std::size_t updates;  // optimizer steps made in this epoch
    double seconds;       // wall time of the epoch, validation included
    double validation_loss = std::numeric_limits<double>::quiet_NaN();      // on the validation set, after the epoch
    double validation_accuracy = std::numeric_limits<double>::quiet_NaN();  // likewise (labelled data); NaN otherwise
};

namespace detail {

inline std::string format(const char* fmt, auto... args) {
    char text[160];
    std::snprintf(text, sizeof text, fmt, args...);
    return text;
}

inline std::string epoch_line(const epoch_report& r) {
    std::string line = format("epoch %zu/%zu  loss %.4f", r.epoch, r.epochs, r.loss);
    if (!std::isnan(r.accuracy)) line += format("  accuracy %.4f", r.accuracy);
    if (!std::isnan(r.validation_loss)) line += format("  validation loss %.4f", r.validation_loss);
    if (!std::isnan(r.validation_accuracy)) line += format("  accuracy %.4f", r.validation_accuracy);
    return line + format("  %zu updates  %.2f s", r.updates, r.seconds);
}

/// Draws tg::fit's progress on out.
class progress_printer {
public:
    progress_printer(progress style, std::ostream& out) : out_(out) {
        if (style == progress::automatic) style = isatty(STDERR_FILENO) ? progress::bar : progress::lines;
        bar_ = style == progress::bar;
        lines_ = style != progress::none;
    }

    /// After batch `done` of `batches` in an epoch; redraws the bar at most ten times a second.
    void batch(std::size_t epoch, std::size_t epochs, std::size_t done, std::size_t batches, double mean_loss) {
        if (!bar_) return;
        const auto now = std::chrono::steady_clock::now();
        if (done != batches && now - drawn_ < std::chrono::milliseconds(100)) return;
        drawn_ = now;
        constexpr std::size_t width = 30;
        const std::size_t filled = done * width / batches;
        out_ << '\r'
             << format("epoch %zu/%zu [%s%s] %zu/%zu  loss %.4f", epoch, epochs, std::string(filled, '#').c_str(),
                       std::string(width - filled, '.').c_str(), done, batches, mean_loss)
             << std::flush;
    }

    void epoch(const epoch_report& r) {
        if (!lines_) return;
        if (bar_) out_ << "\r\033[K";  // clears the bar's line
        out_ << epoch_line(r) << std::endl;
    }

private:
    std::ostream& out_;
    bool bar_ = false, lines_ = false;
    std::chrono::steady_clock::time_point drawn_{};
};

}  // namespace detail
}  // namespace typegrad
