#include "media/mkv_recorder.h"

#include <stdexcept>

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/error.h>
}

namespace pistream {

namespace {

std::string avError(int code)
{
    char text[AV_ERROR_MAX_STRING_SIZE] = {};
    av_strerror(code, text, sizeof text);
    return text;
}

} // namespace

MkvRecorder::MkvRecorder(const std::string& path, int width, int height)
    : path_(path), width_(width), height_(height)
{
    const auto fail = [&](const std::string& what, int code) {
        if (context_) {
            if (context_->pb)
                avio_closep(&context_->pb);
            avformat_free_context(context_);
            context_ = nullptr;
        }
        return MkvError("cannot record to " + path + ": " + what +
                            (code ? ": " + avError(code) : std::string()),
                        code < 0 ? AVUNERROR(code) : 0);
    };
    int result = avformat_alloc_output_context2(&context_, nullptr, "matroska", path.c_str());
    if (result < 0 || !context_)
        throw fail("no Matroska muxer", result);
    AVStream* stream = avformat_new_stream(context_, nullptr);
    if (!stream)
        throw fail("cannot add a video stream", 0);
    stream->time_base = AVRational{1, 1000};
    stream->codecpar->codec_type = AVMEDIA_TYPE_VIDEO;
    stream->codecpar->codec_id = AV_CODEC_ID_MJPEG;
    stream->codecpar->width = width;
    stream->codecpar->height = height;
    stream->codecpar->format = AV_PIX_FMT_YUVJ420P;
    context_->flags |= AVFMT_FLAG_FLUSH_PACKETS;
    if ((result = avio_open(&context_->pb, path.c_str(), AVIO_FLAG_WRITE)) < 0)
        throw fail("cannot open", result);
    if ((result = avformat_write_header(context_, nullptr)) < 0)
        throw fail("cannot write the header", result);
    packet_ = av_packet_alloc();
    open_ = true;
}

MkvRecorder::~MkvRecorder()
{
    close();
    av_packet_free(&packet_);
}

void MkvRecorder::write(std::span<const std::uint8_t> jpeg, std::int64_t captureMicros)
{
    if (!open_)
        return;
    if (!firstMicros_)
        firstMicros_ = captureMicros;
    // Milliseconds from the first frame; Matroska needs them strictly rising.
    // The timestamps are the server's: one that goes back, or that does not
    // fit (a hostile server's), just follows the last frame.
    std::int64_t sinceFirst = 0;
    std::int64_t pts = lastPts_ + 1;
    if (!__builtin_sub_overflow(captureMicros, *firstMicros_, &sinceFirst) &&
        sinceFirst / 1000 > lastPts_)
        pts = sinceFirst / 1000;
    lastPts_ = pts;

    av_packet_unref(packet_);
    packet_->data = const_cast<std::uint8_t*>(jpeg.data()); // not owned; written before return
    packet_->size = static_cast<int>(jpeg.size());
    packet_->pts = packet_->dts = pts;
    packet_->stream_index = 0;
    packet_->flags |= AV_PKT_FLAG_KEY;
    int result = av_write_frame(context_, packet_);
    packet_->data = nullptr;
    packet_->size = 0;
    // Close the cluster now (a flush): the frame is on disk before the next
    // arrives, so a killed viewer loses nothing it has received.
    if (result >= 0)
        result = av_write_frame(context_, nullptr);
    if (result < 0)
        throw MkvError("recording to " + path_ + " failed: " + avError(result), AVUNERROR(result));
    ++frames_;
}

void MkvRecorder::close()
{
    if (!open_)
        return;
    open_ = false;
    av_write_trailer(context_);
    avio_closep(&context_->pb);
    avformat_free_context(context_);
    context_ = nullptr;
}

std::optional<std::int64_t> mkvLastFrameMillis(const std::string& path)
{
    AVFormatContext* context = nullptr;
    if (avformat_open_input(&context, path.c_str(), nullptr, nullptr) < 0)
        return std::nullopt;
    std::optional<std::int64_t> first, last;
    AVPacket* packet = av_packet_alloc();
    while (packet && av_read_frame(context, packet) >= 0) {
        if (packet->pts != AV_NOPTS_VALUE && packet->stream_index >= 0 &&
            static_cast<unsigned>(packet->stream_index) < context->nb_streams) {
            const AVRational base = context->streams[packet->stream_index]->time_base;
            const std::int64_t ms = av_rescale_q(packet->pts, base, AVRational{1, 1000});
            if (!first || ms < *first)
                first = ms;
            if (!last || ms > *last)
                last = ms;
        }
        av_packet_unref(packet);
    }
    av_packet_free(&packet);
    avformat_close_input(&context);
    if (!first)
        return std::nullopt;
    return *last - *first;
}

} // namespace pistream
