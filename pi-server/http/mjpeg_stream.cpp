#include "http/mjpeg_stream.h"

#include "http/http_response.h"

namespace pistream {

MjpegStream::MjpegStream(StreamSocket& socket, const PacingLimits& limits, HttpStats& totals)
    : socket_(socket), totals_(totals), pacer_(socket.tcp(), limits)
{
    pacer_.onRungChange([this](Rung rung) { subscription_.setRung(rung); });
}

std::string MjpegStream::responseHead()
{
    return pistream::responseHead(
        200, std::string("multipart/x-mixed-replace; boundary=") + kBoundary, std::string::npos);
}

std::string MjpegStream::partHead(std::size_t jpegSize, std::int64_t micros)
{
    return std::string("--") + kBoundary +
           "\r\nContent-Type: image/jpeg\r\nContent-Length: " + std::to_string(jpegSize) +
           "\r\nX-Timestamp-Us: " + std::to_string(micros) + "\r\n\r\n";
}

void MjpegStream::start(FrameHub& hub, const std::shared_ptr<void>& owner, Hooks hooks)
{
    owner_ = owner;
    hooks_ = std::move(hooks);
    active_ = true;
    subscription_ = hub.subscribe(*this);
    subscription_.setRung(pacer_.rung());
    std::error_code ignored;
    socket_.tcp().set_option(asio::ip::tcp::no_delay(true), ignored);
    head_ = responseHead();
    buffers_[0] = asio::buffer(head_);
    write(1, false);
}

void MjpegStream::stop()
{
    active_ = false;
    subscription_.reset();
    pacer_.clear();
}

void MjpegStream::onFrame(const EncodedFramePtr& frame)
{
    if (!active_)
        return;
    totals_.partsSkipped += pacer_.offer(frame);
    sendNext();
}

// The next part when the browser can take it.
void MjpegStream::sendNext()
{
    if (writing_ || !active_)
        return;
    auto owner = owner_.lock();
    if (!owner)
        return;
    auto next = pacer_.next([this, owner] { sendNext(); });
    totals_.partsSkipped += next.skipped;
    if (!next.frame) {
        if (!pacer_.empty() && !held_) {
            // The browser has not taken what it was sent: a browser that never
            // does is closed after the stall timeout, as a stream viewer is.
            held_ = true;
            hooks_.busy();
        }
        return;
    }
    held_ = false;
    sending_ = std::move(next.frame);
    head_ = partHead(sending_->jpeg.size(), sending_->header.captureMicros);
    buffers_ = {asio::buffer(head_), asio::buffer(sending_->jpeg.data(), sending_->jpeg.size()),
                asio::buffer("\r\n", 2)};
    write(buffers_.size(), true);
}

void MjpegStream::write(std::size_t buffers, bool part)
{
    auto owner = owner_.lock();
    if (!owner)
        return;
    writing_ = true;
    hooks_.busy();
    asio::async_write(socket_, std::span<const asio::const_buffer>(buffers_.data(), buffers),
                      [this, owner, part](const std::error_code& error, std::size_t sent) {
                          onWritten(error, sent, part);
                      });
}

void MjpegStream::onWritten(const std::error_code& error, std::size_t sent, bool part)
{
    totals_.bytesSent += sent;
    if (part)
        ++totals_.partsSent;
    writing_ = false;
    sending_.reset();
    if (!active_)
        return;
    if (error) {
        hooks_.failed(error);
        return;
    }
    sendNext();
    if (!writing_ && !held_)
        hooks_.idle();
}

} // namespace pistream
