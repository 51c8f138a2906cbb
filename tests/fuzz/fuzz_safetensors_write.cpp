// libFuzzer target for the safetensors writer: tensors and metadata made from any bytes (names and
// values that may be empty, repeated or not UTF-8, dtypes, shapes that may overflow, data whose size
// may not fit) are encoded; whatever the writer accepts, the reader must read back identically, and
// whatever it refuses must be a tg::value_error.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include <typegrad/io/safetensors.hpp>

namespace tg = typegrad;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    std::vector<tg::named_tensor> tensors(in.ConsumeIntegralInRange<std::size_t>(0, 4));
    for (auto& t : tensors) {
        t.name = in.ConsumeRandomLengthString(16);
        t.type = static_cast<tg::dtype>(in.ConsumeIntegralInRange<int>(0, static_cast<int>(tg::dtype::f64)));
        t.shape.resize(in.ConsumeIntegralInRange<std::size_t>(0, 3));
        std::size_t elements = 1;
        for (auto& d : t.shape) {
            // Mostly small dimensions, sometimes huge ones whose product overflows.
            d = in.ConsumeBool() ? in.ConsumeIntegralInRange<std::size_t>(0, 4) : in.ConsumeIntegral<std::size_t>();
            elements *= d;
        }
        // The right byte count most of the time (when it is small), otherwise whatever the input says.
        const std::size_t bytes = in.ConsumeBool() && elements <= 64 ? elements * tg::dtype_size(t.type)
                                                                      : in.ConsumeIntegralInRange<std::size_t>(0, 64);
        t.data = in.ConsumeBytes<unsigned char>(bytes);
    }
    std::map<std::string, std::string> metadata;
    for (std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, 2); n > 0; --n)
        metadata[in.ConsumeRandomLengthString(8)] = in.ConsumeRandomLengthString(8);

    tg::byte_buffer bytes;
    try {
        bytes = tg::encode_safetensors(tensors, metadata);
    } catch (const tg::value_error&) {
        return 0;  // refused, as it must be, before anything was written
    }
    const auto read = tg::parse_safetensors(bytes, "fuzz (written)");  // throws, and so fails, if unreadable
    if (read.tensors.size() != tensors.size() || read.metadata != metadata) __builtin_trap();
    for (const auto& t : tensors) {
        const tg::named_tensor* r = read.find(t.name);
        if (!r || r->type != t.type || r->shape != t.shape || r->data != t.data) __builtin_trap();
    }
    return 0;
}
