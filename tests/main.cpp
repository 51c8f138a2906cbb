// The one Boost.Test main every unit-test executable links.
#define BOOST_TEST_MODULE typegrad
#include <boost/test/unit_test.hpp>
