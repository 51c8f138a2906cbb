# Interop with Python (included from tests/CMakeLists.txt): a script using only the standard library
# writes a safetensors file by hand, then the io_interop unit test loads it (a CTest fixture orders
# the two). A PyTorch round trip runs where python3-torch is installed and reports itself skipped
# otherwise.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
    add_test(NAME interop.write_safetensors
        COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/interop/write_safetensors.py
                ${CMAKE_CURRENT_BINARY_DIR}/tmp/interop.safetensors)
    set_tests_properties(interop.write_safetensors PROPERTIES FIXTURES_SETUP interop_file)
    set_tests_properties(io_interop PROPERTIES FIXTURES_REQUIRED interop_file)
else()
    message(STATUS "typegrad: no Python 3 interpreter, the safetensors interop test is disabled")
    set_tests_properties(io_interop PROPERTIES DISABLED TRUE)
endif()
