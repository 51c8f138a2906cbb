# Installs the build tree PROJECT_BINARY to a scratch prefix, then configures, builds and runs the
# consumer project against it with find_package.
file(REMOVE_RECURSE ${WORK})
function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "`${ARGN}` failed (${rc}):\n${out}")
    endif()
endfunction()
run(${CMAKE_COMMAND} --install ${PROJECT_BINARY} --prefix ${WORK}/prefix)
run(${CMAKE_COMMAND} -S ${CONSUMER_SOURCE} -B ${WORK}/build -DCMAKE_CXX_COMPILER=${CXX}
    -DCMAKE_PREFIX_PATH=${WORK}/prefix -DCONSUMER_NEEDS_MPI=${NEEDS_MPI})
run(${CMAKE_COMMAND} --build ${WORK}/build)
run(${WORK}/build/consumer)
if(NEEDS_MPI)
    run(${WORK}/build/consumer_mpi)
endif()
message(STATUS "installed package found, built and ran")
