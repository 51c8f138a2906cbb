// What every translation unit pays: <typegrad/typegrad.hpp> and nothing else (scripts/compile-time.sh).
#include <typegrad/typegrad.hpp>

int main() {}
