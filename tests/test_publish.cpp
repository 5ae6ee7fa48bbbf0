// Broker publishers below the network: the --publish URL, the queue that
// drops the oldest frame, the reconnect backoff, the rate limit, the log
// throttle, the payloads, and a BrokerPublisher on a hub with a fake broker.
// The real brokers are in test_brokers.

#include <array>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <optional>
#include <regex>

#include <doctest/doctest.h>

#include "broker/publish_target.h"
#include "notify/home_assistant.h"
#include "notify/notify_target.h"
#include "publish/broker_publisher.h"
#include "publish/frame_rate_limit.h"
#include "publish/log_throttle.h"
#include "publish/publish_payload.h"
#include "publish/publish_queue.h"
#include "publish/reconnect_policy.h"
#include "support/server_fixture.h"

using namespace pistream;
using namespace pistream::test;
using namespace std::chrono_literals;

namespace {

std::string parseError(const std::string& url)
{
    try {
        parsePublishUrl(url);
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "(parsed)";
}

std::vector<std::uint8_t> base64Decode(const std::string& text)
{
    std::vector<std::uint8_t> bytes(text.size() / 4 * 3);
    const int length =
        EVP_DecodeBlock(bytes.data(), reinterpret_cast<const unsigned char*>(text.data()),
                        static_cast<int>(text.size()));
    REQUIRE(length >= 0);
    bytes.resize(static_cast<std::size_t>(length) - (text.ends_with("==")  ? 2
                                                     : text.ends_with("=") ? 1
                                                                           : 0));
    return bytes;
}

// A broker the test controls: up or down, and a publish that can be held.
struct FakeBroker {
    std::atomic<bool> up{true};
    std::atomic<int> connects{0};
    std::atomic<int> publishCalls{0};
    std::mutex mutex;
    std::condition_variable released;
    bool hold = false;                   // publish() waits while set
    std::vector<std::uint64_t> received; // sequences the broker took

    void setHold(bool value)
    {
        {
            std::lock_guard lock(mutex);
            hold = value;
        }
        released.notify_all();
    }
    std::vector<std::uint64_t> frames()
    {
        std::lock_guard lock(mutex);
        return received;
    }
};

class FakeClient final : public BrokerClient {
public:
    explicit FakeClient(FakeBroker& broker) : broker_(broker) {}
    BrokerError connect(const std::stop_token&) override
    {
        ++broker_.connects;
        return broker_.up ? BrokerError{} : BrokerError{"refused"};
    }
    BrokerError publish(const EncodedFrame& frame) override
    {
        ++broker_.publishCalls;
        std::unique_lock lock(broker_.mutex);
        broker_.released.wait(lock, [this] { return !broker_.hold; });
        if (!broker_.up)
            return "the connection was lost";
        broker_.received.push_back(frame.header.sequence);
        return std::nullopt;
    }
    void disconnect() override {}

private:
    FakeBroker& broker_;
};

// A hub on an io_context that the test thread drives.
struct PublisherRig {
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
    FrameHub hub{io};
    FakeBroker broker;
    std::unique_ptr<BrokerPublisher> publisher;

    explicit PublisherRig(PublisherConfig config = {}, double fps = 0)
    {
        config.reconnect = {1ms, 8ms, 0.0};
        PublishTarget target = parsePublishUrl("mqtt://127.0.0.1/cam");
        target.fps = fps;
        publisher = std::make_unique<BrokerPublisher>(io, hub, target,
                                                      std::make_unique<FakeClient>(broker), config);
    }
    ~PublisherRig()
    {
        broker.setHold(false);
        publisher->stop();
    }
    // Runs the io thread's work until `predicate` holds.
    template <typename Predicate> bool until(Predicate predicate)
    {
        return waitFor(
            [&] {
                io.poll();
                return predicate();
            },
            20s, 1ms);
    }
    // Publishes a frame and lets the hub hand it to the subscribers.
    void send(std::uint64_t sequence)
    {
        hub.publish(makeJpegFrame(sequence));
        io.poll();
    }
};

} // namespace

TEST_CASE("--publish URLs: MQTT, Redis and Kafka, with their defaults")
{
    const PublishTarget full = parsePublishUrl(
        "mqtt://cam:s%40cret@broker.lan:8883/home/pi-cam?format=base64&fps=2.5&qos=1");
    CHECK(full.kind == PublishTarget::Kind::Mqtt);
    CHECK(full.user == "cam");
    CHECK(full.password == "s@cret");
    CHECK(full.host == "broker.lan");
    CHECK(full.port == 8883);
    CHECK(full.topic == "home/pi-cam");
    CHECK(full.format == PublishTarget::Format::Base64);
    CHECK(full.fps == 2.5);
    CHECK(full.qos == 1);
    // The password never shows in logs or /api/status.
    CHECK(full.describe() ==
          "mqtt://cam:***@broker.lan:8883/home/pi-cam?format=base64&qos=1&fps=2.5");

    const PublishTarget plain = parsePublishUrl("mqtt://10.0.0.5/cam");
    CHECK(plain.port == kDefaultMqttPort);
    CHECK(plain.format == PublishTarget::Format::Jpeg);
    CHECK(plain.fps == 0);
    CHECK(plain.qos == 0);
    CHECK(plain.user.empty());
    CHECK_FALSE(plain.mqtt5); // 3.1.1 unless asked: every broker speaks it
    CHECK(plain.describeSource() == "mqtt://10.0.0.5:1883/cam");

    const PublishTarget v5 = parsePublishUrl("mqtt://10.0.0.5/cam?protocol=5");
    CHECK(v5.mqtt5);
    CHECK(v5.describe() == "mqtt://10.0.0.5:1883/cam?format=jpeg&qos=0&protocol=5");
    CHECK_FALSE(parsePublishUrl("mqtt://10.0.0.5/cam?protocol=3.1.1").mqtt5);

    const PublishTarget redis = parsePublishUrl("redis://lab-bus/video:cam1");
    CHECK(redis.kind == PublishTarget::Kind::Redis);
    CHECK(redis.port == kDefaultRedisPort);
    CHECK(redis.topic == "video:cam1");
    CHECK(redis.describe() == "redis://lab-bus:6379/video:cam1");

    const PublishTarget kafka = parsePublishUrl("kafka://k1,k2:9093,[::1]:9094/cctv.garden?fps=5");
    CHECK(kafka.kind == PublishTarget::Kind::Kafka);
    CHECK(kafka.host == "k1");
    CHECK(kafka.port == kDefaultKafkaPort);
    CHECK(kafka.brokers == "k1:9092,k2:9093,[::1]:9094");
    CHECK(kafka.topic == "cctv.garden");
    CHECK(kafka.fps == 5);
    CHECK(kafka.describe() == "kafka://k1:9092,k2:9093,[::1]:9094/cctv.garden?fps=5");

    const PublishTarget v6 = parsePublishUrl("redis://[::1]:7000/c?fps=1");
    CHECK(v6.host == "::1");
    CHECK(v6.port == 7000);
    CHECK(v6.describe() == "redis://[::1]:7000/c?fps=1");
}

TEST_CASE("--publish URLs: every bad part is named, and a password never is")
{
    const std::pair<std::string, std::string> cases[] = {
        {"ftp://host/t", "must start with mqtt://, redis:// or kafka://"},
        {"host/t", "must start with mqtt://, redis:// or kafka://"},
        {"MQTT://host/t", "must start with mqtt://, redis:// or kafka://"},
        {"mqtt://host", "no topic after the host"},
        {"redis://host", "no channel after the host"},
        {"mqtt://host/", "empty topic"},
        {"mqtt:///t", "no host"},
        {"mqtt://ho$t/t", "bad host 'ho$t'"},
        {"mqtt://[::1/t", "bad host"},
        {"mqtt://host:0/t", "port must be 1..65535, not '0'"},
        {"mqtt://host:65536/t", "port must be 1..65535"},
        {"mqtt://host:12a/t", "port must be 1..65535, not '12a'"},
        {"mqtt://host:/t", "port must be 1..65535, not ''"},
        {"mqtt://host/a/#", "wildcards + or #"},
        {"mqtt://host/a/+/b", "wildcards + or #"},
        {"mqtt://host/t?format=png", "format must be jpeg or base64, not 'png'"},
        {"mqtt://host/t?qos=2", "qos must be 0 or 1, not '2'"},
        {"mqtt://host/t?protocol=4", "protocol must be 5 or 3.1.1, not '4'"},
        {"redis://host/t?protocol=5", "unknown parameter 'protocol'"},
        {"mqtt://host/t?fps=0", "fps must be a number from 0.01 to 1000, not '0'"},
        {"mqtt://host/t?fps=nan", "fps must be a number"},
        {"mqtt://host/t?fps=-1", "fps must be a number"},
        {"mqtt://host/t?fps=1e9", "fps must be a number"},
        {"mqtt://host/t?fps=", "fps must be a number"},
        {"mqtt://host/t?fps=1&fps=2", "'fps' is given twice"},
        {"mqtt://host/t?colour=red", "unknown parameter 'colour'"},
        {"mqtt://host/t?", "empty parameter"},
        {"mqtt://host/t?fps=1&", "empty parameter"},
        {"redis://host/c?format=base64", "unknown parameter 'format' (fps is known)"},
        {"redis://u:p@host/c", "redis:// takes no user or password"},
        {"mqtt://:pw@host/t", "empty user"},
        {"mqtt://u:%zz@host/t", "bad %-escape in the password"},
        {"mqtt://u:%4@host/t", "bad %-escape in the password"},
        {"mqtt://u:%00@host/t", "may not contain %00"},
        {"mqtt://host/t t", "spaces and control characters"},
        {std::string("mqtt://host/t\x01", 15), "spaces and control characters"},
        {std::string("mqtt://host/t\0x", 15), "spaces and control characters"},
        {"mqtt://host/t\xc3\xa9\x7f", "spaces and control characters"},
        {"mqtt://host/" + std::string(3000, 'a'), "longer than 2048"},
        {"mqtt://host/" + std::string(1025, 'a'), "topic longer than 1024"},
        {"kafka://host", "no topic after the host"},
        {"kafka://a:9092,/t", "no host"},
        {"kafka://a:9092,b:x/t", "port must be 1..65535, not 'x'"},
        {"kafka://u@a/t", "kafka:// takes no user or password"},
        {"kafka://a/cam/1", "a Kafka topic is 1 to 249 of"},
        {"kafka://a/t?format=base64", "unknown parameter 'format' (fps is known)"},
    };
    for (const auto& item : cases) {
        const std::string& url = item.first; // not a structured binding: clang 14's CAPTURE
        const std::string& expected = item.second;
        CAPTURE(url);
        const std::string error = parseError(url);
        CHECK_MESSAGE(error.find(expected) != std::string::npos, error);
        CHECK(error.rfind("--publish", 0) == 0);
    }
    // A hostile or mistyped URL with a password in it: the error names the
    // part, never the secret.
    for (const char* url : {"mqtt://user:hunter2@host:0/t", "mqtt://user:hunter2@ho$t/t",
                            "mqtt://user:hunter2@host/t?qos=7", "mqtt://user:hunter2@host"}) {
        const std::string error = parseError(url);
        CHECK(error != "(parsed)");
        CHECK_MESSAGE(error.find("hunter2") == std::string::npos, error);
    }
}

TEST_CASE("the publish queue keeps the newest frames and counts the oldest it drops")
{
    PublishQueue queue(4);
    std::size_t dropped = 0;
    for (std::uint64_t i = 1; i <= 10; ++i)
        dropped += queue.push(makeFrame(i, 8));
    CHECK(dropped == 6);
    CHECK(queue.size() == 4);
    const auto now = std::chrono::steady_clock::now();
    for (std::uint64_t i = 7; i <= 10; ++i) {
        const EncodedFramePtr frame = queue.pop(now).value_or(nullptr);
        REQUIRE(frame);
        CHECK(frame->header.sequence == i);
    }
    CHECK_FALSE(queue.pop(now)); // empty: no wait past the deadline
    queue.push(makeFrame(11, 8));
    queue.push(makeFrame(12, 8));
    CHECK(queue.clear() == 2);
    CHECK(queue.size() == 0);
    // wake() ends a wait that has no deadline worth waiting for.
    queue.wake();
    CHECK_FALSE(queue.pop(std::chrono::steady_clock::now() + 1h));
    CHECK(liveFrames == 0); // nothing kept
}

TEST_CASE("reconnect backoff: at once, then doubling to the cap, and reset by a connection")
{
    using Clock = ReconnectPolicy::Clock;
    ReconnectPolicy policy({250ms, 4000ms, 0.0});
    const Clock::time_point t0{};
    CHECK(policy.due(t0)); // the first attempt is not delayed
    std::vector<long> waits;
    for (int i = 0; i < 7; ++i)
        waits.push_back(static_cast<long>(policy.failed(t0).count()));
    CHECK(waits == std::vector<long>{250, 500, 1000, 2000, 4000, 4000, 4000});
    CHECK_FALSE(policy.due(t0 + 3999ms));
    CHECK(policy.due(t0 + 4000ms));
    policy.connected();
    CHECK(policy.failed(t0).count() == 250);
    // A connection that is lost: try again at once, then back off afresh.
    policy.lost(t0 + 10s);
    CHECK(policy.due(t0 + 10s));
    CHECK(policy.failed(t0 + 10s).count() == 250);

    // With jitter each wait stays within +-20% of its step.
    ReconnectPolicy jittery({250ms, 4000ms, 0.2}, 7);
    long expected = 250;
    for (int i = 0; i < 20; ++i) {
        const long wait = static_cast<long>(jittery.failed(t0).count());
        CHECK(wait >= expected * 8 / 10);
        CHECK(wait <= expected * 12 / 10);
        expected = std::min(4000L, expected * 2);
    }
}

TEST_CASE("fps=N lets N frames a second through, judged by the frames' own timestamps")
{
    const auto count = [](double fps, int frames, std::int64_t stepMicros) {
        FrameRateLimit limit(fps);
        int admitted = 0;
        for (int i = 0; i < frames; ++i)
            admitted += limit.admit(1'000'000 + i * stepMicros);
        return admitted;
    };
    CHECK(count(0, 300, 33'333) == 300);  // no limit
    CHECK(count(1, 300, 33'333) == 10);   // 10 s of 30 fps at 1 fps
    CHECK(count(10, 300, 33'333) == 100); // 10 fps out of 30: every third
    CHECK(count(60, 300, 33'333) == 300); // a limit above the rate changes nothing
    CHECK(count(2, 40, 100'000) == 8);    // 4 s of 10 fps at 2 fps
    // After a pause the next frame goes at once, and the schedule restarts.
    FrameRateLimit limit(1);
    CHECK(limit.admit(0));
    CHECK_FALSE(limit.admit(500'000));
    CHECK(limit.admit(60'000'000));
    CHECK_FALSE(limit.admit(60'900'000));
    CHECK(limit.admit(61'000'000));
}

TEST_CASE("broker errors are logged once per period, with a count of those held back")
{
    using Clock = LogThrottle::Clock;
    LogThrottle throttle(30s);
    const Clock::time_point t0{};
    int lines = 0;
    for (int i = 0; i < 300; ++i) // 30 fps of errors for 10 s
        lines += throttle.allow(t0 + i * 33ms);
    CHECK(lines == 1);
    CHECK(throttle.allow(t0 + 31s));
    CHECK(throttle.suppressed() == 299);
    CHECK_FALSE(throttle.allow(t0 + 32s));
}

TEST_CASE("payloads: base64 of the JPEG, and the MXCuBE JSON message")
{
    const auto bytes = [](const std::string& text) {
        return std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    };
    CHECK(base64Encode(bytes("")).empty());
    CHECK(base64Encode(bytes("f")) == "Zg==");
    CHECK(base64Encode(bytes("fo")) == "Zm8=");
    CHECK(base64Encode(bytes("foobar")) == "Zm9vYmFy");
    // Past the 3 MiB chunk it encodes in: one unbroken text, as if in one go.
    std::vector<std::uint8_t> big(3 * (1u << 20) + 5);
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<std::uint8_t>(i * 7);
    const std::string text = base64Encode(big);
    CHECK(text.size() == 4 * ((big.size() + 2) / 3));
    CHECK(text.find_first_of("=\n") == text.size() - 1); // padding only at the end
    CHECK(base64Decode(text) == big);

    const EncodedFramePtr frame = makeJpegFrame(42);
    CHECK(std::regex_match(clockTimeText(std::chrono::system_clock::now()),
                           std::regex(R"(\d\d:\d\d:\d\d\.\d{6})")));
    const auto message =
        nlohmann::json::parse(mxcubeMessage(*frame, std::chrono::system_clock::now()));
    CHECK(message.size() == 4);
    CHECK(message["size"] == nlohmann::json::array({48, 64})); // height first
    CHECK(message["frame_number"] == 42);
    CHECK(std::regex_match(message["time"].get<std::string>(),
                           std::regex(R"(\d\d:\d\d:\d\d\.\d{6})")));
    const auto jpeg = base64Decode(message["data"].get<std::string>());
    CHECK(std::equal(jpeg.begin(), jpeg.end(), frame->jpeg.begin(), frame->jpeg.end()));
}

TEST_CASE("a publisher wants frames only while its broker is connected, and sends each one")
{
    PublisherRig rig;
    rig.broker.up = false;
    rig.publisher->start();
    // Down at start: it keeps trying, and does not make the camera encode.
    REQUIRE(rig.until([&] { return rig.broker.connects >= 3; }));
    CHECK_FALSE(rig.hub.wanted());
    rig.send(1);
    CHECK(rig.publisher->stats().published == 0);
    CHECK(rig.publisher->stats().dropped == 0); // not queued: there is nowhere to send it

    rig.broker.up = true;
    REQUIRE(rig.until([&] { return rig.hub.wanted(); }));
    CHECK(rig.publisher->stats().connected);
    CHECK(rig.publisher->stats().reconnects == 1); // found after failing
    for (std::uint64_t i = 2; i <= 11; ++i) {
        rig.send(i);
        REQUIRE(rig.until([&] { return rig.publisher->stats().published == i - 1; }));
    }
    CHECK(rig.broker.frames() == std::vector<std::uint64_t>{2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    const PublisherStats stats = rig.publisher->stats();
    CHECK(stats.dropped == 0);
    CHECK(stats.bytes == 10 * makeJpegFrame(0)->jpeg.size());
    CHECK(stats.target == "mqtt://127.0.0.1:1883/cam?format=jpeg&qos=0");

    rig.publisher->stop();
    CHECK_FALSE(rig.hub.wanted());
}

TEST_CASE("a slow broker: the publisher keeps the newest frames, drops and counts the oldest")
{
    PublisherConfig config;
    config.queueFrames = 4;
    PublisherRig rig(config);
    rig.publisher->start();
    REQUIRE(rig.until([&] { return rig.hub.wanted(); }));
    rig.broker.setHold(true); // the broker stops taking frames
    rig.send(1);
    REQUIRE(rig.until([&] { return rig.broker.publishCalls == 1; })); // 1 is being sent
    for (std::uint64_t i = 2; i <= 11; ++i)
        rig.send(i);
    CHECK(rig.publisher->stats().dropped == 6); // 2..7 pushed out by 8..11
    rig.broker.setHold(false);
    REQUIRE(rig.until([&] { return rig.publisher->stats().published == 5; }));
    CHECK(rig.broker.frames() == std::vector<std::uint64_t>{1, 8, 9, 10, 11});
    CHECK(rig.publisher->stats().dropped == 6);
}

TEST_CASE("a broker that goes away: frames stop being wanted, it reconnects and publishing resumes")
{
    PublisherRig rig;
    rig.publisher->start();
    REQUIRE(rig.until([&] { return rig.hub.wanted(); }));
    rig.send(1);
    REQUIRE(rig.until([&] { return rig.publisher->stats().published == 1; }));

    rig.broker.up = false; // the next publish finds the connection gone
    const int connectsBefore = rig.broker.connects;
    rig.send(2);
    REQUIRE(rig.until([&] { return !rig.hub.wanted(); }));
    REQUIRE(rig.until([&] { return rig.broker.connects >= connectsBefore + 3; })); // retrying
    CHECK_FALSE(rig.publisher->stats().connected);
    CHECK(rig.publisher->stats().lastError.find("refused") != std::string::npos);

    rig.broker.up = true;
    REQUIRE(rig.until([&] { return rig.hub.wanted(); }));
    rig.send(3);
    REQUIRE(rig.until([&] { return rig.publisher->stats().published == 2; }));
    CHECK(rig.broker.frames() == std::vector<std::uint64_t>{1, 3});
    CHECK(rig.publisher->stats().reconnects == 1);
}

TEST_CASE("fps on a publisher: frames over the rate are not even queued")
{
    PublisherRig rig({}, 1.0);
    rig.publisher->start();
    REQUIRE(rig.until([&] { return rig.hub.wanted(); }));
    // makeJpegFrame's timestamps are 1 µs apart: all within one second.
    for (std::uint64_t i = 1; i <= 20; ++i)
        rig.send(i);
    REQUIRE(rig.until([&] { return rig.publisher->stats().published == 1; }));
    CHECK(rig.publisher->stats().dropped == 0);
    CHECK(rig.broker.frames() == std::vector<std::uint64_t>{1});
}

TEST_CASE("a broker that accepts and never answers costs one bounded wait, then an error")
{
    // The kernel completes the TCP handshake into the backlog; nobody ever
    // accepts, reads or answers.
    asio::io_context io;
    asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
    const std::string where = "127.0.0.1:" + std::to_string(silent.local_endpoint().port());
    std::stop_source running;

    SUBCASE("MQTT: no CONNACK")
    {
        const auto client = makeBrokerClient(parsePublishUrl("mqtt://" + where + "/cam"));
        const BrokerError error = client->connect(running.get_token());
        REQUIRE(error);
        CHECK_MESSAGE(error->find("no answer to CONNECT") != std::string::npos, *error);
        // A stop ends the wait for the answer at once.
        std::stop_source stopping;
        stopping.request_stop();
        const BrokerError stopped = client->connect(stopping.get_token());
        REQUIRE(stopped);
        CHECK(*stopped == "stopping");
    }
    SUBCASE("Redis: no answer to PUBLISH")
    {
        const auto client = makeBrokerClient(parsePublishUrl("redis://" + where + "/cam"));
        REQUIRE_FALSE(client->connect(running.get_token())); // TCP alone succeeds
        const BrokerError error = client->publish(*makeJpegFrame(1));
        REQUIRE(error);
        CHECK_MESSAGE(error->find("no answer to PUBLISH") != std::string::npos, *error);
    }
    SUBCASE("nobody listening: refused, at once")
    {
        silent.close();
        for (const char* scheme : {"mqtt://", "redis://"}) {
            const auto client = makeBrokerClient(parsePublishUrl(scheme + where + "/cam"));
            const BrokerError error = client->connect(running.get_token());
            REQUIRE(error);
            CHECK_MESSAGE(error->find("refused") != std::string::npos, *error);
        }
    }
}

namespace {

// An MQTT broker that accepts the connection (CONNACK) and then reads and
// discards everything, never acknowledging a QoS 1 message: a broker that
// has stopped keeping up.
class UnackingMqttBroker {
public:
    UnackingMqttBroker()
    {
        acceptor_.async_accept([this](std::error_code error, asio::ip::tcp::socket socket) {
            if (error)
                return;
            socket_.emplace(std::move(socket));
            // The CONNECT packet arrives first; the answer does not depend on it.
            socket_->async_read_some(asio::buffer(buffer_), [this](std::error_code e, std::size_t) {
                if (e)
                    return;
                static const std::uint8_t connack[] = {0x20, 0x02, 0x00, 0x00};
                asio::write(*socket_, asio::buffer(connack), e);
                discard();
            });
        });
        thread_ = std::thread([this] { io_.run(); });
    }
    ~UnackingMqttBroker()
    {
        io_.stop();
        thread_.join();
    }
    std::uint16_t port() const { return port_; }

private:
    void discard()
    {
        socket_->async_read_some(asio::buffer(buffer_), [this](std::error_code e, std::size_t) {
            if (!e)
                discard();
        });
    }

    asio::io_context io_;
    asio::ip::tcp::acceptor acceptor_{io_, {asio::ip::make_address("127.0.0.1"), 0}};
    std::uint16_t port_ = acceptor_.local_endpoint().port();
    std::optional<asio::ip::tcp::socket> socket_;
    std::array<std::uint8_t, 4096> buffer_{};
    std::thread thread_;
};

} // namespace

TEST_CASE("MQTT qos=1 to a broker that stops acknowledging: a few messages on their way, no more")
{
    UnackingMqttBroker broker;
    const auto client = makeBrokerClient(
        parsePublishUrl("mqtt://127.0.0.1:" + std::to_string(broker.port()) + "/cam?qos=1"));
    std::stop_source running;
    REQUIRE_FALSE(client->connect(running.get_token()));
    const EncodedFramePtr frame = makeJpegFrame(1);
    int handedOver = 0;
    while (client->ready() && handedOver < 100) {
        REQUIRE_FALSE(client->publish(*frame));
        ++handedOver;
    }
    // Past this the publisher's own queue drops frames, instead of
    // libmosquitto's queue growing without bound.
    CHECK(handedOver == 4);
    CHECK_FALSE(client->service(std::chrono::milliseconds(10))); // still connected
    CHECK_FALSE(client->ready());
}

// --- Telling people about motion: MQTT for Home Assistant, web hooks ---

TEST_CASE("MQTT topic ids come from the camera's name, safe for any topic")
{
    CHECK(mqttTopicId("Garden door") == "garden_door");
    CHECK(mqttTopicId("pi-cam.local") == "pi_cam_local");
    CHECK(mqttTopicId("a/b+c#d") == "a_b_c_d"); // no topic levels, no wildcards
    CHECK(mqttTopicId("  ") == "camera");
    CHECK(mqttTopicId("") == "camera");
    CHECK(mqttTopicId("\xC3\xA9t\xC3\xA9") == "t"); // non-ASCII dropped
    CHECK(mqttTopicId(std::string(300, 'x')).size() == 64);
}

TEST_CASE("Home Assistant discovery: a motion binary sensor and a snapshot camera of one device")
{
    const HomeAssistantTopics topics("Garden door");
    CHECK(topics.motionTopic() == "pistream/garden_door/motion");
    const auto messages = topics.discovery("1.2.3");
    REQUIRE(messages.size() == 2);
    CHECK(messages[0].topic == "homeassistant/binary_sensor/pistream_garden_door/motion/config");
    CHECK(messages[1].topic == "homeassistant/camera/pistream_garden_door/snapshot/config");
    const auto sensor = nlohmann::json::parse(messages[0].payload);
    const auto camera = nlohmann::json::parse(messages[1].payload);
    CHECK(sensor["device_class"] == "motion");
    CHECK(sensor["state_topic"] == topics.motionTopic());
    CHECK(sensor["payload_on"] == "ON");
    CHECK(sensor["availability_topic"] == "pistream/garden_door/available");
    CHECK(camera["topic"] == topics.snapshotTopic());
    CHECK(sensor["device"] == camera["device"]); // one device with two entities
    CHECK(sensor["device"]["name"] == "Garden door");
    CHECK(sensor["device"]["sw_version"] == "1.2.3");
    CHECK(sensor["unique_id"] != camera["unique_id"]);
    for (const auto& message : messages)
        CHECK(message.retain);

    CHECK(topics.availability(false).payload == "offline");
    CHECK(topics.availability(true).retain);
    CHECK(topics.motion(true).payload == "ON");
    CHECK(topics.motion(false).retain);
}

TEST_CASE("event JSON: new, update and end, endMs null while the event lasts")
{
    MotionEventRecord event{7, 1000, std::nullopt, 0.25, {0.1, 0.2, 0.3, 0.4}};
    auto json =
        nlohmann::json::parse(motionEventJson("Door", event, MotionEvents::Change::Started));
    CHECK(json["type"] == "new");
    CHECK(json["camera"] == "Door");
    CHECK(json["id"] == 7);
    CHECK(json["startMs"] == 1000);
    CHECK(json["endMs"].is_null());
    CHECK(json["score"] == 0.25);
    CHECK(json["box"] == nlohmann::json::parse("[0.1, 0.2, 0.3, 0.4]"));
    CHECK(nlohmann::json::parse(
              motionEventJson("Door", event, MotionEvents::Change::None))["type"] == "update");
    event.endMs = 4000;
    json = nlohmann::json::parse(motionEventJson("Door", event, MotionEvents::Change::Ended));
    CHECK(json["type"] == "end");
    CHECK(json["endMs"] == 4000);
    // The camera's name is data, escaped by the JSON writer.
    json = nlohmann::json::parse(motionEventJson("a\"b\\c\n", event, MotionEvents::Change::Ended));
    CHECK(json["camera"] == "a\"b\\c\n");
}

TEST_CASE("--mqtt: the broker's URL with an optional topic prefix")
{
    auto target = parseMqttNotifyUrl("mqtt://broker");
    CHECK(target.host == "broker");
    CHECK(target.port == 1883);
    CHECK(target.topic == "pistream");
    target = parseMqttNotifyUrl("mqtt://user:p%40ss@broker:1884/home/cams?qos=0");
    CHECK(target.user == "user");
    CHECK(target.password == "p@ss");
    CHECK(target.port == 1884);
    CHECK(target.topic == "home/cams");
    CHECK(target.qos == 0);
    CHECK(parseMqttNotifyUrl("mqtt://broker?qos=1").topic == "pistream");

    const auto message = [](const std::string& url) {
        try {
            parseMqttNotifyUrl(url);
        } catch (const std::invalid_argument& error) {
            return std::string(error.what());
        }
        return std::string();
    };
    CHECK(message("redis://broker") == "--mqtt: the URL must start with mqtt://");
    CHECK(message("mqtt://u:secret@:1883").find("--mqtt mqtt://...: no host") == 0);
    CHECK(message("mqtt://u:secret@:1883").find("secret") == std::string::npos);
    CHECK(message("mqtt://broker/cams?fps=1").find("only qos=") != std::string::npos);
    CHECK(message("mqtt://broker/cams?format=base64").find("only qos=") != std::string::npos);
    CHECK(message("mqtt://broker/ca+ms").find("+ or #") != std::string::npos);
}

TEST_CASE("--webhook takes http and https URLs with a host")
{
    CHECK_NOTHROW(checkWebhookUrl("http://10.0.0.2:8123/api/webhook/abc"));
    CHECK_NOTHROW(checkWebhookUrl("https://user:pw@hooks.example/x?token=1"));
    CHECK_THROWS_WITH_AS(checkWebhookUrl("ftp://host/x"),
                         "--webhook: the URL must start with http:// or https://",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(checkWebhookUrl("http:///x"), "--webhook: no host in the URL",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(checkWebhookUrl("http://host/a b"),
                         "--webhook: spaces and control characters are not allowed",
                         std::invalid_argument);
    CHECK_THROWS_AS(checkWebhookUrl("http://" + std::string(3000, 'a')), std::invalid_argument);
}
