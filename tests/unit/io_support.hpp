// What the io tests share: a scratch path under TYPEGRAD_TEST_TMP (or the system's temporary
// directory), the message of an expected error, a substring check that prints the whole message when
// it fails, and gzip compression.
#pragma once

#include <boost/test/unit_test.hpp>

#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace io_support {

inline std::filesystem::path tmp(const std::string& name) {
    const char* dir = std::getenv("TYPEGRAD_TEST_TMP");  // set by CTest; a test run by hand uses the system's
    return (dir ? std::filesystem::path(dir) : std::filesystem::temp_directory_path()) / name;
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

/// One gzip member holding the bytes.
inline std::vector<unsigned char> gzip_member(const std::vector<unsigned char>& plain) {
    z_stream s{};
    deflateInit2(&s, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
    std::vector<unsigned char> out(deflateBound(&s, static_cast<uLong>(plain.size())));
    s.next_in = const_cast<unsigned char*>(plain.data());
    s.avail_in = static_cast<uInt>(plain.size());
    s.next_out = out.data();
    s.avail_out = static_cast<uInt>(out.size());
    deflate(&s, Z_FINISH);
    out.resize(s.total_out);
    deflateEnd(&s);
    return out;
}

}  // namespace io_support
