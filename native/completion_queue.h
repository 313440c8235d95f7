#pragma once
#include <napi.h>

namespace ndkv {

// (device, depth, onEvent) → handle | errno | NativeResult. `onEvent()` is called on the JS thread
// after each CQ event (once per arm).
Napi::Value CreateCq(const Napi::CallbackInfo& info);
// (cq, solicitedOnly) → 0 | errno | NativeResult: ibv_req_notify_cq.
Napi::Value ArmCq(const Napi::CallbackInfo& info);
// (cq, max) → errno | NativeResult | Float64Array of completions, kCqFields numbers each:
// [wrId, status, opcode, byteLen, qpNum, vendorErr].
Napi::Value PollCq(const Napi::CallbackInfo& info);
// (cq, ref) → undefined: whether a notification still to come keeps the event loop alive.
Napi::Value RefCq(const Napi::CallbackInfo& info);
// (cq) → 0 | errno | NativeResult: stops the waiter thread, then destroys the CQ and its channel.
Napi::Value DestroyCq(const Napi::CallbackInfo& info);

}  // namespace ndkv
