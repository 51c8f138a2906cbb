# libFuzzer targets for the three readers and the safetensors writer (included from
# tests/CMakeLists.txt). They need clang++ with libFuzzer (Debian: clang, libclang-rt-14-dev), so they
# are built by calling it directly; each runs as a CTest test for TYPEGRAD_FUZZ_SECONDS from the seed
# corpus in tests/fuzz/corpus/ (where there is one) and passes when nothing crashes and memory stays
# bounded: a run fails when the process holds more than 256 MB or one allocation asks for more than
# 32 MB (inputs are at most 4 KB, so no reader has a reason to). Sanitized builds skip them: the
# fuzzers carry ASan and UBSan already.
set(TYPEGRAD_FUZZ_SECONDS 15 CACHE STRING "How long each fuzz test runs")
find_program(TYPEGRAD_CLANGXX NAMES clang++ clang++-14)
if(TYPEGRAD_SANITIZE OR NOT TYPEGRAD_CLANGXX)
    return()
endif()
set(fuzz_flags -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
    -fsanitize-ignorelist=${CMAKE_CURRENT_SOURCE_DIR}/fuzz/ubsan-ignorelist.txt)
set(fuzz_dir ${CMAKE_CURRENT_BINARY_DIR}/fuzz)
file(MAKE_DIRECTORY ${fuzz_dir})
file(WRITE ${fuzz_dir}/probe.cpp "#include <cstdint>\n#include <cstddef>\n"
    "extern \"C\" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }\n")
execute_process(COMMAND ${TYPEGRAD_CLANGXX} ${fuzz_flags} ${fuzz_dir}/probe.cpp -o ${fuzz_dir}/probe
    RESULT_VARIABLE probe_failed OUTPUT_QUIET ERROR_QUIET)
if(probe_failed)
    message(STATUS "typegrad: ${TYPEGRAD_CLANGXX} cannot link libFuzzer (install libclang-rt-14-dev); no fuzz tests")
    return()
endif()

file(GLOB_RECURSE io_headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/typegrad/*.hpp)
foreach(reader IN ITEMS idx csv safetensors safetensors_write)
    set(source ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_${reader}.cpp)
    add_custom_command(OUTPUT ${fuzz_dir}/fuzz_${reader}
        COMMAND ${TYPEGRAD_CLANGXX} ${fuzz_flags} -I${PROJECT_SOURCE_DIR}/include ${source} -lz -o ${fuzz_dir}/fuzz_${reader}
        DEPENDS ${source} ${io_headers} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/ubsan-ignorelist.txt
        COMMENT "Building libFuzzer target fuzz_${reader} with ${TYPEGRAD_CLANGXX}")
    add_custom_target(fuzz_${reader} ALL DEPENDS ${fuzz_dir}/fuzz_${reader})
    set(dict)
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/${reader}.dict)
        set(dict -dict=${CMAKE_CURRENT_SOURCE_DIR}/fuzz/${reader}.dict)
    endif()
    # New inputs go to a corpus in the build tree; the seed corpus is only read.
    file(MAKE_DIRECTORY ${fuzz_dir}/corpus_${reader})
    set(seeds)
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${reader})
        set(seeds ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${reader})
    endif()
    add_test(NAME fuzz.${reader}
        COMMAND ${fuzz_dir}/fuzz_${reader} -max_total_time=${TYPEGRAD_FUZZ_SECONDS} -timeout=10 -seed=1
                -max_len=4096 -rss_limit_mb=256 -malloc_limit_mb=32 ${dict} ${fuzz_dir}/corpus_${reader} ${seeds}
        WORKING_DIRECTORY ${fuzz_dir})
    # ASan keeps freed memory in quarantine (256 MB by default), which the RSS limit would count.
    set_tests_properties(fuzz.${reader} PROPERTIES ENVIRONMENT ASAN_OPTIONS=quarantine_size_mb=16)
endforeach()
