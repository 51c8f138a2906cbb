// The processes one tg::fit spans. Alone (the default) it is one process; tg::mpi::fit
// (typegrad/mpi.hpp) runs the same fit on every process of an MPI communicator, each on its shard of
// every batch. fit talks to the others only through a process_group: after each batch it sums the
// processes' tallies (loss, right answers, failures) and then their gradients, and it agrees with them
// before training and after each epoch. A failure on one process reaches the others at the next
// tally, and every process throws.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string_view>

#include <typegrad/layers/batch_parts.hpp>
#include <typegrad/net/params.hpp>

namespace typegrad {

/// What the processes of a fit add up at each meeting: a batch's loss and right answers; the processes
/// whose gradient (after a batch) or parameters (after an epoch) are not finite, that failed, whose
/// epoch callback asks to stop, or whose monitored figure improved this epoch.
struct tally {
    double loss = 0, right = 0, not_finite = 0, failed = 0, stop = 0, better = 0;
};

/// The processes a tg::fit spans (see the header's comment). `sum(t, e)` adds every process's tally
/// into t; when a process failed (e is its exception), every process throws, the failed one e. `sum(g)`
/// adds every process's gradient into g, giving each the same bits. `same(n, what)` throws on every
/// process unless n (a count, an option or a fingerprint) is the same on all; `broadcast(p)` gives every
/// process process 0's parameters; `same_params(p, epoch)` throws unless every process holds the same
/// parameters after that epoch. `batch()` is what batch_parts needs to share values across them.
template <class G, class Net, class T>
concept process_group = requires(G& g, tally& t, std::exception_ptr e, params<Net, T>& grad, std::uint64_t n,
                                  std::string_view what) {
    { g.rank() } -> std::convertible_to<std::size_t>;
    { g.size() } -> std::convertible_to<std::size_t>;
    g.sum(t, e);
    g.sum(grad);
    g.same(n, what);
    g.broadcast(grad);
    g.same_params(grad, n);
    { g.batch() } -> std::convertible_to<const batch_processes*>;
};

namespace detail {

/// A fingerprint of arrays of values (their bytes, 8 at a time, mixed by a multiply and a shift), to
/// tell whether processes hold the same. Defined here, not by the standard library, so that processes
/// built with different ones agree.
struct fingerprint {
    std::uint64_t value = 0x243F6A8885A308D3ull;
    template <class T>
    void add(const T* x, std::size_t n) noexcept {
        const auto* bytes = reinterpret_cast<const unsigned char*>(x);
        const std::size_t size = n * sizeof(T);
        std::size_t i = 0;
        for (; i + 8 <= size; i += 8) mix(load(bytes + i, 8));
        if (i < size) mix(load(bytes + i, size - i));
        mix(size);
    }

private:
    static std::uint64_t load(const unsigned char* p, std::size_t k) noexcept {
        std::uint64_t w = 0;
        std::memcpy(&w, p, k);
        return w;
    }
    void mix(std::uint64_t w) noexcept {
        value = (value ^ w) * 0x9E3779B97F4A7C15ull;
        value ^= value >> 29;
    }
};

/// The fingerprint of a data set's samples and targets.
template <class Data>
std::uint64_t fingerprint_of(const Data& set) noexcept {
    fingerprint f;
    for (std::size_t i = 0; i < set.size(); ++i) {
        f.add(set.inputs[i].data(), Data::input_size);
        if constexpr (Data::labelled) f.add(&set.targets[i], 1);
        else f.add(set.targets[i].data(), set.targets[i].size());
    }
    return f.value;
}

/// One process alone: nothing to add up, and a failure is thrown as it is.
struct one_process {
    static constexpr std::size_t rank() noexcept { return 0; }
    static constexpr std::size_t size() noexcept { return 1; }
    static void sum(tally&, const std::exception_ptr& e) {
        if (e) std::rethrow_exception(e);
    }
    template <class P>
    static void sum(P&) noexcept {}
    static void same(std::uint64_t, std::string_view) noexcept {}
    template <class P>
    static void broadcast(P&) noexcept {}
    template <class P>
    static void same_params(const P&, std::size_t) noexcept {}
    static constexpr const batch_processes* batch() noexcept { return nullptr; }
};

/// Rows [lo, lo + rows) of a batch of `count`: this process's shard of it.
struct shard {
    std::size_t lo, rows;
    template <class G>
    shard(const G& group, std::size_t count) noexcept
        : lo(count * group.rank() / group.size()), rows(count * (group.rank() + 1) / group.size() - lo) {}
};

}  // namespace detail
}  // namespace typegrad
