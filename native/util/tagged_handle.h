// Opaque, type-tagged handles. Every verbs object but a memory region (a number, see
// mr_registry.h: a region is the one object a service holds by the hundred thousand) reaches
// JavaScript as a Napi::External tagged with its type, so a device handle passed where a queue pair
// is expected is refused with a TypeError instead of being reinterpreted (napi_unwrap alone
// cannot tell wrapped types apart).
#pragma once
#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>

namespace ndkv {

// The kinds of handle, one number each. A handle's type tag is the addon's mark ("ndkverbs") and
// this number; listing every kind here keeps the tags distinct while each box lives with its
// object.
enum class HandleKind : uint64_t {
  kDevice = 1,
  kProtectionDomain = 2,
  kCompletionQueue = 3,
  kQueuePair = 4,
  kMemoryWindow = 5,
  kMrRequestQueue = 6,
};

constexpr napi_type_tag TypeTagOf(HandleKind kind) {
  return {0x6e646b7665726273ULL, static_cast<uint64_t>(kind)};
}

// What a handle of `kind` is called in a TypeError ("expected a device handle").
constexpr const char* HandleKindName(HandleKind kind) {
  switch (kind) {
    case HandleKind::kDevice:
      return "device";
    case HandleKind::kProtectionDomain:
      return "protection domain";
    case HandleKind::kCompletionQueue:
      return "completion queue";
    case HandleKind::kQueuePair:
      return "queue pair";
    case HandleKind::kMemoryWindow:
      return "memory window";
    case HandleKind::kMrRequestQueue:
      return "memory-region request queue";
  }
  return "native";
}

// A box is what one handle holds, with `kTypeTag` and `kTypeName` for NewHandle and UnwrapHandle.
// It lives exactly as long as its handle; the verbs object behind it (its core) lives as long as
// anything still needs it. A box with more to hold derives from this one.
template <typename Core, HandleKind kind>
struct CoreBox {
  static constexpr napi_type_tag kTypeTag = TypeTagOf(kind);
  static constexpr const char* kTypeName = HandleKindName(kind);
  std::shared_ptr<Core> core;
};

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
