# Interop with Python (included from tests/CMakeLists.txt): a script using only the standard library
# writes safetensors files by hand, then the io_interop unit test and check_torch load them (a CTest
# fixture orders them). A PyTorch round trip runs where python3-torch is installed and reports
# itself skipped otherwise.
find_package(Python3 COMPONENTS Interpreter)
# A checker: tests/interop/<name>.cpp, built like the unit tests (at -Og under the sanitizers: it runs briefly).
function(typegrad_checker name)
    add_executable(${name} interop/${name}.cpp)
    target_link_libraries(${name} PRIVATE typegrad_dev)
    set_target_properties(${name} PROPERTIES TYPEGRAD_SANITIZE_OG ON)
endfunction()
# check_torch compares typegrad's output, loss and gradients with those stored in a file written
# by torch_roundtrip.py (PyTorch) or write_safetensors.py (the same numbers in plain Python).
typegrad_checker(check_torch)
if(Python3_Interpreter_FOUND)
    add_test(NAME interop.write_safetensors
        COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/interop/write_safetensors.py
                ${CMAKE_CURRENT_BINARY_DIR}/tmp)
    set_tests_properties(interop.write_safetensors PROPERTIES FIXTURES_SETUP interop_file)
    set_tests_properties(io_interop PROPERTIES FIXTURES_REQUIRED interop_file)
    add_test(NAME interop.check_reference COMMAND check_torch ${CMAKE_CURRENT_BINARY_DIR}/tmp/reference_ce.safetensors)
    set_tests_properties(interop.check_reference PROPERTIES FIXTURES_REQUIRED interop_file)
else()
    message(STATUS "typegrad: no Python 3 interpreter, the safetensors interop test is disabled")
    set_tests_properties(io_interop PROPERTIES DISABLED TRUE)
endif()

# PyTorch round trip: Debian's python3-torch belongs to the system interpreter, so use it when there
# is one. The script exits with 77 (reported as skipped) when torch is missing.
find_program(TYPEGRAD_SYSTEM_PYTHON python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT TYPEGRAD_SYSTEM_PYTHON)
    set(TYPEGRAD_SYSTEM_PYTHON ${Python3_EXECUTABLE})
endif()
# A PyTorch parity test: the script writes a file (or exits with 77, a skip, without torch), and the
# checker reads it and compares typegrad's numbers with PyTorch's. Further arguments go to both.
function(typegrad_torch_test name script checker file)
    add_test(NAME interop.${name}
        COMMAND sh -c "set -e; '${TYPEGRAD_SYSTEM_PYTHON}' '${CMAKE_CURRENT_SOURCE_DIR}/interop/${script}' '${file}' ${ARGN}; '$<TARGET_FILE:${checker}>' '${file}' ${ARGN}")
    set_tests_properties(interop.${name} PROPERTIES SKIP_RETURN_CODE 77)
endfunction()

# PyTorch's activations, LogSoftmax and NLLLoss against typegrad's layers (layers/activations.hpp).
typegrad_checker(check_activations)

# PyTorch's learning-rate schedulers against typegrad's schedules (optim/schedule.hpp).
typegrad_checker(check_schedules)
# PyTorch's weight= for cross-entropy and NLL against tg::class_weights (loss/class_weights.hpp).
typegrad_checker(check_class_weights)
# PyTorch's optimizer state, written as a typegrad checkpoint, resumed by typegrad (io/checkpoint.hpp).
typegrad_checker(check_checkpoint)
# PyTorch's nn.Conv1d, made causal by left padding, against tg::conv1d in a sequence network (net/sequence.hpp).
typegrad_checker(check_conv1d)
if(TYPEGRAD_SYSTEM_PYTHON)
    typegrad_torch_test(torch_conv1d torch_conv1d.py check_conv1d ${CMAKE_CURRENT_BINARY_DIR}/tmp/torch_conv1d.safetensors)
    typegrad_torch_test(torch_class_weights torch_class_weights.py check_class_weights
                        ${CMAKE_CURRENT_BINARY_DIR}/tmp/torch_class_weights.txt)
    typegrad_torch_test(torch torch_roundtrip.py check_torch ${CMAKE_CURRENT_BINARY_DIR}/tmp/torch.safetensors)
    typegrad_torch_test(torch_nested torch_roundtrip.py check_torch ${CMAKE_CURRENT_BINARY_DIR}/tmp/torch_nested.safetensors
                        nested)
    typegrad_torch_test(torch_checkpoint torch_checkpoint.py check_checkpoint ${CMAKE_CURRENT_BINARY_DIR}/tmp/torch_checkpoint)
    typegrad_torch_test(torch_activations torch_activations.py check_activations ${CMAKE_CURRENT_BINARY_DIR}/tmp/torch_activations.txt)
    typegrad_torch_test(torch_schedules torch_schedules.py check_schedules ${CMAKE_CURRENT_BINARY_DIR}/tmp/torch_schedules.txt)
endif()

# PyTorch's nn.LSTM and nn.GRU against tg::lstm and tg::gru: outputs and gradients through time.
typegrad_checker(check_recurrent)
if(TYPEGRAD_SYSTEM_PYTHON)
    typegrad_torch_test(torch_recurrent torch_recurrent.py check_recurrent ${CMAKE_CURRENT_BINARY_DIR}/tmp/torch_recurrent.safetensors)
endif()
# Whole networks: PyTorch's LSTM → Linear (sequence to sequence) and GRU → Tanh → last step → Linear
# (sequence to label), loaded with tg::load, against tg::forward_sequence and tg::value_and_grad_sequence.
typegrad_checker(check_recurrent_net)
if(TYPEGRAD_SYSTEM_PYTHON)
    typegrad_torch_test(torch_lstm_net torch_recurrent_net.py check_recurrent_net
                        ${CMAKE_CURRENT_BINARY_DIR}/tmp/torch_lstm_net.safetensors lstm)
    typegrad_torch_test(torch_gru_net torch_recurrent_net.py check_recurrent_net
                        ${CMAKE_CURRENT_BINARY_DIR}/tmp/torch_gru_net.safetensors gru)
endif()
