#pragma once
#include <napi.h>

namespace ndkv {

// (mr, view: Uint8Array, access, deferred, done) → 0 | errno | NativeResult (kPending: done(errno)
// later)
Napi::Value MrRegister(const Napi::CallbackInfo& info);
// (mr, deferred, done) → 0 | errno | NativeResult (kPending: done(errno) later)
Napi::Value MrDeregister(const Napi::CallbackInfo& info);
// (mr) → [lkey, rkey] while a verbs registration exists, else null
Napi::Value MrKeys(const Napi::CallbackInfo& info);
// (mr) → the registered virtual address (bigint) while a verbs registration exists, else null: the
// remote address a peer puts in its RDMA requests.
Napi::Value MrAddress(const Napi::CallbackInfo& info);
// (mr) → MrState
Napi::Value MrStateOf(const Napi::CallbackInfo& info);

}  // namespace ndkv
