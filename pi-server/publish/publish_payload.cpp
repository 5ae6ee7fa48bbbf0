#include "publish/publish_payload.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "core/clock.h"

namespace pistream {

std::string clockTimeText(std::chrono::system_clock::time_point time)
{
    using namespace std::chrono;
    const auto micros = duration_cast<microseconds>(time.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
    std::tm local{};
    localtime_r(&seconds, &local);
    char text[32];
    std::snprintf(text, sizeof text, "%02d:%02d:%02d.%06lld", local.tm_hour, local.tm_min,
                  local.tm_sec, static_cast<long long>(micros % 1000000));
    return text;
}

std::string mxcubeMessage(const EncodedFrame& frame, std::chrono::system_clock::time_point captured)
{
    // Written out rather than through nlohmann::json: the base64 text needs
    // no escaping, and a JSON library would scan and copy its ~130 KB (a
    // 720p frame) once more per frame, on the Pi.
    const std::string data = base64Encode(frame.jpeg);
    std::string message;
    message.reserve(data.size() + 96);
    message += R"({"data": ")";
    message += data;
    message += R"(", "size": [)" + std::to_string(frame.header.height) + ", " +
               std::to_string(frame.header.width) + R"(], "time": ")" + clockTimeText(captured) +
               R"(", "frame_number": )" + std::to_string(frame.header.sequence) + "}";
    return message;
}

std::chrono::system_clock::time_point captureWallTime(const EncodedFrame& frame)
{
    const auto age = std::chrono::microseconds(monotonicMicros() - frame.header.captureMicros);
    return std::chrono::system_clock::now() - age;
}

} // namespace pistream
