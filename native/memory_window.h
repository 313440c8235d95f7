#pragma once
#include <napi.h>

namespace ndkv {

// (pd) → handle | errno | NativeResult. Type 2 windows: bound and invalidated by work requests.
Napi::Value AllocMw(const Napi::CallbackInfo& info);
// (mw) → 0 | errno | NativeResult. Deallocating a bound window also unbinds it.
Napi::Value DeallocMw(const Napi::CallbackInfo& info);

}  // namespace ndkv
