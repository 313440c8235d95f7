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

  exports.Set("listDevices", Napi::Function::New<ListDevices>(env, "listDevices"));
  exports.Set("openDevice", Napi::Function::New<OpenDevice>(env, "openDevice"));
  exports.Set("closeDevice", Napi::Function::New<CloseDevice>(env, "closeDevice"));
  exports.Set("allocPd", Napi::Function::New<AllocPd>(env, "allocPd"));
  exports.Set("deallocPd", Napi::Function::New<DeallocPd>(env, "deallocPd"));
  exports.Set("createMr", Napi::Function::New<CreateMr>(env, "createMr"));
  exports.Set("createMrRequestQueue",
              Napi::Function::New<CreateMrRequestQueue>(env, "createMrRequestQueue"));
  exports.Set("flushMrRequests", Napi::Function::New<FlushMrRequests>(env, "flushMrRequests"));
  exports.Set("mrRegister", Napi::Function::New<MrRegister>(env, "mrRegister"));
  exports.Set("mrDeregister", Napi::Function::New<MrDeregister>(env, "mrDeregister"));
  exports.Set("mrKeys", Napi::Function::New<MrKeys>(env, "mrKeys"));
  exports.Set("mrAddress", Napi::Function::New<MrAddress>(env, "mrAddress"));
  exports.Set("mrState", Napi::Function::New<MrStateOf>(env, "mrState"));
  exports.Set("createCq", Napi::Function::New<CreateCq>(env, "createCq"));
  exports.Set("armCq", Napi::Function::New<ArmCq>(env, "armCq"));
  exports.Set("pollCq", Napi::Function::New<PollCq>(env, "pollCq"));
  exports.Set("refCq", Napi::Function::New<RefCq>(env, "refCq"));
  exports.Set("destroyCq", Napi::Function::New<DestroyCq>(env, "destroyCq"));
  exports.Set("createQp", Napi::Function::New<CreateQp>(env, "createQp"));
  exports.Set("qpLocalAddress", Napi::Function::New<QpLocalAddress>(env, "qpLocalAddress"));
  exports.Set("qpConnect", Napi::Function::New<QpConnect>(env, "qpConnect"));
  exports.Set("qpToError", Napi::Function::New<QpToError>(env, "qpToError"));
  exports.Set("destroyQp", Napi::Function::New<DestroyQp>(env, "destroyQp"));
  exports.Set("postSend", Napi::Function::New<PostSend>(env, "postSend"));
  exports.Set("postRecv", Napi::Function::New<PostRecv>(env, "postRecv"));
  exports.Set("postBindMw", Napi::Function::New<PostBindMw>(env, "postBindMw"));
  exports.Set("postLocalInvalidate",
              Napi::Function::New<PostLocalInvalidate>(env, "postLocalInvalidate"));
  exports.Set("allocMw", Napi::Function::New<AllocMw>(env, "allocMw"));
  exports.Set("deallocMw", Napi::Function::New<DeallocMw>(env, "deallocMw"));
  exports.Set("allocateMemory", Napi::Function::New<AllocateMemory>(env, "allocateMemory"));
  exports.Set("pageSize", Napi::Number::New(env, static_cast<double>(sysconf(_SC_PAGESIZE))));
  return exports;
}

}  // namespace ndkv

static Napi::Object InitNdkVerbs(Napi::Env env, Napi::Object exports) {
  return ndkv::Init(env, exports);
}

NODE_API_MODULE(ndk_verbs, InitNdkVerbs)
