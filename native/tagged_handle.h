// Opaque, type-tagged handles. Every verbs object reaches JavaScript as a Napi::External tagged
// with its type, so a device handle passed where a memory region is expected is refused with a
// TypeError instead of being reinterpreted (napi_unwrap alone cannot tell wrapped types apart).
#pragma once
#include <napi.h>

namespace ndkv {

template <typename Box>
Napi::External<Box> NewHandle(Napi::Env env, Box* box) {
  auto handle = Napi::External<Box>::New(env, box, [](Napi::Env, Box* b) { delete b; });
  handle.TypeTag(&Box::kTypeTag);
  return handle;
}

// Returns the box behind `value` or throws a TypeError naming what was expected.
template <typename Box>
Box* UnwrapHandle(const Napi::Value& value) {
  if (!value.IsExternal() || !value.As<Napi::External<Box>>().CheckTypeTag(&Box::kTypeTag)) {
    throw Napi::TypeError::New(value.Env(),
                               std::string("expected a ") + Box::kTypeName + " handle");
  }
  return value.As<Napi::External<Box>>().Data();
}

}  // namespace ndkv
