// Module entry: per-environment state, the environment cleanup hook, and the exported functions
// (declared for TypeScript once, in lib/native.ts).
#include <napi.h>
#include <unistd.h>

#include "addon_data.h"
#include "device_and_pd.h"
#include "devices.h"
#include "memory_block.h"
#include "memory_region.h"

namespace ndkv {

namespace {

// Runs when this environment ends (process exit, worker termination), before Node-API finalizes the
// handles: every registration still alive is released, children first, so nothing stays pinned and
// no later finalizer reaches verbs for an object already destroyed.
void ReleaseEverything(AddonData* data) {
  for (auto& weak : data->devices) {
    if (auto device = weak.lock()) DestroyDeviceTree(*device);
  }
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData(data);
  env.AddCleanupHook(ReleaseEverything, data);

  exports.Set("listDevices", Napi::Function::New<ListDevices>(env, "listDevices"));
  exports.Set("openDevice", Napi::Function::New<OpenDevice>(env, "openDevice"));
  exports.Set("closeDevice", Napi::Function::New<CloseDevice>(env, "closeDevice"));
  exports.Set("allocPd", Napi::Function::New<AllocPd>(env, "allocPd"));
  exports.Set("deallocPd", Napi::Function::New<DeallocPd>(env, "deallocPd"));
  exports.Set("createMr", Napi::Function::New<CreateMr>(env, "createMr"));
  exports.Set("mrRegister", Napi::Function::New<MrRegister>(env, "mrRegister"));
  exports.Set("mrDeregister", Napi::Function::New<MrDeregister>(env, "mrDeregister"));
  exports.Set("mrKeys", Napi::Function::New<MrKeys>(env, "mrKeys"));
  exports.Set("mrState", Napi::Function::New<MrStateOf>(env, "mrState"));
  exports.Set("allocateMemory", Napi::Function::New<AllocateMemory>(env, "allocateMemory"));
  exports.Set("pageSize", Napi::Number::New(env, static_cast<double>(sysconf(_SC_PAGESIZE))));
  return exports;
}

}  // namespace ndkv

static Napi::Object InitNdkVerbs(Napi::Env env, Napi::Object exports) {
  return ndkv::Init(env, exports);
}

NODE_API_MODULE(ndk_verbs, InitNdkVerbs)
