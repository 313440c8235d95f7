#pragma once
#include <napi.h>

namespace ndkv {

Napi::Value OpenDevice(const Napi::CallbackInfo& info);   // (name) → handle | errno
Napi::Value CloseDevice(const Napi::CallbackInfo& info);  // (device) → 0 | errno | NativeResult
Napi::Value AllocPd(const Napi::CallbackInfo& info);  // (device) → handle | errno | NativeResult
Napi::Value DeallocPd(const Napi::CallbackInfo& info);  // (pd) → 0 | errno | NativeResult
Napi::Value CreateMr(const Napi::CallbackInfo& info);   // (pd) → handle | NativeResult

}  // namespace ndkv
