// What the fault-injection tests share: a forked child with a time limit, in which a test may lower
// its own resource limits (memory, processes) without touching the test process.
#pragma once

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string>

namespace fault_support {

/// Runs f() (returning a std::string, e.g. the message of the error it caught) in a forked child
/// that alarm() stops after `seconds`, and returns what f returned, or how the child died
/// ("timed out after 10 s", "killed by signal 6"), so a hang or a crash fails the caller's check.
template <class F>
std::string in_child(unsigned seconds, F f) {
    int pipe_ends[2];
    if (::pipe(pipe_ends) != 0) return "pipe failed";
    const pid_t pid = ::fork();
    if (pid < 0) return "fork failed";
    if (pid == 0) {
        ::close(pipe_ends[0]);
        ::alarm(seconds);
        std::string text;
        try {
            text = f();
        } catch (const std::exception& e) {
            text = std::string("uncaught exception: ") + e.what();
        }
        for (std::size_t done = 0; done < text.size();) {
            const ssize_t n = ::write(pipe_ends[1], text.data() + done, text.size() - done);
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        ::_exit(0);  // not exit(): the child must not run the test framework's shutdown
    }
    ::close(pipe_ends[1]);
    std::string text;
    char chunk[4096];
    for (ssize_t n; (n = ::read(pipe_ends[0], chunk, sizeof chunk)) > 0;) text.append(chunk, static_cast<std::size_t>(n));
    ::close(pipe_ends[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status))
        text += WTERMSIG(status) == SIGALRM ? " [timed out after " + std::to_string(seconds) + " s]"
                                            : " [killed by signal " + std::to_string(WTERMSIG(status)) + "]";
    return text;
}

/// True when the address space can be limited: not under AddressSanitizer, which reserves terabytes.
constexpr bool can_limit_memory() {
#if defined(__SANITIZE_ADDRESS__)
    return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return false;
#else
    return true;
#endif
#else
    return true;
#endif
}

/// Limits this process's address space to what it maps now plus `extra` bytes (a no-op where
/// can_limit_memory() is false). For a forked child only.
inline void limit_memory(std::size_t extra) {
    if (!can_limit_memory()) return;
    std::size_t pages = 0;
    if (std::FILE* statm = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(statm, "%zu", &pages) != 1) pages = 0;
        std::fclose(statm);
    }
    const rlim_t limit = static_cast<rlim_t>(pages * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)) + extra);
    const rlimit r{limit, limit};
    ::setrlimit(RLIMIT_AS, &r);
}

/// Runs f() on a new thread whose stack is `bytes` long and returns what it returned: a stack overflow
/// then crashes the process (use it inside in_child), whatever the calling thread's stack already holds.
template <class F>
auto on_stack_of(std::size_t bytes, F f) -> decltype(f()) {
    struct job {
        F& f;
        decltype(f()) result{};
        static void* run(void* self) {
            auto* j = static_cast<job*>(self);
            j->result = j->f();
            return nullptr;
        }
    } work{f};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, bytes);
    pthread_t thread;
    if (pthread_create(&thread, &attr, &job::run, &work) != 0) work.result = {};
    else pthread_join(thread, nullptr);
    pthread_attr_destroy(&attr);
    return work.result;
}

}  // namespace fault_support
