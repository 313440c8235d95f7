// MakeCore<T>(): std::make_shared<T>() for the core of a verbs object. Each Create/Alloc/Open makes
// its core before the verbs call, so the core's destructor releases the resource if anything after
// that call throws (std::bad_alloc is turned into a result by ExportFunction). A test build can
// force the next MakeCore to throw, to check that no kernel object is left behind by the failure.
#pragma once

#include <napi.h>

#include <memory>
#include <new>

namespace ndkv {

#ifdef NDK_VERBS_TEST_HOOKS
// True once after FailNextCoreAllocationForTest(): the next MakeCore throws std::bad_alloc.
bool TakeForcedCoreAllocationFailure();
#endif

template <typename T>
std::shared_ptr<T> MakeCore() {
#ifdef NDK_VERBS_TEST_HOOKS
  if (TakeForcedCoreAllocationFailure()) throw std::bad_alloc();
#endif
  return std::make_shared<T>();
}

// Adds testFailNextCoreAllocation to the exports in a test build; nothing otherwise.
void InitMakeCoreTestHook(Napi::Env env, Napi::Object exports);

}  // namespace ndkv
