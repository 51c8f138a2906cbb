# tg::mpi::fit's tests (included from tests/CMakeLists.txt when typegrad::mpi is built): one Boost.Test
# executable run by mpiexec on 1, 2 and 3 processes of this machine (--oversubscribe: more processes
# than cores). Open MPI refuses to run as root unless told: CI containers run as root.
add_executable(test_mpi_fit mpi/fit.cpp)
target_link_libraries(test_mpi_fit PRIVATE typegrad_test_main typegrad_mpi)
set_target_properties(test_mpi_fit PROPERTIES TYPEGRAD_SANITIZE_OG ON)
set(mpi_environment OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1)
if(TYPEGRAD_SANITIZE)
    # Open MPI keeps some of its allocations until exit, which LeakSanitizer would report as ours.
    list(APPEND mpi_environment "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1")
endif()
foreach(ranks 1 2 3)
    add_test(NAME mpi_fit.np${ranks}
        COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${ranks} ${MPIEXEC_PREFLAGS} $<TARGET_FILE:test_mpi_fit>
                ${MPIEXEC_POSTFLAGS})
    # A hang (a process that failed without telling the others) fails the test instead of the CI run.
    set_tests_properties(mpi_fit.np${ranks} PROPERTIES TIMEOUT 300 PROCESSORS ${ranks}
                         ENVIRONMENT "${mpi_environment}")
endforeach()
