// tg::save_checkpoint(p, opt, epoch, path) and tg::load_checkpoint(p, opt, path): a network's parameters
// together with its optimizer's state (momentum's velocity, Adam's m, v and step, a schedule's counters)
// in one safetensors file, so that training resumes exactly where it stopped. The parameters keep
// tg::save's names, so tg::load reads a checkpoint's parameters as it reads a weights file.
#pragma once

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <typegrad/core/error.hpp>
#include <typegrad/core/scalar.hpp>
#include <typegrad/io/safetensors.hpp>
#include <typegrad/io/weights.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/optim/optimizer.hpp>

namespace typegrad {

namespace detail {

// Shortest text that reads back as the same double.
inline std::string number_text(double x) {
    char text[32];
    return {text, std::to_chars(text, text + sizeof text, x).ptr};
}

// Whether `text` is a whole decimal count, which goes into `count`.
inline bool parse_count(const std::string& text, std::size_t& count) {
    const char* end = text.data() + text.size();
    const auto [ptr, failed] = std::from_chars(text.data(), end, count);
    return failed == std::errc{} && ptr == end;
}

// The optimizer's kinds, outermost first, as one name: "adam", "scheduled<adam>".
inline std::string kind_text(const std::vector<std::string>& kinds) {
    std::string text;
    for (const auto& k : kinds) text += (text.empty() ? "" : "<") + k;
    return text + std::string(kinds.empty() ? 0 : kinds.size() - 1, '>');
}

/// What an optimizer's checkpoint(v) member shows, written as safetensors tensors and metadata: the
/// kind as metadata "optimizer", each hyper-parameter as "optimizer.<name>", each counter as an I64
/// scalar "optimizer.<name>", each state value as "optimizer.<state>.<layer>.<tensor>" and the step
/// count as "optimizer.step".
template <class Net, scalar T>
class checkpoint_writer {
public:
    struct output {
        std::vector<named_tensor> tensors;
        std::map<std::string, std::string> metadata;
        std::vector<std::string> kinds;
    };

    explicit checkpoint_writer(output& out) : out_(&out) {}

    void kind(const char* k) { out_->kinds.emplace_back(k); }
    void hyper_parameter(std::string_view name, double value) { put(name, number_text(value)); }
    void hyper_parameter(std::string_view name, bool value) { put(name, value ? "true" : "false"); }
    void hyper_parameter(std::string_view name, const char* value) { put(name, value); }
    void counter(const char* name, std::size_t value) {
        out_->tensors.push_back(count_tensor(message("optimizer.", name), static_cast<std::int64_t>(value)));
    }
    template <std::size_t K>
    void state(const optimizer_state& s, std::array<std::string_view, K> names) {
        using P = params<Net, T>;
        const P* values = s.template find<K, P>("tg::save_checkpoint");
        std::unique_ptr<std::array<P, K>> zeros;  // before the first step: the zeros it would start from
        if (!values) values = (zeros = std::make_unique<std::array<P, K>>())->data();
        for (std::size_t k = 0; k < K; ++k)
            for_each_tensor(
                [&](std::size_t layer, std::string_view name, const auto& tensor) {
                    out_->tensors.push_back(file_tensor(message("optimizer.", names[k], '.', layer, '.', name), tensor));
                },
                values[k]);
        counter("step", s.steps());
    }
    /// This writer, passing over the hyper-parameter `name`.
    checkpoint_writer ignoring(const char* name) const {
        checkpoint_writer w = *this;
        w.ignored_ = name;
        return w;
    }
    /// This writer, putting `prefix` before the names of hyper-parameters.
    checkpoint_writer within(std::string_view prefix) const {
        checkpoint_writer w = *this;
        w.prefix_ += prefix;
        return w;
    }

private:
    void put(std::string_view name, std::string value) {
        if (name != ignored_) out_->metadata[message("optimizer.", prefix_, name)] = std::move(value);
    }

    output* out_;
    std::string_view ignored_;
    std::string prefix_;
};

/// What an optimizer's checkpoint(v) member shows, checked against a checkpoint's contents: the kind
/// and hyper-parameters against its metadata, the state values and counters as slots to fill. Nothing
/// is changed until commit(), after every check has passed.
template <class Net, scalar T>
class checkpoint_reader {
public:
    struct staging {
        explicit staging(const safetensors_contents& c) : contents(&c) {}

        const safetensors_contents* contents;
        std::vector<std::string> kinds;
        std::vector<std::string> mismatches;  // of hyper-parameters
        problem_list problems;                // of counters, reported with the tensors'
        std::vector<tensor_slot<T>> slots;
        std::vector<counter_slot> counters;
        std::deque<std::int64_t> counts;  // the counters' values, at stable addresses
        std::vector<std::pair<std::size_t*, const std::int64_t*>> count_targets;
        std::vector<std::pair<optimizer_state*, std::unique_ptr<optimizer_state>>> states;
        std::vector<const std::int64_t*> steps;  // of each staged state

        void commit() noexcept {
            for (auto [target, count] : count_targets) *target = static_cast<std::size_t>(*count);
            for (std::size_t i = 0; i < states.size(); ++i) {
                states[i].second->set_steps(static_cast<std::size_t>(*steps[i]));
                *states[i].first = std::move(*states[i].second);
            }
        }
    };

    explicit checkpoint_reader(staging& s) : s_(&s) {}

    void kind(const char* k) { s_->kinds.emplace_back(k); }
    void hyper_parameter(std::string_view name, double value) { check(name, number_text(value)); }
    void hyper_parameter(std::string_view name, bool value) { check(name, value ? "true" : "false"); }
    void hyper_parameter(std::string_view name, const char* value) { check(name, value); }
    void counter(const char* name, std::size_t& value) { s_->count_targets.emplace_back(&value, count(name)); }
    template <std::size_t K>
    void state(optimizer_state& s, std::array<std::string_view, K> names) {
        using P = params<Net, T>;
        auto staged = std::make_unique<optimizer_state>(s);  // a deep copy, committed once all is checked
        P* values = staged->template values<K, P>("tg::load_checkpoint");
        for (std::size_t k = 0; k < K; ++k)
            for_each_tensor(
                [&](std::size_t layer, std::string_view name, auto& tensor) {
                    s_->slots.push_back(slot_of(message("optimizer.", names[k], '.', layer, '.', name), tensor));
                },
                values[k]);
        s_->steps.push_back(count("step"));
        s_->states.emplace_back(&s, std::move(staged));
    }
    checkpoint_reader ignoring(const char* name) const {
        checkpoint_reader r = *this;
        r.ignored_ = name;
        return r;
    }
    checkpoint_reader within(std::string_view prefix) const {
        checkpoint_reader r = *this;
        r.prefix_ += prefix;
        return r;
    }

private:
    void check(std::string_view name, const std::string& value) {
        if (name == ignored_) return;
        const std::string key = message("optimizer.", prefix_, name);
        const auto found = s_->contents->metadata.find(key);
        if (found == s_->contents->metadata.end())
            s_->mismatches.push_back(message("metadata '", key, "' is missing, expected ", value));
        else if (found->second != value)
            s_->mismatches.push_back(message("metadata '", key, "' is ", found->second, ", expected ", value));
    }

    // A slot for the I64 scalar "optimizer.<name>", which must be there and be >= 0.
    const std::int64_t* count(std::string_view name) {
        std::int64_t& value = s_->counts.emplace_back(0);
        std::string key = message("optimizer.", name);
        const named_tensor* t = s_->contents->find(key);
        if (!t) {
            s_->problems.push_back(message("missing tensor '", key, "', expected I64 shape [] (a step count)"));
        } else if (t->type == dtype::i64 && t->shape.empty()) {
            std::int64_t stored;
            std::memcpy(&stored, t->data.data(), 8);
            if (stored < 0)
                s_->problems.push_back(message("tensor '", key, "' is ", stored, ", expected a step count >= 0"));
        }
        s_->counters.push_back({std::move(key), &value, "a step count"});
        return &value;
    }

    staging* s_;
    std::string_view ignored_;
    std::string prefix_;
};

}  // namespace detail

/// @brief O can be saved in a checkpoint and loaded from one: its checkpoint(v) member shows a
/// checkpoint its kind, hyper-parameters and state (the built-in optimizers and tg::scheduled do).
template <class O, class P>
concept checkpointable =
    is_params<P> &&
    requires(const O& o, O& m, detail::checkpoint_writer<typename P::net_type, typename P::value_type>& w,
             detail::checkpoint_reader<typename P::net_type, typename P::value_type>& r) {
        o.checkpoint(w);
        m.checkpoint(r);
    };

/// Saves p and opt's state, after `epoch` epochs of training, as a safetensors file: p's tensors
/// under tg::save's names ("0.weight", ...); opt's state under PyTorch's names prefixed
/// "optimizer." ("optimizer.exp_avg.0.weight", "optimizer.momentum_buffer.0.weight", the step count
/// "optimizer.step", an I64 scalar); and in the metadata the optimizer's kind ("optimizer": "adam"),
/// its hyper-parameters ("optimizer.lr": "0.001", ...) and "epoch". An optimizer that has not
/// stepped yet saves the zeros it would start from. Atomic, as tg::save: an interrupted or failed
/// save keeps the previous file.
template <class Net, scalar T, class Opt>
    requires checkpointable<Opt, params<Net, T>>
void save_checkpoint(const params<Net, T>& p, const Opt& opt, std::size_t epoch, const std::filesystem::path& path) {
    typename detail::checkpoint_writer<Net, T>::output out{detail::params_tensors(p), {{"format", "pt"}}, {}};
    detail::checkpoint_writer<Net, T> writer(out);
    opt.checkpoint(writer);
    out.metadata["optimizer"] = detail::kind_text(out.kinds);
    out.metadata["epoch"] = std::to_string(epoch);
    write_safetensors(path, out.tensors, out.metadata);
}

/// Loads a checkpoint of tg::save_checkpoint into p and opt and returns its epoch, to resume with
/// tg::fit's .initial_epoch. Checks, in this order, each failure a tg::weights_mismatch_error that
/// says what was found and what was expected: that the file holds an optimizer's state at all (a
/// file of tg::save does not); that it is opt's kind ("adam" into tg::momentum is refused); that
/// every hyper-parameter is opt's own (a scheduled optimizer's lr is its schedule's business, so its
/// base_lr is checked instead); then every tensor, as tg::load checks them, with the state values and
/// step counts. p and opt are left unchanged by any failure. Throws io_error or format_error for a
/// file that cannot be read or is not valid safetensors.
template <class Net, scalar T, class Opt>
    requires checkpointable<Opt, params<Net, T>>
std::size_t load_checkpoint(params<Net, T>& p, Opt& opt, const std::filesystem::path& path) {
    const std::string file = path.string();
    const safetensors_contents contents = read_safetensors(path);
    typename detail::checkpoint_reader<Net, T>::staging staged(contents);
    detail::checkpoint_reader<Net, T> reader(staged);
    opt.checkpoint(reader);
    const std::string kind = detail::kind_text(staged.kinds);
    const auto stored = contents.metadata.find("optimizer");
    if (stored == contents.metadata.end())
        throw weights_mismatch_error(detail::message(
            "checkpoint '", file, "' holds no optimizer state (no metadata 'optimizer'), expected that of ", kind,
            ": a file of tg::save holds parameters only; read them with tg::load"));
    if (stored->second != kind)
        throw weights_mismatch_error(detail::message("checkpoint '", file, "' holds the state of optimizer ",
                                                     stored->second, ", expected ", kind));
    if (!staged.mismatches.empty()) {
        std::string text = detail::message("checkpoint '", file, "' was saved with other hyper-parameters of ", kind,
                                           ": ", staged.mismatches.size(),
                                           staged.mismatches.size() == 1 ? " mismatch" : " mismatches");
        for (const auto& m : staged.mismatches) text += "\n  " + m;
        throw weights_mismatch_error(text);
    }
    std::size_t epoch = 0;
    const auto epoch_text = contents.metadata.find("epoch");
    if (epoch_text == contents.metadata.end() || !detail::parse_count(epoch_text->second, epoch))
        throw format_error(detail::message(
            "checkpoint '", file, "': metadata 'epoch' is ",
            epoch_text == contents.metadata.end() ? std::string("missing") : "'" + epoch_text->second + "'",
            ", expected the number of epochs trained"));
    std::vector<detail::tensor_slot<T>> slots;
    std::vector<detail::counter_slot> counters;
    detail::params_slots(p, slots, counters);
    slots.insert(slots.end(), staged.slots.begin(), staged.slots.end());
    counters.insert(counters.end(), staged.counters.begin(), staged.counters.end());
    detail::fill_slots<T>(contents, slots, counters, file, dtype_conversion::exact, {}, std::move(staged.problems));
    staged.commit();
    return epoch;
}

}  // namespace typegrad
