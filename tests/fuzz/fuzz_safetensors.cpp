// libFuzzer target for the safetensors reader: any bytes are parsed and validated; a file that is
// accepted is loaded into a small network, with and without widening (mismatches must raise
// tg::error), its floating tensors must convert to float and double, and it must survive a write and
// a second read unchanged.
#include <cstddef>
#include <cstdint>

#include <typegrad/io/safetensors.hpp>
#include <typegrad/io/weights.hpp>
#include <typegrad/layers/activations.hpp>
#include <typegrad/layers/dense.hpp>

namespace tg = typegrad;

using small_net = tg::sequential<tg::dense<2, 3>, tg::relu, tg::dense<3, 1>>;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tg::safetensors_contents contents;
    try {
        contents = tg::parse_safetensors(std::span(data, size), "fuzz");
    } catch (const tg::error&) {
        return 0;
    }
    for (const auto conversion : {tg::dtype_conversion::exact, tg::dtype_conversion::widen}) {
        try {
            tg::params<small_net, double> p{};
            tg::load(p, contents, "fuzz", conversion);
        } catch (const tg::error&) {
        }
    }
    for (const auto& t : contents.tensors)
        if (tg::is_floating(t.type)) (void)t.values<float>(), (void)t.values<double>();
    tg::byte_buffer again;
    try {
        again = tg::encode_safetensors(contents.tensors, contents.metadata);
    } catch (const tg::value_error&) {
        return 0;  // a name typegrad refuses to write (empty), though the file was readable
    }
    const auto reread = tg::parse_safetensors(again, "fuzz (rewritten)");
    if (reread.tensors.size() != contents.tensors.size() || reread.metadata != contents.metadata) __builtin_trap();
    for (std::size_t i = 0; i < reread.tensors.size(); ++i) {
        const auto &a = contents.tensors[i], &b = reread.tensors[i];
        if (a.name != b.name || a.type != b.type || a.shape != b.shape || a.data != b.data) __builtin_trap();
    }
    return 0;
}
