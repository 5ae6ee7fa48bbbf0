#pragma once

#include <string>

#include "core/encoded_frame.h"
#include "protocol/messages.h"

namespace pistream {

// Where the pipeline's output goes: the FrameHub in the server, a collector in
// the tests. Called from the pipeline's and the source's threads.
class FrameSink {
public:
    // Whether anyone wants frames now: asked for every frame, so it must be cheap.
    virtual bool wanted() const = 0;
    // The rungs wanted now (an adaptive viewer's smaller encodings): each is
    // encoded once per frame while wanted. Full alone unless overridden.
    virtual RungMask wantedRungs() const { return wanted() ? maskOf(Rung::Full) : RungMask{0}; }
    virtual void publish(EncodedFramePtr frame) = 0;
    virtual void setSourceStatus(SourceState state, const std::string& text) = 0;

protected:
    ~FrameSink() = default;
};

} // namespace pistream
