// Broker sources below the network: what a message must be to become a frame
// (raw or base64 JPEG, MXCuBE JSON, the JPEG header checks), and BrokerSource
// driven by a scripted subscriber: the stream's size from the first good
// frame, bad messages skipped and counted, the newest frame only, a lost
// broker reported down and reconnected. The real brokers are in test_brokers.

#include <condition_variable>
#include <deque>
#include <mutex>

#include <doctest/doctest.h>

#include "broker/broker_payload.h"
#include "broker/publish_target.h"
#include "codec/jpeg_encoder.h"
#include "publish/publish_payload.h"
#include "sources/broker_source.h"
#include "sources/source_factory.h"
#include "support/printers.h"
#include "support/test_images.h"
#include "support/wait_for.h"

using namespace pistream;
using namespace pistream::test;
using namespace std::chrono_literals;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes jpegOf(int width, int height, int seed = 0)
{
    JpegEncoder encoder(80);
    ByteBuffer out;
    encoder.encode(makePicture(width, height, 0, seed).frame(), out);
    return {out.data(), out.data() + out.size()};
}

Bytes bytesOf(const std::string& text)
{
    return Bytes(text.begin(), text.end());
}

std::string mxcube(const Bytes& jpeg, int first, int second)
{
    return R"({"data": ")" + base64Encode(jpeg) + R"(", "size": [)" + std::to_string(first) + ", " +
           std::to_string(second) + R"(], "time": "12:00:00.000000", "frame_number": 1})";
}

// A broker the test scripts: each receive() takes the next step, or waits a
// little when there is none. Thread-safe: the test pushes while the source's
// thread receives.
class ScriptedSubscriber final : public BrokerSubscriber {
public:
    struct Step {
        std::optional<Bytes> message;
        BrokerError error; // the connection is lost after the message
    };

    void push(Bytes message)
    {
        {
            std::lock_guard lock(mutex_);
            steps_.push_back({std::move(message), std::nullopt});
        }
        wake_.notify_all();
    }
    void lose(const std::string& why)
    {
        {
            std::lock_guard lock(mutex_);
            steps_.push_back({std::nullopt, why});
        }
        wake_.notify_all();
    }
    // connect() fails this many times from now on.
    void refuse(int times)
    {
        std::lock_guard lock(mutex_);
        refusals_ = times;
    }
    int connects() const
    {
        std::lock_guard lock(mutex_);
        return connects_;
    }
    bool drained() const
    {
        std::lock_guard lock(mutex_);
        return steps_.empty();
    }

    BrokerError connect(const std::stop_token&) override
    {
        std::lock_guard lock(mutex_);
        ++connects_;
        if (refusals_ > 0) {
            --refusals_;
            return "connection refused";
        }
        return std::nullopt;
    }
    BrokerError receive(std::chrono::milliseconds wait, BrokerMessages& messages) override
    {
        std::unique_lock lock(mutex_);
        // A broker's wait for the next message.
        wake_.wait_for(lock, wait, [this] { return !steps_.empty(); });
        {
            // Every queued message at once when it is a backlog.
            while (!steps_.empty()) {
                Step step = std::move(steps_.front());
                steps_.pop_front();
                if (step.error)
                    return step.error;
                if (messages.newest)
                    ++messages.replaced;
                messages.newest = std::move(step.message);
                if (backlog_)
                    continue;
                return std::nullopt;
            }
        }
        return std::nullopt;
    }
    void disconnect() override {}

    bool backlog_ = false; // set before the source starts

private:
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Step> steps_;
    int refusals_ = 0;
    int connects_ = 0;
};

// What a source's callbacks saw.
struct Seen {
    struct Frame {
        int width = 0;
        int height = 0;
        std::uint64_t sequence = 0;
        Bytes jpeg;
    };
    mutable std::mutex mutex;
    std::vector<Frame> frames;
    std::vector<std::pair<SourceState, std::string>> states;

    FrameSource::Callbacks callbacks()
    {
        return {[this](FramePtr frame) {
                    REQUIRE(frame->format == PixelFormat::Mjpeg);
                    std::lock_guard lock(mutex);
                    frames.push_back({frame->width, frame->height, frame->sequence,
                                      Bytes(frame->jpeg.begin(), frame->jpeg.end())});
                },
                [this](SourceState state, const std::string& text) {
                    std::lock_guard lock(mutex);
                    states.emplace_back(state, text);
                }};
    }
    std::size_t frameCount() const
    {
        std::lock_guard lock(mutex);
        return frames.size();
    }
    std::optional<SourceState> lastState() const
    {
        std::lock_guard lock(mutex);
        if (states.empty())
            return std::nullopt;
        return states.back().first;
    }
    std::size_t downs() const
    {
        std::lock_guard lock(mutex);
        return static_cast<std::size_t>(
            std::count_if(states.begin(), states.end(),
                          [](const auto& state) { return state.first == SourceState::Down; }));
    }
};

PublishTarget target(PublishTarget::Kind kind)
{
    return parseSourceUrl(kind == PublishTarget::Kind::Mqtt ? "mqtt://broker/cam"
                                                            : "redis://broker/cam");
}

BrokerSourceConfig quickConfig()
{
    BrokerSourceConfig config;
    config.firstFrameTimeout = 10s;
    config.stallAfter = 60s;
    config.reconnect.first = 1ms;
    config.reconnect.max = 2ms;
    return config;
}

} // namespace

TEST_CASE("base64 decodes what base64Encode writes and refuses what is not base64")
{
    for (std::size_t size : {0u, 1u, 2u, 3u, 4u, 100u, 1001u}) {
        Bytes bytes(size);
        for (std::size_t i = 0; i < size; ++i)
            bytes[i] = static_cast<std::uint8_t>(i * 37 + 11);
        const std::string text = base64Encode(bytes);
        CAPTURE(size);
        CHECK(base64Decode(text) == bytes);
        CHECK(base64Decode(text + "\n") == bytes); // Python's print, a shell's echo
        // Senders that leave the padding out.
        std::string bare = text;
        while (!bare.empty() && bare.back() == '=')
            bare.pop_back();
        CHECK(base64Decode(bare) == bytes);
    }
    CHECK_FALSE(base64Decode("not base64!"));
    CHECK_FALSE(base64Decode("ab=c"));
    CHECK_FALSE(base64Decode("a"));
    CHECK_FALSE(base64Decode(" YWJj"));
    CHECK_FALSE(base64Decode("===="));
}

TEST_CASE(
    "an MQTT payload is a JPEG or its base64, anything else is refused with its start escaped")
{
    const Bytes jpeg = jpegOf(32, 24);
    Bytes raw = jpeg;
    CHECK_FALSE(decodeJpegPayload(raw));
    CHECK(raw == jpeg);

    Bytes text = bytesOf(base64Encode(jpeg));
    CHECK_FALSE(decodeJpegPayload(text));
    CHECK(text == jpeg);

    Bytes empty;
    CHECK(decodeJpegPayload(empty) == "empty message");

    Bytes hostile = bytesOf("\x1b[2Jhello\nworld");
    const PayloadError error = decodeJpegPayload(hostile);
    REQUIRE(error);
    CHECK(error->find("neither a JPEG nor base64") != std::string::npos);
    CHECK(error->find('\x1b') == std::string::npos); // escaped for the log
    CHECK(error->find('\n') == std::string::npos);
    CHECK(error->find("\\x1b") != std::string::npos);

    Bytes notJpeg = bytesOf(base64Encode(bytesOf("GIF89a...")));
    const PayloadError gif = decodeJpegPayload(notJpeg);
    REQUIRE(gif);
    CHECK(gif->find("not of a JPEG") != std::string::npos);
}

TEST_CASE("MXCuBE JSON: size either way round, the JPEG's own header decides")
{
    const Bytes jpeg = jpegOf(48, 32);
    Bytes heightFirst = bytesOf(mxcube(jpeg, 32, 48));
    CHECK_FALSE(decodeMxcubePayload(heightFirst));
    CHECK(heightFirst == jpeg);
    Bytes widthFirst = bytesOf(mxcube(jpeg, 48, 32));
    CHECK_FALSE(decodeMxcubePayload(widthFirst));
    CHECK(widthFirst == jpeg);
    Bytes noSize = bytesOf(R"({"data": ")" + base64Encode(jpeg) + R"("})");
    CHECK_FALSE(decodeMxcubePayload(noSize));

    Bytes lying = bytesOf(mxcube(jpeg, 480, 640));
    const PayloadError lie = decodeMxcubePayload(lying);
    REQUIRE(lie);
    CHECK(lie->find("is not the JPEG's 48x32") != std::string::npos);

    const std::vector<std::pair<std::string, std::string>> bad = {
        {"{not json", "not JSON"},
        {"[1, 2]", "not an object"},
        {R"({"size": [1, 2]})", "no \"data\""},
        {R"({"data": 5})", "no \"data\""},
        {R"({"data": "!!!!"})", "not base64"},
        {R"({"data": ")" + base64Encode(jpeg) + R"(", "size": "big"})", "not [height, width]"},
    };
    for (const auto& item : bad) {
        Bytes message = bytesOf(item.first);
        const PayloadError error = decodeMxcubePayload(message);
        CAPTURE(item.first);
        REQUIRE(error);
        CHECK(error->find(item.second) != std::string::npos);
    }
}

TEST_CASE("checkJpeg: whole JPEGs pass with their size, broken ones are refused")
{
    const Bytes jpeg = jpegOf(40, 30);
    Bytes good = jpeg;
    JpegSize size;
    CHECK_FALSE(checkJpeg(good, size));
    CHECK(size.width == 40);
    CHECK(size.height == 30);

    Bytes trailing = cat({jpeg, bytesOf("junk after the EOI")});
    CHECK_FALSE(checkJpeg(trailing, size));
    CHECK(trailing == jpeg);

    Bytes truncated(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(jpeg.size() / 2));
    CHECK(checkJpeg(truncated, size));
    Bytes headerOnly(jpeg.begin(), jpeg.begin() + 20);
    CHECK(checkJpeg(headerOnly, size));
    Bytes notJpeg = bytesOf("hello");
    CHECK(checkJpeg(notJpeg, size));
}

TEST_CASE("parseSourceUrl: the --publish URL forms, without parameters, errors naming --source")
{
    const PublishTarget mqtt = parseSourceUrl("mqtt://user:secret@broker:1884/lab/cam1");
    CHECK(mqtt.kind == PublishTarget::Kind::Mqtt);
    CHECK(mqtt.host == "broker");
    CHECK(mqtt.port == 1884);
    CHECK(mqtt.user == "user");
    CHECK(mqtt.topic == "lab/cam1");
    const PublishTarget redis = parseSourceUrl("redis://lab/video:cam1");
    CHECK(redis.kind == PublishTarget::Kind::Redis);
    CHECK(redis.port == kDefaultRedisPort);
    CHECK(redis.topic == "video:cam1");

    for (const std::string url : {"mqtt://broker/cam?format=base64", "mqtt://broker",
                                  "mqtt://broker/a/#", "redis://user@lab/cam"}) {
        CAPTURE(url);
        try {
            parseSourceUrl(url);
            FAIL("accepted");
        } catch (const std::invalid_argument& error) {
            CHECK(std::string(error.what()).rfind("--source ", 0) == 0);
        }
    }
}

TEST_CASE(
    "a broker source: the first good frame sets the size, bad messages are skipped and counted")
{
    auto kind = PublishTarget::Kind::Mqtt;
    SUBCASE("mqtt") {}
    SUBCASE("redis")
    {
        kind = PublishTarget::Kind::Redis;
    }
    const bool redis = kind == PublishTarget::Kind::Redis;
    const auto message = [redis](const Bytes& jpeg) {
        return redis ? bytesOf(mxcube(jpeg, 24, 32)) : jpeg;
    };
    auto subscriber = std::make_unique<ScriptedSubscriber>();
    ScriptedSubscriber& broker = *subscriber;
    broker.push(bytesOf("garbage before the first frame"));
    broker.push(message(jpegOf(32, 24, 1)));
    BrokerSource source(target(kind), std::move(subscriber), quickConfig());
    CHECK(source.format().width == 32);
    CHECK(source.format().height == 24);
    CHECK(source.format().pixelFormat == PixelFormat::Mjpeg);
    CHECK(source.stats().bad == 1);

    Seen seen;
    source.start(seen.callbacks());
    broker.push(bytesOf("\x1b]0;owned\x07 not a frame"));
    broker.push(message(jpegOf(32, 24, 2)));
    const Bytes otherSize = jpegOf(64, 48, 3);
    broker.push(redis ? bytesOf(mxcube(otherSize, 48, 64)) : otherSize);
    const Bytes last = jpegOf(32, 24, 4);
    broker.push(message(last));
    REQUIRE(waitFor([&] { return seen.frameCount() == 3; }, 30s));
    source.stop();

    const BrokerSourceStats stats = source.stats();
    CHECK(stats.frames == 3);
    CHECK(stats.bad == 3);
    CHECK(stats.lastError.find("a 64x48 frame in a 32x24 stream") != std::string::npos);
    std::lock_guard lock(seen.mutex);
    for (std::size_t i = 0; i < seen.frames.size(); ++i) {
        CHECK(seen.frames[i].width == 32);
        CHECK(seen.frames[i].height == 24);
        CHECK(seen.frames[i].sequence == i);
    }
    CHECK(seen.frames.back().jpeg == last); // passed through as it came
    REQUIRE_FALSE(seen.states.empty());
    CHECK(seen.states.front().first == SourceState::Live);
}

TEST_CASE("a broker source takes the newest of a backlog, not every frame")
{
    auto subscriber = std::make_unique<ScriptedSubscriber>();
    ScriptedSubscriber& broker = *subscriber;
    broker.push(jpegOf(32, 24, 0));
    BrokerSource source(target(PublishTarget::Kind::Mqtt), std::move(subscriber), quickConfig());
    broker.backlog_ = true;
    for (int i = 1; i <= 10; ++i)
        broker.push(jpegOf(32, 24, i));
    const Bytes newest = jpegOf(32, 24, 11);
    broker.push(newest);

    Seen seen;
    source.start(seen.callbacks());
    REQUIRE(waitFor([&] { return seen.frameCount() == 2; }, 30s));
    REQUIRE(waitFor([&] { return broker.drained(); }, 30s));
    source.stop();
    CHECK(source.stats().skipped == 10);
    std::lock_guard lock(seen.mutex);
    REQUIRE(seen.frames.size() == 2);
    CHECK(seen.frames.back().jpeg == newest);
}

TEST_CASE("a broker source reports a lost broker down, reconnects with backoff, and is live again")
{
    auto subscriber = std::make_unique<ScriptedSubscriber>();
    ScriptedSubscriber& broker = *subscriber;
    broker.push(jpegOf(32, 24));
    BrokerSource source(target(PublishTarget::Kind::Mqtt), std::move(subscriber), quickConfig());
    Seen seen;
    source.start(seen.callbacks());
    REQUIRE(waitFor([&] { return seen.frameCount() == 1; }, 30s));

    broker.refuse(3); // the broker restarts: refused a few times
    broker.lose("the broker closed the connection");
    REQUIRE(waitFor([&] { return seen.lastState() == SourceState::Down; }, 30s));
    REQUIRE(waitFor([&] { return broker.connects() >= 1 + 4; }, 30s));
    broker.push(jpegOf(32, 24));
    REQUIRE(waitFor([&] { return seen.frameCount() == 2; }, 30s));
    REQUIRE(waitFor([&] { return seen.lastState() == SourceState::Live; }, 30s));
    source.stop();

    CHECK(seen.downs() == 1); // once per outage, not per attempt
    CHECK(source.stats().reconnects == 1);
    std::lock_guard lock(seen.mutex);
    const auto down = std::find_if(seen.states.begin(), seen.states.end(), [](const auto& state) {
        return state.first == SourceState::Down;
    });
    REQUIRE(down != seen.states.end());
    CHECK(down->second.find("lost the broker") != std::string::npos);
}

TEST_CASE("a broker source whose publisher falls silent is reported down, then live again")
{
    auto subscriber = std::make_unique<ScriptedSubscriber>();
    ScriptedSubscriber& broker = *subscriber;
    broker.push(bytesOf(mxcube(jpegOf(32, 24), 24, 32)));
    BrokerSourceConfig config = quickConfig();
    config.stallAfter = 50ms;
    BrokerSource source(target(PublishTarget::Kind::Redis), std::move(subscriber), config);
    Seen seen;
    source.start(seen.callbacks());
    REQUIRE(waitFor([&] { return seen.lastState() == SourceState::Down; }, 30s));
    broker.push(bytesOf(mxcube(jpegOf(32, 24), 24, 32)));
    REQUIRE(waitFor([&] { return seen.lastState() == SourceState::Live; }, 30s));
    source.stop();
    CHECK(seen.frameCount() == 2);
    CHECK(broker.connects() == 1); // a quiet publisher is not a lost broker
}

TEST_CASE("opening a broker source fails with one clear line")
{
    SUBCASE("nothing usable is published")
    {
        auto subscriber = std::make_unique<ScriptedSubscriber>();
        subscriber->push(bytesOf("hello"));
        BrokerSourceConfig config = quickConfig();
        config.firstFrameTimeout = 100ms;
        try {
            BrokerSource source(target(PublishTarget::Kind::Mqtt), std::move(subscriber), config);
            FAIL("opened");
        } catch (const std::runtime_error& error) {
            const std::string text = error.what();
            CHECK(text.rfind("--source mqtt://broker:1883/cam: no usable frame within 100 ms", 0) ==
                  0);
            CHECK(text.find("1 bad messages, the last: skipped a bad message: neither a JPEG") !=
                  std::string::npos);
        }
    }
    SUBCASE("the broker cannot be reached")
    {
        auto subscriber = std::make_unique<ScriptedSubscriber>();
        subscriber->refuse(1);
        CHECK_THROWS_WITH_AS(
            BrokerSource(target(PublishTarget::Kind::Redis), std::move(subscriber), quickConfig()),
            "--source redis://broker:6379/cam: cannot connect: connection refused",
            std::runtime_error);
    }
}

TEST_CASE("--source with a broker nobody runs: one line naming --source, the URL and why")
{
    for (const std::string scheme : {"mqtt", "redis", "kafka"}) {
        SourceConfig config;
        // Port 1 on loopback: nothing listens there, the refusal is immediate.
        config.spec = scheme + "://127.0.0.1:1/cam";
        CAPTURE(config.spec);
        CHECK(keepsItselfAlive(config.spec));
        try {
            openSource(config);
            FAIL("opened");
        } catch (const std::runtime_error& error) {
            const std::string text = error.what();
            CHECK(text.rfind("--source " + scheme + "://", 0) == 0);
            // "cannot connect: ..." or, built without the library, "this build has no ..."
            CHECK((text.find("cannot connect") != std::string::npos ||
                   text.find("this build has no") != std::string::npos));
        }
    }
    CHECK_FALSE(keepsItselfAlive("mjpeg:clip.mjpeg"));
    SourceConfig bad;
    bad.spec = "mqtt://broker/cam?format=base64";
    CHECK_THROWS_WITH_AS(openSource(bad),
                         "--source mqtt://...: no ?parameters for a source (the payload's format "
                         "is detected)",
                         std::runtime_error);
}
