#pragma once

// The Matroska writer is shared with the server's event recorder: it lives in
// src/media/ (pistream_media). This name stays for the viewer's code and tests.
#include "media/mkv_recorder.h"
