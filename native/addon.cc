// Module entry: per-environment state, the environment cleanup hook, and the exported functions
// (declared for TypeScript once, in lib/native.ts).
#include <napi.h>
#include <unistd.h>

#include "addon_data.h"
#include "completion_queue.h"
#include "device_and_pd.h"
#include "devices.h"
#include "memory_block.h"
#include "memory_region.h"
#include "memory_window.h"
#include "queue_pair.h"
#include "work_requests.h"

namespace ndkv {

namespace {

// Runs when this environment ends (process exit, worker termination), before Node-API finalizes the
// handles: every registration still alive is released, children first, so nothing stays pinned and
// no later finalizer reaches verbs for an object already destroyed.
void ReleaseEverything(AddonData* data) {
  // First every deferred request runs to its end, so no region is left in a transient state.
  for (auto& weak : data->mrQueues) {
    if (auto queue = weak.lock()) queue->Shutdown();
  }
  for (auto& weak : data->devices) {
    if (auto device = weak.lock()) DestroyDeviceTree(*device);
  }
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData(data);
  env.AddCleanupHook(ReleaseEverything, data);

  exports.Set("deviceList", Napi::Function::New<ListDevices>(env, "deviceList"));
  exports.Set("deviceOpen", Napi::Function::New<OpenDevice>(env, "deviceOpen"));
  exports.Set("deviceClose", Napi::Function::New<CloseDevice>(env, "deviceClose"));
  exports.Set("pdAlloc", Napi::Function::New<AllocPd>(env, "pdAlloc"));
  exports.Set("pdDealloc", Napi::Function::New<DeallocPd>(env, "pdDealloc"));
  exports.Set("mrCreate", Napi::Function::New<CreateMr>(env, "mrCreate"));
  exports.Set("mrQueueCreate", Napi::Function::New<CreateMrRequestQueue>(env, "mrQueueCreate"));
  exports.Set("mrQueueFlush", Napi::Function::New<FlushMrRequests>(env, "mrQueueFlush"));
  exports.Set("mrRegister", Napi::Function::New<MrRegister>(env, "mrRegister"));
  exports.Set("mrDeregister", Napi::Function::New<MrDeregister>(env, "mrDeregister"));
  exports.Set("mrKeys", Napi::Function::New<MrKeys>(env, "mrKeys"));
  exports.Set("mrAddress", Napi::Function::New<MrAddress>(env, "mrAddress"));
  exports.Set("mrState", Napi::Function::New<MrStateOf>(env, "mrState"));
  exports.Set("cqCreate", Napi::Function::New<CreateCq>(env, "cqCreate"));
  exports.Set("cqArm", Napi::Function::New<ArmCq>(env, "cqArm"));
  exports.Set("cqPoll", Napi::Function::New<PollCq>(env, "cqPoll"));
  exports.Set("cqRef", Napi::Function::New<RefCq>(env, "cqRef"));
  exports.Set("cqDestroy", Napi::Function::New<DestroyCq>(env, "cqDestroy"));
  exports.Set("qpCreate", Napi::Function::New<CreateQp>(env, "qpCreate"));
  exports.Set("qpLocalAddress", Napi::Function::New<QpLocalAddress>(env, "qpLocalAddress"));
  exports.Set("qpConnect", Napi::Function::New<QpConnect>(env, "qpConnect"));
  exports.Set("qpToError", Napi::Function::New<QpToError>(env, "qpToError"));
  exports.Set("qpDestroy", Napi::Function::New<DestroyQp>(env, "qpDestroy"));
  exports.Set("qpPostSend", Napi::Function::New<PostSend>(env, "qpPostSend"));
  exports.Set("qpPostRecv", Napi::Function::New<PostRecv>(env, "qpPostRecv"));
  exports.Set("qpPostBindMw", Napi::Function::New<PostBindMw>(env, "qpPostBindMw"));
  exports.Set("qpPostLocalInvalidate",
              Napi::Function::New<PostLocalInvalidate>(env, "qpPostLocalInvalidate"));
  exports.Set("mwAlloc", Napi::Function::New<AllocMw>(env, "mwAlloc"));
  exports.Set("mwDealloc", Napi::Function::New<DeallocMw>(env, "mwDealloc"));
  exports.Set("memoryAllocate", Napi::Function::New<AllocateMemory>(env, "memoryAllocate"));
  exports.Set("memoryPageSize", Napi::Number::New(env, static_cast<double>(sysconf(_SC_PAGESIZE))));
  return exports;
}

}  // namespace ndkv

static Napi::Object InitNdkVerbs(Napi::Env env, Napi::Object exports) {
  return ndkv::Init(env, exports);
}

NODE_API_MODULE(ndk_verbs, InitNdkVerbs)
