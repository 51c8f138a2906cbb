// What the io tests share: a scratch path under TYPEGRAD_TEST_TMP, the message of an expected
// error, and a substring check that prints the whole message when it fails.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace io_support {

inline std::filesystem::path tmp(const std::string& name) {
    return std::filesystem::path(std::getenv("TYPEGRAD_TEST_TMP")) / name;
}

/// Runs f, which must throw Error, and returns its message.
template <class Error, class F>
std::string message_of(F f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    BOOST_FAIL("no exception");
    return {};
}

inline bool contains(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return true;
    BOOST_TEST_MESSAGE("message: " << text);
    return false;
}

}  // namespace io_support
