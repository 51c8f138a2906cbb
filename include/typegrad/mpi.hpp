// typegrad::mpi: data-parallel tg::fit over the processes of an MPI job (Open MPI through Boost.MPI).
// Its own CMake target, typegrad::mpi, found when MPI and Boost.MPI are installed; the rest of
// typegrad does not include this header.
//
//     int main(int argc, char** argv) {
//         tg::mpi::session mpi(argc, argv);   // MPI_Init … MPI_Finalize
//         …                                   // every process loads the same data and options
//         tg::mpi::fit<net>(mpi, p, train, loss, opt, options, [&](const tg::epoch_report&) {
//             if (mpi.root()) tg::save(p, "model.safetensors");
//         });
//     }
//
// run as `mpirun -np 4 ./train`. Every process shuffles the samples the same way (the same seed) and
// takes its shard of every batch of options.batch_size: rows [count·rank / size, count·(rank + 1) / size).
// Its threads split the shard as tg::fit's split a batch. After each batch the processes sum their
// gradients with MPI_Allreduce, and each makes the same optimizer step, so every process holds the
// same parameters; batch_norm's statistics are those of the whole batch (as PyTorch's SyncBatchNorm).
// The loss, right answers, epoch reports and the early-stopping decisions are the whole batch's on
// every process, and only rank 0 shows progress. A process that fails (bad data, a callback that
// throws) tells the others at the next meeting (after its batch, or at the end of the epoch), and every
// process throws: the failed one its own error, the others tg::mpi::rank_error with its message.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <mpi.h>

#include <typegrad/core/error.hpp>
#include <typegrad/train/fit.hpp>
#include <typegrad/train/processes.hpp>

namespace typegrad::mpi {

/// Thrown on every other process when one process of a tg::mpi::fit fails: which one, and its message.
class rank_error : public error {
public:
    rank_error(std::size_t rank, std::size_t size, const std::string& what)
        : error(detail::message("tg::mpi::fit: process ", rank, " of ", size, " failed: ", what)), rank_(rank) {}
    std::size_t rank() const noexcept { return rank_; }

private:
    std::size_t rank_;
};

/// The time a process spent summing gradients with the others, and the bytes it summed.
struct traffic {
    double seconds = 0;
    std::size_t bytes = 0, batches = 0;
};

/// MPI for the life of the object (MPI_Init_thread with MPI_THREAD_SERIALIZED, then MPI_Finalize),
/// and the processes of MPI_COMM_WORLD. One per program, made before any other MPI call.
class session {
public:
    session(int& argc, char**& argv) : environment_(argc, argv, boost::mpi::threading::serialized) { check_threading(); }
    session() : environment_(boost::mpi::threading::serialized) { check_threading(); }
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    std::size_t rank() const { return std::size_t(world_.rank()); }
    std::size_t size() const { return std::size_t(world_.size()); }
    bool root() const { return world_.rank() == 0; }  // the process that shows progress and saves
    const boost::mpi::communicator& communicator() const noexcept { return world_; }

    /// What every tg::mpi::fit of this session has summed so far on this process (nothing when it runs alone).
    const mpi::traffic& traffic() const noexcept { return traffic_; }
    mpi::traffic& traffic() noexcept { return traffic_; }

private:
    void check_threading() const {
        // batch_norm's statistics are shared by whichever thread of a process arrives last.
        if (environment_.thread_level() < boost::mpi::threading::serialized)
            throw error("tg::mpi::session: the MPI library does not support MPI_THREAD_SERIALIZED, which "
                        "tg::mpi::fit needs (its threads take turns to talk to the other processes)");
    }

    boost::mpi::environment environment_;
    boost::mpi::communicator world_;
    mpi::traffic traffic_;
};

namespace detail {

template <class T>
MPI_Datatype datatype() noexcept {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "tg::mpi: parameters are float or double");
    return std::is_same_v<T, float> ? MPI_FLOAT : MPI_DOUBLE;
}

inline int count_of(std::size_t n, std::string_view what) {
    if (n > std::size_t(std::numeric_limits<int>::max()))
        throw value_error(typegrad::detail::message("tg::mpi: ", what, " has ", n, " elements, more than MPI's int counts allow"));
    return int(n);
}

/// The message of an exception.
inline std::string what_of(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "an exception that is not a std::exception";
    }
}

/// The processes of a session, as tg::fit talks to them (typegrad::process_group), on a communicator of
/// their own (a copy of the session's, so that fit's collectives never meet the caller's) whose errors
/// abort the job: Boost.MPI has the world's return them, and a collective that failed unnoticed would
/// train on a partial sum.
class group {
public:
    explicit group(session& s) : session_(s), batch_{s.size(), this, &all_gather} {
        MPI_Comm_dup(s.communicator(), &comm_);
        MPI_Comm_set_errhandler(comm_, MPI_ERRORS_ARE_FATAL);
    }
    ~group() { MPI_Comm_free(&comm_); }
    group(const group&) = delete;
    group& operator=(const group&) = delete;

    std::size_t rank() const { return session_.rank(); }
    std::size_t size() const { return session_.size(); }
    const batch_processes* batch() const noexcept { return &batch_; }

    void sum(tally& t, const std::exception_ptr& failed) {
        double v[] = {t.loss, t.right, t.not_finite, t.failed, t.stop, t.better};
        MPI_Allreduce(MPI_IN_PLACE, v, 6, MPI_DOUBLE, MPI_SUM, comm_);
        t = {v[0], v[1], v[2], v[3], v[4], v[5]};
        if (t.failed > 0) fail(failed);
    }

    /// Every tensor's sum, one MPI_Allreduce each. (Open MPI's MPI_Iallreduce on all of them at once
    /// took twice as long: in place, its libnbc reduces to one process and broadcasts back.)
    template <class P>
    void sum(P& grad) {
        const auto start = std::chrono::steady_clock::now();
        for_each_tensor(
            [&](std::size_t, std::string_view name, auto& g) {
                using T = std::remove_cvref_t<decltype(*g.data())>;
                MPI_Allreduce(MPI_IN_PLACE, g.data(), count_of(g.size(), name), datatype<T>(), MPI_SUM, comm_);
                session_.traffic().bytes += g.size() * sizeof(T);
            },
            grad);
        session_.traffic().seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        ++session_.traffic().batches;
    }

    /// Throws value_error on every process unless n is the same on all.
    void same(std::uint64_t n, std::string_view what) {
        if (!same_everywhere(n))
            throw value_error(typegrad::detail::message("tg::mpi::fit: the ", size(), " processes differ in ", what,
                                                        " (process ", rank(), " has ", n,
                                                        "); every process must pass the same"));
    }

    /// Makes every process hold process 0's parameters.
    template <class P>
    void broadcast(P& p) {
        for_each_tensor(
            [&](std::size_t, std::string_view name, auto& w) {
                using T = std::remove_cvref_t<decltype(*w.data())>;
                MPI_Bcast(w.data(), count_of(w.size(), name), datatype<T>(), 0, comm_);
            },
            p);
    }

    /// Throws training_error on every process unless all hold the same bits in p.
    template <class P>
    void same_params(const P& p, std::size_t epoch) {
        typegrad::detail::fingerprint f;
        for_each_tensor([&](std::size_t, std::string_view, const auto& w) { f.add(w.data(), w.size()); }, p);
        if (!same_everywhere(f.value))
            throw training_error(typegrad::detail::message(
                "tg::mpi::fit: after epoch ", epoch, " the ", size(),
                " processes' parameters differ: their optimizers' states or settings differ, or the MPI library's "
                "sums did not give every process the same bits"));
    }

private:
    bool same_everywhere(std::uint64_t x) {
        std::uint64_t v[] = {x, ~x};  // the largest and the smallest
        MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_UINT64_T, MPI_MAX, comm_);
        return v[0] == ~v[1];
    }

    /// The processes that failed agree on the first of them, which tells the others its message.
    [[noreturn]] void fail(const std::exception_ptr& failed) {
        int first = failed ? int(rank()) : int(size());
        MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm_);
        std::string what;
        if (first == int(rank())) what = what_of(failed);
        int length = int(what.size());
        MPI_Bcast(&length, 1, MPI_INT, first, comm_);
        what.resize(std::size_t(length));
        MPI_Bcast(what.data(), length, MPI_CHAR, first, comm_);
        if (failed) std::rethrow_exception(failed);
        throw rank_error(std::size_t(first), size(), what);
    }

    static void all_gather(void* self, const void* mine, void* all, std::size_t bytes) {
        auto& g = *static_cast<group*>(self);
        const int n = count_of(bytes, "a batch_norm layer's shared statistics");
        MPI_Allgather(mine, n, MPI_BYTE, all, n, MPI_BYTE, g.comm_);
    }

    session& session_;
    MPI_Comm comm_ = MPI_COMM_NULL;
    batch_processes batch_;
};

/// tg::mpi::fit: tg::fit's loop on every process's shard.
template <class Net, class T, class Data, class Loss, class Opt, class OnEpoch>
fit_result fit_on(session& s, params<Net, T>& p, const Data& train, const Data* validation, const Loss& loss, Opt& opt,
                  const fit_options& options, OnEpoch& on_epoch) {
    group processes(s);
    return typegrad::detail::fit_with(p, train, validation, loss, opt, options, on_epoch, processes);
}

}  // namespace detail

/// tg::fit on every process of the session, each on its shard of every batch (see the header's
/// comment). Every process passes the same training set, options and network; each starts from
/// process 0's parameters, and ends with the same bits, which fit checks after every epoch. on_epoch
/// runs on every process with the same report; training stops when any of them returns
/// fit_control::stop, and when one throws every process throws.
template <network Net, class T, class Data, class Loss, class Opt, class OnEpoch = typegrad::detail::ignore_epochs>
    requires loss_for<Loss, T, Net::out_size> && optimizer<Opt, params<Net, T>> &&
             std::invocable<OnEpoch&, const epoch_report&> &&
             (std::convertible_to<typename Data::target_type, loss_target_t<Loss, T, Net::out_size>> ||
              typegrad::detail::sequence_targets<Data, Net, T, Loss>)
fit_result fit(session& s, params<Net, T>& p, const Data& train, const Loss& loss, Opt& opt,
               const fit_options& options = {}, OnEpoch on_epoch = {}) {
    return detail::fit_on(s, p, train, static_cast<const Data*>(nullptr), loss, opt, options, on_epoch);
}

/// tg::mpi::fit validated on a set of its own after each epoch (every process validates on all of it).
template <network Net, class T, class Data, class Loss, class Opt, class OnEpoch = typegrad::detail::ignore_epochs>
    requires loss_for<Loss, T, Net::out_size> && optimizer<Opt, params<Net, T>> &&
             std::invocable<OnEpoch&, const epoch_report&> &&
             (std::convertible_to<typename Data::target_type, loss_target_t<Loss, T, Net::out_size>> ||
              typegrad::detail::sequence_targets<Data, Net, T, Loss>)
fit_result fit(session& s, params<Net, T>& p, const Data& train, const Data& validation, const Loss& loss, Opt& opt,
               const fit_options& options = {}, OnEpoch on_epoch = {}) {
    return detail::fit_on(s, p, train, &validation, loss, opt, options, on_epoch);
}

}  // namespace typegrad::mpi
