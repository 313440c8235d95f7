// Opaque, type-tagged handles. Every verbs object reaches JavaScript as a Napi::External tagged
// with its type, so a device handle passed where a memory region is expected is refused with a
// TypeError instead of being reinterpreted (napi_unwrap alone cannot tell wrapped types apart).
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

namespace ndkv {

// The kinds of handle, one number each. A handle's type tag is the addon's mark ("ndkverbs") and
// this number; listing every kind here keeps the tags distinct while each box lives with its
// object.
enum class HandleKind : uint64_t {
  kDevice = 1,
  kProtectionDomain = 2,
  kMemoryRegion = 3,
  kCompletionQueue = 4,
  kQueuePair = 5,
  kMemoryWindow = 6,
  kMrRequestQueue = 7,
};

constexpr napi_type_tag TypeTagOf(HandleKind kind) {
  return {0x6e646b7665726273ULL, static_cast<uint64_t>(kind)};
}

// A box is what one handle holds: a struct with `static constexpr napi_type_tag kTypeTag` (from
// TypeTagOf) and `static constexpr const char* kTypeName` (for the TypeError).

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
