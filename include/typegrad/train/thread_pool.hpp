// tg::thread_pool: a fixed set of threads that run the parts of one job together and return when all
// are done; tg::fit splits each mini-batch over it. Part 0 runs on the calling thread, so a pool of
// size 1 starts no thread at all. Jobs are plain callables: no allocation and no std::function per run.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <typegrad/core/error.hpp>

namespace typegrad {

/// The threads a call asked for: `requested`, or every core for 0 (fit_options.threads, predict_options.threads).
inline std::size_t thread_count(std::size_t requested) noexcept {
    return requested ? requested : std::max(1u, std::thread::hardware_concurrency());
}

class thread_pool {
public:
    /// A pool running `size` parts at once (size ≥ 1; the caller counts as one). Throws tg::error
    /// when a thread cannot be started, after stopping and joining those already started.
    explicit thread_pool(std::size_t size) : errors_(size == 0 ? 1 : size) {
        workers_.reserve(errors_.size() - 1);
        for (std::size_t part = 1; part < errors_.size(); ++part) {
            try {
                workers_.emplace_back([this, part] { work(part); });
            } catch (const std::system_error& e) {
                stop();  // the destructor does not run for a constructor that throws
                throw error(detail::message("tg::thread_pool: cannot start thread ", part + 1, " of ", errors_.size(),
                                            " (", e.what(), "); the ", part - 1,
                                            " started were stopped; fewer threads may fit the system's limits"));
            }
        }
    }
    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;
    ~thread_pool() { stop(); }

    std::size_t size() const noexcept { return errors_.size(); }

    /// Calls job(part) for every part in [0, size()) at once and returns when all have returned. If
    /// parts throw, the exception of the lowest such part is rethrown here.
    template <class Job>
    void run(Job& job) {
        call_ = [](void* j, std::size_t part) { (*static_cast<Job*>(j))(part); };
        job_ = &job;
        {
            std::lock_guard lock(mutex_);
            pending_ = workers_.size();
            ++generation_;
        }
        started_.notify_all();
        execute(0);
        std::unique_lock lock(mutex_);
        finished_.wait(lock, [this] { return pending_ == 0; });
        std::exception_ptr first;
        for (std::exception_ptr& e : errors_) {
            if (!first) first = e;
            e = nullptr;
        }
        if (first) std::rethrow_exception(first);
    }

private:
    void stop() noexcept {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        started_.notify_all();
        for (std::thread& t : workers_) t.join();
    }

    void execute(std::size_t part) noexcept {
        try {
            call_(job_, part);
        } catch (...) {
            errors_[part] = std::current_exception();
        }
    }

    void work(std::size_t part) {
        std::size_t seen = 0;
        for (;;) {
            {
                std::unique_lock lock(mutex_);
                started_.wait(lock, [&] { return stopping_ || generation_ != seen; });
                if (stopping_) return;
                seen = generation_;
            }
            execute(part);
            std::lock_guard lock(mutex_);
            if (--pending_ == 0) finished_.notify_one();
        }
    }

    std::vector<std::exception_ptr> errors_;  // one per part
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable started_, finished_;
    std::size_t generation_ = 0, pending_ = 0;
    bool stopping_ = false;
    void (*call_)(void*, std::size_t) = nullptr;
    void* job_ = nullptr;
};

}  // namespace typegrad
