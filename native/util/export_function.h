// Adds one Node-API function to the addon's exports under its JavaScript name (the same name for
// the property and the function), for each object's Init function.
#pragma once
#include <napi.h>

namespace ndkv {

template <Napi::Function::Callback cb>
void ExportFunction(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New<cb>(env, name));
}

}  // namespace ndkv
