#include "make_core.h"

#include <atomic>

#include "export_function.h"

namespace ndkv {

#ifdef NDK_VERBS_TEST_HOOKS
namespace {

std::atomic<bool> failNextCoreAllocation{false};

// () → undefined: the next core allocation throws std::bad_alloc (test builds only).
Napi::Value FailNextCoreAllocation(const Napi::CallbackInfo& info) {
  failNextCoreAllocation.store(true);
  return info.Env().Undefined();
}

}  // namespace

bool TakeForcedCoreAllocationFailure() { return failNextCoreAllocation.exchange(false); }

void InitMakeCoreTestHook(Napi::Env env, Napi::Object exports) {
  ExportFunction<FailNextCoreAllocation>(env, exports, "testFailNextCoreAllocation");
}
#else
void InitMakeCoreTestHook(Napi::Env, Napi::Object) {}
#endif

}  // namespace ndkv
