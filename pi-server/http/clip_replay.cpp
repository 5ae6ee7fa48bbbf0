#include "http/clip_replay.h"

#include <algorithm>

#include "core/clock.h"
#include "http/mjpeg_stream.h"

namespace pistream {

std::int64_t ReplayPacer::waitMicros(std::int64_t frameMicros, std::int64_t nowMicros)
{
    if (!started_) {
        started_ = true;
        startMicros_ = nowMicros - frameMicros;
        lastFrame_ = frameMicros;
        return 0;
    }
    // Timestamps going back (a damaged clip) count as no gap; long gaps shrink.
    const std::int64_t gap = frameMicros - lastFrame_;
    if (gap < 0)
        startMicros_ -= gap;
    else if (gap > kMaxGapMicros)
        startMicros_ -= gap - kMaxGapMicros;
    lastFrame_ = frameMicros;
    const std::int64_t due = startMicros_ + frameMicros;
    if (nowMicros - due > kMaxLagMicros) {
        startMicros_ = nowMicros - frameMicros;
        return 0;
    }
    return std::max<std::int64_t>(0, due - nowMicros);
}

ClipReplay::ClipReplay(StreamSocket& socket, asio::io_context& io, HttpStats& totals)
    : socket_(socket), timer_(io), totals_(totals)
{}

void ClipReplay::start(std::unique_ptr<MkvReader> reader, const std::shared_ptr<void>& owner,
                       Hooks hooks)
{
    reader_ = std::move(reader);
    owner_ = owner;
    hooks_ = std::move(hooks);
    active_ = true;
    std::error_code ignored;
    socket_.tcp().set_option(asio::ip::tcp::no_delay(true), ignored);
    head_ = MjpegStream::responseHead();
    buffers_[0] = asio::buffer(head_);
    write(1, false);
}

void ClipReplay::stop()
{
    active_ = false;
    timer_.cancel();
    reader_.reset();
}

// One packet from the clip (a small read), then wait for its time.
void ClipReplay::readNext()
{
    if (!active_)
        return;
    auto owner = owner_.lock();
    if (!owner)
        return;
    auto frame = reader_->next();
    if (!frame) { // the end, or as far as a clip cut short goes
        active_ = false;
        hooks_.ended({});
        return;
    }
    frame_ = std::move(*frame);
    const std::int64_t wait = pacer_.waitMicros(frame_.micros, monotonicMicros());
    if (wait <= 0) {
        sendPart();
        return;
    }
    hooks_.idle();
    timer_.expires_after(std::chrono::microseconds(wait));
    timer_.async_wait([this, owner](const std::error_code& error) {
        if (!error)
            sendPart();
    });
}

void ClipReplay::sendPart()
{
    if (!active_)
        return;
    head_ = MjpegStream::partHead(frame_.jpeg.size(), frame_.micros);
    buffers_ = {asio::buffer(head_), asio::buffer(frame_.jpeg), asio::buffer("\r\n", 2)};
    write(buffers_.size(), true);
}

void ClipReplay::write(std::size_t buffers, bool part)
{
    auto owner = owner_.lock();
    if (!owner)
        return;
    hooks_.busy();
    asio::async_write(socket_, std::span<const asio::const_buffer>(buffers_.data(), buffers),
                      [this, owner, part](const std::error_code& error, std::size_t sent) {
                          totals_.bytesSent += sent;
                          if (part)
                              ++totals_.partsSent;
                          if (!active_)
                              return;
                          if (error) {
                              active_ = false;
                              hooks_.ended(error);
                              return;
                          }
                          readNext();
                      });
}

} // namespace pistream
