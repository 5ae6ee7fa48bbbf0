// pistream-bench-stages: the cost of each per-frame stage on real frames, side
// by side with the limit (bare libjpeg-turbo on the same planes). Prints one
// JSON object; bench/run.sh turns it into the table.
//
//   pistream-bench-stages --input clip.y4m [--frames 60] [--quality 80]
//   pistream-bench-stages --input clip.y4m --stage bare|ours|server|none
//       runs one stage once per frame and nothing else, for counting its
//       instructions under `valgrind --tool=callgrind` (none: loading only).

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <iostream>
#include <libyuv/scale.h>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <turbojpeg.h>

#include "codec/codec_threads.h"
#include "codec/gzip_compressor.h"
#include "codec/gzip_inflater.h"
#include "codec/jpeg_decoder.h"
#include "codec/jpeg_encoder.h"
#include "codec/parallel_jpeg_encoder.h"
#include "core/encoded_frame.h"
#include "motion/motion_detector.h"
#include "pipeline/gzip_policy.h"
#include "sources/y4m_source.h"

using namespace pistream;

namespace {

// Median milliseconds of `work` run once per frame, over all frames, after a warm-up.
double medianMillis(std::size_t frames, const std::function<void(std::size_t)>& work)
{
    for (std::size_t i = 0; i < std::min<std::size_t>(frames, 5); ++i)
        work(i);
    std::vector<double> times;
    times.reserve(frames);
    for (std::size_t i = 0; i < frames; ++i) {
        const auto start = std::chrono::steady_clock::now();
        work(i);
        times.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count());
    }
    std::nth_element(times.begin(), times.begin() + static_cast<long>(times.size() / 2),
                     times.end());
    return times[times.size() / 2];
}

double cpuMillis(clockid_t clock)
{
    timespec now{};
    clock_gettime(clock, &now);
    return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app("pistream-bench-stages: per-frame cost of each stage", "pistream-bench-stages");
    std::string input;
    std::size_t frameCount = 60;
    int quality = 80;
    app.add_option("--input", input, "y4m file")->required();
    app.add_option("--frames", frameCount, "frames to time");
    app.add_option("--quality", quality, "JPEG quality");
    std::string stage = "all";
    app.add_option("--stage", stage, "all, or one of bare, ours, server, none")
        ->check(CLI::IsMember({"all", "bare", "ours", "server", "none"}));
    CLI11_PARSE(app, argc, argv);

    Y4mSource source(input, 0);
    const auto count = std::min(frameCount, source.frameCount());
    std::vector<FramePtr> frames;
    for (std::size_t i = 0; i < count; ++i)
        frames.push_back(source.frame(i));
    const int width = source.format().width, height = source.format().height;
    for (const auto& frame : frames) // fault the pages in, so every stage starts alike
        for (int row = 0; row < height; row += 16)
            (void)*(frame->planes[0].data +
                    static_cast<std::ptrdiff_t>(row) * frame->planes[0].stride);

    if (stage != "all") {
        // One stage, once per frame: instruction counts under callgrind.
        ByteBuffer out;
        if (stage == "bare") {
            tjhandle handle = tjInitCompress();
            std::vector<unsigned char> buffer(tjBufSize(width, height, TJSAMP_420));
            for (const auto& f : frames) {
                const unsigned char* planes[3] = {f->planes[0].data, f->planes[1].data,
                                                  f->planes[2].data};
                const int strides[3] = {f->planes[0].stride, f->planes[1].stride,
                                        f->planes[2].stride};
                unsigned char* target = buffer.data();
                unsigned long size = buffer.size();
                tjCompressFromYUVPlanes(handle, planes, width, strides, height, TJSAMP_420, &target,
                                        &size, quality, TJFLAG_NOREALLOC);
            }
            tjDestroy(handle);
        } else if (stage == "ours") {
            JpegEncoder encoder(quality);
            for (const auto& f : frames)
                encoder.encode(*f, out);
        } else if (stage == "server") {
            // The server's per-frame work: encode (in strips, as the server does), the
            // gzip policy (auto), the wire header.
            ParallelJpegEncoder encoder(quality, codecThreads(0));
            GzipSetting setting = GzipSetting::parse("auto", GzipStrategy::Default);
            GzipPolicy policy(setting);
            GzipCompressor compressor(1, GzipStrategy::Default);
            EncodedFrame message;
            for (const auto& f : frames) {
                encoder.encode(*f, message.jpegStorage);
                message.jpeg = message.jpegStorage.span();
                bool gzipped = false;
                if (policy.shouldCompress()) {
                    compressor.compress(message.jpeg, message.gzipStorage);
                    gzipped = policy.record(message.jpeg.size(), message.gzipStorage.size());
                }
                message.seal(gzipped);
            }
        }
        std::cout << nlohmann::json{{"stage", stage}, {"frames", count}}.dump() << std::endl;
        return 0;
    }

    // The limit: bare TurboJPEG, same planes, same quality, its own buffer.
    tjhandle bare = tjInitCompress();
    std::vector<unsigned char> bareBuffer(tjBufSize(width, height, TJSAMP_420));
    const auto bareEncode = [&](std::size_t i) {
        const RawFrame& f = *frames[i];
        const unsigned char* planes[3] = {f.planes[0].data, f.planes[1].data, f.planes[2].data};
        const int strides[3] = {f.planes[0].stride, f.planes[1].stride, f.planes[2].stride};
        unsigned char* out = bareBuffer.data();
        unsigned long size = bareBuffer.size();
        tjCompressFromYUVPlanes(bare, planes, width, strides, height, TJSAMP_420, &out, &size,
                                quality, TJFLAG_NOREALLOC);
    };
    const double bareMs = medianMillis(count, bareEncode);
    // The same bare encode paced like a 30 fps server: one frame, then 33 ms
    // of idle. Caches and the CPU go cold in between, so each frame costs
    // more than back to back; this, not the hot loop, is what a paced
    // server's CPU per frame compares with. Mean thread CPU time.
    double barePacedMs = 0;
    {
        const double before = cpuMillis(CLOCK_THREAD_CPUTIME_ID);
        for (std::size_t i = 0; i < count; ++i) {
            bareEncode(i);
            std::this_thread::sleep_for(std::chrono::microseconds(33333));
        }
        barePacedMs = (cpuMillis(CLOCK_THREAD_CPUTIME_ID) - before) / static_cast<double>(count);
    }
    tjDestroy(bare);

    JpegEncoder encoder(quality);
    std::vector<ByteBuffer> jpegs(count);
    const double encodeMs =
        medianMillis(count, [&](std::size_t i) { encoder.encode(*frames[i], jpegs[i]); });
    double jpegBytes = 0;
    for (const auto& jpeg : jpegs)
        jpegBytes += static_cast<double>(jpeg.size());
    jpegBytes /= static_cast<double>(count);

    // The same frames as the server makes them: one JPEG in strips on several
    // threads. Wall time: what a frame waits between capture and send.
    const int stripThreads = codecThreads(0);
    ParallelJpegEncoder strips(quality, stripThreads);
    ByteBuffer stripJpeg;
    const double stripsMs =
        medianMillis(count, [&](std::size_t i) { strips.encode(*frames[i], stripJpeg); });
    // And the CPU it takes, all threads, against one thread's: what the strips cost.
    const auto processCpuPerFrame = [&](const std::function<void(std::size_t)>& work) {
        const double before = cpuMillis(CLOCK_PROCESS_CPUTIME_ID);
        for (std::size_t i = 0; i < count; ++i)
            work(i);
        return (cpuMillis(CLOCK_PROCESS_CPUTIME_ID) - before) / static_cast<double>(count);
    };
    const double stripsCpuMs =
        processCpuPerFrame([&](std::size_t i) { strips.encode(*frames[i], stripJpeg); });
    const double oneCpuMs =
        processCpuPerFrame([&](std::size_t i) { encoder.encode(*frames[i], stripJpeg); });

    nlohmann::json gzip = nlohmann::json::array();
    ByteBuffer packed, inflated;
    std::vector<ByteBuffer> level1(count);
    for (const auto& setting :
         std::vector<std::pair<int, GzipStrategy>>{{1, GzipStrategy::Default},
                                                   {6, GzipStrategy::Default},
                                                   {9, GzipStrategy::Default},
                                                   {1, GzipStrategy::HuffmanOnly},
                                                   {1, GzipStrategy::Rle}}) {
        const auto [level, strategy] = setting;
        const bool isLevel1 = level == 1 && strategy == GzipStrategy::Default;
        GzipCompressor compressor(level, strategy);
        double packedBytes = 0;
        const double ms = medianMillis(count, [&](std::size_t i) {
            compressor.compress(jpegs[i].span(), packed);
            if (isLevel1)
                level1[i].assign(packed.span());
        });
        for (std::size_t i = 0; i < count; ++i) {
            compressor.compress(jpegs[i].span(), packed);
            packedBytes += static_cast<double>(packed.size());
        }
        packedBytes /= static_cast<double>(count);
        gzip.push_back({{"level", level},
                        {"strategy", nameOf(strategy)},
                        {"ms", ms},
                        {"saved_percent", 100.0 * (1.0 - packedBytes / jpegBytes)}});
    }

    // Motion detection on the same frames (the first only learns): what it
    // adds to the server's CPU per frame, as a fraction of the encode's. As
    // in the pipeline, each frame is analysed right after it was encoded, so
    // its luma plane is as warm (or cold) in the caches as it is there; only
    // the detector is timed.
    MotionDetector detector;
    (void)detector.analyse(*frames[0]);
    std::vector<double> motionTimes;
    for (std::size_t i = 0; i < count; ++i) {
        strips.encode(*frames[i], stripJpeg);
        const auto start = std::chrono::steady_clock::now();
        (void)detector.analyse(*frames[i]);
        motionTimes.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count());
    }
    std::nth_element(motionTimes.begin(),
                     motionTimes.begin() + static_cast<long>(motionTimes.size() / 2),
                     motionTimes.end());
    const double motionMs = motionTimes[motionTimes.size() / 2];

    EncodedFrame message;
    const double packMs = medianMillis(count, [&](std::size_t i) {
        message.jpeg = jpegs[i].span();
        message.header.sequence = i;
        message.seal(false);
    });
    GzipInflater inflater;
    const double inflateMs = medianMillis(count, [&](std::size_t i) {
        (void)inflater.inflate(level1[i].span(), jpegs[i].size(), inflated);
    });
    JpegDecoder decoder;
    YuvImage image;
    const double decodeMs = medianMillis(
        count, [&](std::size_t i) { (void)decoder.decode(jpegs[i].span(), 8192, 8192, image); });
    // A wall's tile: decoded at 1/2 and 1/4 in the DCT, against a full
    // decode scaled to half afterwards (libyuv, box filter).
    const double decodeHalfMs = medianMillis(count, [&](std::size_t i) {
        (void)decoder.decodeTo420(jpegs[i].span(), 8192, 8192, image, 2);
    });
    const double decodeQuarterMs = medianMillis(count, [&](std::size_t i) {
        (void)decoder.decodeTo420(jpegs[i].span(), 8192, 8192, image, 4);
    });
    std::vector<std::uint8_t> half(static_cast<std::size_t>((width / 2) * (height / 2) * 3 / 2));
    const double decodeThenScaleMs = medianMillis(count, [&](std::size_t i) {
        (void)decoder.decodeTo420(jpegs[i].span(), 8192, 8192, image);
        std::uint8_t* y = half.data();
        std::uint8_t* u = y + (width / 2) * (height / 2);
        std::uint8_t* v = u + (width / 4) * (height / 4);
        libyuv::I420Scale(image.planes[0], image.strides[0], image.planes[1], image.strides[1],
                          image.planes[2], image.strides[2], width, height, y, width / 2, u,
                          width / 4, v, width / 4, width / 2, height / 2, libyuv::kFilterBox);
    });

    std::cout << nlohmann::json{{"width", width},
                                {"height", height},
                                {"frames", count},
                                {"quality", quality},
                                {"jpeg_bytes", jpegBytes},
                                {"bare_encode_ms", bareMs},
                                {"bare_paced_cpu_ms", barePacedMs},
                                {"encode_ms", encodeMs},
                                {"encode_vs_bare", encodeMs / bareMs},
                                {"strip_threads", stripThreads},
                                {"strip_encode_ms", stripsMs},
                                {"strip_cpu_ms", stripsCpuMs},
                                {"one_thread_cpu_ms", oneCpuMs},
                                {"gzip", gzip},
                                {"pack_ms", packMs},
                                {"inflate_ms", inflateMs},
                                {"decode_ms", decodeMs},
                                {"decode_half_ms", decodeHalfMs},
                                {"decode_quarter_ms", decodeQuarterMs},
                                {"decode_then_scale_half_ms", decodeThenScaleMs},
                                {"motion_ms", motionMs},
                                {"motion_vs_encode_cpu", motionMs / stripsCpuMs}}
                     .dump()
              << std::endl;
    return 0;
}
