#pragma once
#include <napi.h>

namespace ndkv {

// Operations of postSend; mirrors WorkOp in lib/native.ts.
enum class WorkOp : int { kWrite = 0, kRead = 1, kSend = 2 };

// (qp, op, wrId, mr, offset, length, remoteAddress: bigint, remoteToken) → 0 | errno |
// NativeResult. One scatter/gather entry: `length` bytes at `offset` in the registered region
// `mr` (same protection domain as the QP). remoteAddress/remoteToken are ignored for kSend.
Napi::Value PostSend(const Napi::CallbackInfo& info);
// (qp, wrId, mr, offset, length) → 0 | errno | NativeResult
Napi::Value PostRecv(const Napi::CallbackInfo& info);
// (qp, mw, wrId, mr, offset, length, mwAccess) → [0, newRkey] | errno | NativeResult
Napi::Value PostBindMw(const Napi::CallbackInfo& info);
// (qp, mw, wrId) → 0 | errno | NativeResult: IBV_WR_LOCAL_INV of the window's rkey
Napi::Value PostLocalInvalidate(const Napi::CallbackInfo& info);

}  // namespace ndkv
