#include <typegrad/mpi.hpp>

int main(int argc, char** argv) {
    typegrad::mpi::session mpi(argc, argv);  // one process: MPI's singleton start
    return mpi.size() == 1 && mpi.root() ? 0 : 1;
}
