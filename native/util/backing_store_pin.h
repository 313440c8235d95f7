// Keeps the bytes of a JavaScript ArrayBuffer allocated for as long as native code points at them.
#pragma once
#include <napi.h>

#include <memory>

namespace ndkv {

// A shared owner of the bytes of `buffer` (an ArrayBuffer or a SharedArrayBuffer of fixed length),
// or null for anything else (resizable and growable buffers included). While it lives the bytes
// stay allocated at the same address, whatever JS does: a detach only drops the buffer's own
// reference, and a transfer hands the same bytes to the new buffer. Take it on the JS thread; it
// may be released on any thread.
std::shared_ptr<void> PinBackingStore(Napi::Value buffer);

}  // namespace ndkv
