// Completion queues: creation with a completion channel and its waiter thread, arming, polling and
// destruction, all from the JS thread.
#include "completion_queue.h"

#include <unistd.h>

#include <cerrno>

#include "cq_event_thread.h"
#include "queue_pair.h"
#include "util/export_function.h"
#include "util/make_core.h"
#include "util/result_codes.h"
#include "util/weak_list.h"

namespace ndkv {

CqCore::~CqCore() { Release(); }

bool CqCore::HasLiveQps() {
  PruneExpired(qps);
  for (auto& weak : qps) {
    auto qp = weak.lock();
    if (qp && qp->qp != nullptr) return true;
  }
  return false;
}

int CqCore::Destroy() {
  if (events) events->Stop();
  if (cq != nullptr) {
    int err = ibv_destroy_cq(cq);
    if (err != 0) return err;
    cq = nullptr;
  }
  if (channel != nullptr && ibv_destroy_comp_channel(channel) == 0) channel = nullptr;
  return 0;
}

void CqCore::Release() {
  Destroy();
  // rdma-core frees a channel only once no CQ uses it; its struct is leaked then, never its fd.
  if (channel != nullptr && ibv_destroy_comp_channel(channel) != 0) close(channel->fd);
  cq = nullptr;
  channel = nullptr;
}

namespace {

constexpr int kCqFields = 6;
constexpr int kMaxPoll = 256;  // per call; JS calls again while it gets full batches

// (device, depth, onEvent, id) → handle | errno | NativeResult. `onEvent()` is called on the JS
// thread after each CQ event (once per arm). `id` becomes the CQ's cq_context: the device's event
// reader names the CQ of an IBV_EVENT_CQ_ERR by it.
Napi::Value CreateCq(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& device = UnwrapHandle<DeviceBox>(info[0])->core;
  if (!info[1].IsNumber() || !info[2].IsFunction() || !info[3].IsNumber()) {
    return Napi::Number::New(env, kBadArgument);
  }
  auto id = static_cast<uintptr_t>(info[3].As<Napi::Number>().Uint32Value());
  int depth = info[1].As<Napi::Number>().Int32Value();
  if (depth < 1) return Napi::Number::New(env, kBadArgument);
  if (device->context == nullptr) return Napi::Number::New(env, kGone);

  auto core = MakeCore<CqCore>();
  core->device = device;
  core->channel = ibv_create_comp_channel(device->context);
  if (core->channel == nullptr) return Napi::Number::New(env, errno != 0 ? errno : ENOMEM);
  core->cq = ibv_create_cq(device->context, depth, reinterpret_cast<void*>(id), core->channel, 0);
  if (core->cq == nullptr) {
    int err = errno != 0 ? errno : ENOMEM;
    core->Destroy();
    return Napi::Number::New(env, err);
  }
  int err = 0;
  core->events = CqEventThread::Start(env, info[2].As<Napi::Function>(), core->channel, &err);
  if (!core->events) {
    core->Destroy();
    return Napi::Number::New(env, err);
  }
  AppendPruning(device->cqs, core);
  return NewHandle(env, new CqBox{core});
}

// (cq, solicitedOnly) → 0 | errno | NativeResult: ibv_req_notify_cq.
Napi::Value ArmCq(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& core = UnwrapHandle<CqBox>(info[0])->core;
  if (core->cq == nullptr) return Napi::Number::New(env, kGone);
  return Napi::Number::New(env, ibv_req_notify_cq(core->cq, info[1].ToBoolean() ? 1 : 0));
}

// (cq, max) → errno | NativeResult | Float64Array of completions, kCqFields numbers each:
// [wrId, status, opcode, byteLen, qpNum, vendorErr].
Napi::Value PollCq(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& core = UnwrapHandle<CqBox>(info[0])->core;
  if (!info[1].IsNumber()) return Napi::Number::New(env, kBadArgument);
  int max = info[1].As<Napi::Number>().Int32Value();
  if (max < 1) return Napi::Number::New(env, kBadArgument);
  if (max > kMaxPoll) max = kMaxPoll;
  if (core->cq == nullptr) return Napi::Number::New(env, kGone);
  ibv_wc wc[kMaxPoll];
  int n = ibv_poll_cq(core->cq, max, wc);
  if (n < 0) return Napi::Number::New(env, EIO);  // providers report no errno here
  auto out = Napi::Float64Array::New(env, static_cast<size_t>(n) * kCqFields);
  for (int i = 0; i < n; i++) {
    double* row = out.Data() + static_cast<size_t>(i) * kCqFields;
    row[0] = static_cast<double>(wc[i].wr_id);  // ids stay below 2^53: exact
    row[1] = wc[i].status;
    row[2] = wc[i].opcode;  // meaningful only for successful completions
    row[3] = wc[i].byte_len;
    row[4] = wc[i].qp_num;
    row[5] = wc[i].vendor_err;
  }
  return out;
}

// (cq, ref) → undefined: whether a notification still to come keeps the event loop alive.
Napi::Value RefCq(const Napi::CallbackInfo& info) {
  auto& core = UnwrapHandle<CqBox>(info[0])->core;
  if (core->cq != nullptr && core->events) core->events->SetRef(info.Env(), info[1].ToBoolean());
  return info.Env().Undefined();
}

// (cq) → 0 | errno | NativeResult: stops the waiter thread, then destroys the CQ and its channel.
Napi::Value DestroyCq(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& core = UnwrapHandle<CqBox>(info[0])->core;
  if (core->cq == nullptr) return Napi::Number::New(env, kGone);
  if (core->HasLiveQps()) return Napi::Number::New(env, EBUSY);
  return Napi::Number::New(env, core->Destroy());
}

}  // namespace

void InitCompletionQueue(Napi::Env env, Napi::Object exports) {
  ExportFunction<CreateCq>(env, exports, "cqCreate");
  ExportFunction<ArmCq>(env, exports, "cqArm");
  ExportFunction<PollCq>(env, exports, "cqPoll");
  ExportFunction<RefCq>(env, exports, "cqRef");
  ExportFunction<DestroyCq>(env, exports, "cqDestroy");
}

}  // namespace ndkv
