// The last line between a C++ exception and Node-API. An exception that leaves an addon function
// other than a Napi::Error (which node-addon-api turns into a JavaScript exception) ends the
// process in std::terminate: std::bad_alloc from any allocation, std::system_error from a thread
// that could not be started (a pid or thread limit). Every exported function runs behind this
// guard, which answers such a failure with ENOMEM, so the facade reports
// STATUS_INSUFFICIENT_RESOURCES through its errno table. Each function still orders its work so
// that whatever throws happens before an object changes state (the guard cannot undo anything).
#pragma once
#include <napi.h>

#include <cerrno>
#include <exception>

namespace ndkv {

// What a function answers when a C++ exception reaches its boundary.
enum class OnNativeFailure {
  kReturnErrno,  // the function answers numbers (0, errno, NativeResult): ENOMEM
  kThrow,        // it has no number to answer (a list, a queue handle): a JS Error, code ENOMEM
};

template <Napi::Function::Callback cb, OnNativeFailure onFailure>
Napi::Value GuardedCall(const Napi::CallbackInfo& info) {
  try {
    return cb(info);
  } catch (const Napi::Error&) {
    throw;  // already a JavaScript exception
  } catch (...) {
    // bad_alloc, system_error, or anything else a library threw: out of native resources.
  }
  Napi::Env env = info.Env();
  if (onFailure == OnNativeFailure::kReturnErrno) return Napi::Number::New(env, ENOMEM);
  Napi::Error error = Napi::Error::New(env, "ndk-verbs: out of native resources");
  error.Set("code", Napi::String::New(env, "ENOMEM"));
  throw error;
}

}  // namespace ndkv
