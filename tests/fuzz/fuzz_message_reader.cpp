// The incremental message reader, fed hostile bytes in hostile splits.
// Checked: memory never exceeds the cap, and however the bytes are split the
// reader yields the same messages (or the same error) as when fed at once.

#include <cstdlib>
#include <vector>

#include "protocol/message_reader.h"

namespace {

constexpr std::uint32_t kCap = 4096;

struct Outcome {
    std::vector<std::vector<std::uint8_t>> messages; // type byte + body
    bool error = false;
};

Outcome readAll(std::span<const std::uint8_t> data, std::uint8_t splitSeed)
{
    pistream::MessageReader reader(kCap);
    Outcome outcome;
    unsigned chunk = splitSeed % 7 + 1;
    while (!data.empty()) {
        const auto piece =
            data.first(splitSeed == 0 ? data.size() : std::min<std::size_t>(chunk, data.size()));
        chunk = chunk * 5 % 13 + 1; // a different split every time
        std::span<const std::uint8_t> rest = piece;
        while (!rest.empty()) {
            std::size_t used = 0;
            const auto result = reader.feed(rest, used);
            if (used > rest.size() || reader.bufferedBytes() > kCap)
                std::abort();
            rest = rest.subspan(used);
            if (result == pistream::MessageReader::Result::Error) {
                outcome.error = true;
                return outcome;
            }
            if (result == pistream::MessageReader::Result::Message) {
                const auto& message = reader.message();
                if (message.body.size() + 1 > kCap)
                    std::abort();
                std::vector<std::uint8_t> bytes{message.type};
                bytes.insert(bytes.end(), message.body.begin(), message.body.end());
                outcome.messages.push_back(std::move(bytes));
            }
        }
        data = data.subspan(piece.size());
    }
    return outcome;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::span<const std::uint8_t> input(data + 1, size - 1);
    const Outcome whole = readAll(input, 0);
    const Outcome split = readAll(input, static_cast<std::uint8_t>(data[0] | 1));
    if (whole.error != split.error || whole.messages != split.messages)
        std::abort();
    return 0;
}
