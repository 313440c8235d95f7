// Module entry: creates the per-environment state, installs the environment cleanup hook and lets
// each verbs object add its functions to the exports (declared for TypeScript in lib/native.ts).
#include <napi.h>

#include <cstdlib>
#include <mutex>

#include "addon_data.h"
#include "completion_queue.h"
#include "device.h"
#include "memory_block.h"
#include "memory_region.h"
#include "memory_window.h"
#include "protection_domain.h"
#include "queue_pair.h"
#include "teardown.h"
#include "util/make_core.h"

namespace ndkv {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Before libibverbs initializes (the first device list): on hardware that disassociates a removed
  // device, destroys then free what they can instead of failing with EIO forever. A value the user
  // set stays.
  static std::once_flag disassociateDestroy;
  std::call_once(disassociateDestroy, [] { setenv("RDMAV_ALLOW_DISASSOC_DESTROY", "1", 0); });
  auto* data = new AddonData();
  env.SetInstanceData(data);
  env.AddCleanupHook(ReleaseEnvironment, data);

  InitDevice(env, exports);
  InitProtectionDomain(env, exports);
  InitMemoryRegion(env, exports);
  InitCompletionQueue(env, exports);
  InitQueuePair(env, exports);
  InitQueuePairPosting(env, exports);
  InitMemoryWindow(env, exports);
  InitMemoryBlock(env, exports);
  InitMakeCoreTestHook(env, exports);
  return exports;
}

}  // namespace ndkv

static Napi::Object InitNdkVerbs(Napi::Env env, Napi::Object exports) {
  return ndkv::Init(env, exports);
}

NODE_API_MODULE(ndk_verbs, InitNdkVerbs)
