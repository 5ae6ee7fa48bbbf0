#include "media/mkv_reader.h"

#include "media/mkv_recorder.h"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/error.h>
}

namespace pistream {

MkvReader::MkvReader(const std::string& path)
{
    int result = avformat_open_input(&context_, path.c_str(), nullptr, nullptr);
    if (result < 0) {
        char text[AV_ERROR_MAX_STRING_SIZE] = {};
        av_strerror(result, text, sizeof text);
        throw MkvError("cannot read " + path + ": " + text, AVUNERROR(result));
    }
    for (unsigned i = 0; i < context_->nb_streams; ++i) {
        if (context_->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
            context_->streams[i]->codecpar->codec_id == AV_CODEC_ID_MJPEG) {
            stream_ = static_cast<int>(i);
            break;
        }
    }
    packet_ = av_packet_alloc();
    if (stream_ < 0 || !packet_) {
        av_packet_free(&packet_);
        avformat_close_input(&context_);
        throw MkvError("cannot read " + path + ": no MJPEG video track", 0);
    }
}

MkvReader::~MkvReader()
{
    av_packet_free(&packet_);
    avformat_close_input(&context_);
}

std::optional<MkvFrame> MkvReader::next()
{
    while (!ended_) {
        if (av_read_frame(context_, packet_) < 0) {
            ended_ = true;
            break;
        }
        if (packet_->stream_index != stream_ || packet_->size <= 0) {
            av_packet_unref(packet_);
            continue;
        }
        const auto size = static_cast<std::size_t>(packet_->size);
        if (size > kMaxFrameBytes) {
            av_packet_unref(packet_);
            ended_ = true;
            break;
        }
        const std::int64_t pts = packet_->pts != AV_NOPTS_VALUE ? packet_->pts : packet_->dts;
        std::int64_t micros = 0;
        if (pts != AV_NOPTS_VALUE)
            micros =
                av_rescale_q(pts, context_->streams[stream_]->time_base, AVRational{1, 1000000});
        if (!firstMicros_)
            firstMicros_ = micros;
        MkvFrame frame;
        frame.jpeg.assign(packet_->data, packet_->data + size);
        frame.micros = micros - *firstMicros_;
        av_packet_unref(packet_);
        return frame;
    }
    return std::nullopt;
}

} // namespace pistream
