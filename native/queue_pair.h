#pragma once
#include <napi.h>

namespace ndkv {

// (pd, recvCq, sendCq, recvDepth, sendDepth) → handle | errno | NativeResult: an RC QP in RESET.
Napi::Value CreateQp(const Napi::CallbackInfo& info);
// (qp) → { gid: Buffer(16), qpn, psn, port } | NativeResult
Napi::Value QpLocalAddress(const Napi::CallbackInfo& info);
// (qp, gid: Buffer(16), qpn, psn, port) → 0 | errno | NativeResult: RESET → INIT → RTR → RTS.
Napi::Value QpConnect(const Napi::CallbackInfo& info);
// (qp) → 0 | errno | NativeResult: to the error state; outstanding requests flush.
Napi::Value QpToError(const Napi::CallbackInfo& info);
// (qp, done) → Pending | NativeResult: error state, then ibv_destroy_qp, on the libuv pool;
// done(errno) runs later. Gone once destroyed, Busy while a destroy is in flight.
Napi::Value DestroyQp(const Napi::CallbackInfo& info);

}  // namespace ndkv
