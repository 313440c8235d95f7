// Adds one Node-API function to the addon's exports under its JavaScript name (the same name for
// the property and the function), for each object's Init function. Every export runs behind
// GuardedCall (native_failure.h): no C++ exception reaches Node-API.
#pragma once
#include <napi.h>

#include "native_failure.h"

namespace ndkv {

template <Napi::Function::Callback cb, OnNativeFailure onFailure = OnNativeFailure::kReturnErrno>
void ExportFunction(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New<GuardedCall<cb, onFailure>>(env, name));
}

}  // namespace ndkv
