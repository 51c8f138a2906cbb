// A branch of a concat block whose first layer expects 4 inputs, in a block given 8, is rejected;
// the first line of the error names the block, the branch and both sizes.
// expect-early: concat_branch_mismatch<typegrad::concat<typegrad::dense<8, 2>, typegrad::dense<4, 2> >, typegrad::branch_index<1>, typegrad::expects<4>, typegrad::got<8> >
// expect: every branch reads the block's input
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<2, 8>, tg::concat<tg::dense<8, 2>, tg::dense<4, 2>>, tg::dense<4, 1>>;
static_assert(net::out_size == 1);
