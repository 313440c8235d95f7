// Memory regions: the verbs calls of registration and deregistration and the state machine around
// them (inline, or deferred to a request queue), and the region's Node-API functions.
#include "memory_region.h"

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "addon_data.h"
#include "mr_request_queue.h"
#include "util/backing_store_pin.h"
#include "util/export_function.h"
#include "util/fork_exclusion.h"
#include "util/make_core.h"
#include "util/result_codes.h"
#include "util/weak_list.h"

namespace ndkv {

namespace {

// Verbs refused to deregister, so the registration may still point at the bytes: they are never
// freed (a leak, rather than a peer reaching memory that was reused).
void KeepForever(std::shared_ptr<void> memory) {
  static_cast<void>(new std::shared_ptr<void>(std::move(memory)));
}

}  // namespace

std::mutex& MrCore::Mutex() const {
  // Never destroyed: a request thread may still finish a request while the process exits.
  static auto* stripes = new std::array<std::mutex, 64>();
  auto address = reinterpret_cast<std::uintptr_t>(this);
  // Cores are heap blocks at least 16 bytes apart: the bits above the allocator's alignment.
  return (*stripes)[((address >> 4) ^ (address >> 10)) % stripes->size()];
}

MrCore::~MrCore() {
  // Last reference gone while still registered (garbage collection without the facade's help):
  // release the registration rather than leak pinned pages. The members, `pinnedMemory` among
  // them, are destroyed after this body, so the bytes outlive the registration.
  if (mr != nullptr && ibv_dereg_mr(mr) != 0) KeepForever(std::move(pinnedMemory));
}

int MrCore::RunRegister(void* addr, size_t length, int access, std::shared_ptr<void> memory,
                        bool keepOutOfForks) {
  ibv_mr* created = ibv_reg_mr(pd->pd, addr, length, access);
  int err = created != nullptr ? 0 : errno;
  if (created == nullptr && err == 0) err = EINVAL;  // some providers fail without errno
  // Out of fork children while registered (util/fork_exclusion.h).
  if (created != nullptr && keepOutOfForks) {
    memory = HeldOutOfForks(addr, length, std::move(memory));
  }
  std::lock_guard<std::mutex> lock(Mutex());
  mr = created;
  if (created != nullptr) pinnedMemory = std::move(memory);
  state = created != nullptr ? MrState::kRegistered : MrState::kUnregistered;
  return err;  // a failed registration's `memory` is released on return, after the unlock
}

int MrCore::RunDeregister() {
  // ibv_dereg_mr returns the error itself (not -1 + errno). On failure the region stays valid and
  // registered: the request may be retried. On success `mr` is freed and must never reach verbs
  // again, and its bytes may be freed.
  int err = ibv_dereg_mr(mr);
  std::shared_ptr<void> unpinned;
  std::lock_guard<std::mutex> lock(Mutex());
  if (err == 0) {
    mr = nullptr;
    unpinned = std::move(pinnedMemory);
  }
  state = err == 0 ? MrState::kUnregistered : MrState::kRegistered;
  return err;  // `unpinned` is released on return, after the unlock (declared before the lock)
}

void MrCore::AbandonRequest(MrState previous) {
  std::lock_guard<std::mutex> lock(Mutex());
  state = previous;
}

void MrCore::Destroy() {
  std::unique_lock<std::mutex> lock(Mutex());
  // A request in flight ends on a request thread (which teardown's queue shutdown runs to its end
  // first, so this rarely waits): polled rather than signalled, since a condition variable per
  // region would cost every region 48 bytes for the one wait that seldom happens.
  while (state == MrState::kRegistering || state == MrState::kDeregistering) {
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    lock.lock();
  }
  // Destroyed first, under the lock: nothing may start a request or read `mr` from here on. The
  // deregistration itself runs after the unlock, since the lock is shared with other regions and
  // rxe may take a while to let go of a region packets still refer to.
  ibv_mr* registered = mr;
  std::shared_ptr<void> memory = std::move(pinnedMemory);
  mr = nullptr;
  state = MrState::kDestroyed;
  lock.unlock();
  if (registered != nullptr && ibv_dereg_mr(registered) != 0) KeepForever(std::move(memory));
}  // `memory`, the registered bytes, is released here: after the deregistration

namespace {

// The state check and the move to a transient state happen under one lock, so two requests can
// never both pass it.
int BeginRequest(MrCore& core, MrState required, MrState transient) {
  std::lock_guard<std::mutex> lock(core.Mutex());
  switch (core.state) {
    case MrState::kDestroyed:
      return kGone;
    case MrState::kRegistering:
    case MrState::kDeregistering:
      return kBusy;
    default:
      break;
  }
  if (core.state != required) return kWrongState;
  if (core.pd->pd == nullptr) return kGone;
  core.state = transient;
  return kDone;
}

// What keeps [addr, addr + length) of a view allocated while a registration points at it, whatever
// JS does to the view's ArrayBuffer: for memory from allocate(), its block (which owns the pages;
// the ArrayBuffer only holds a reference to it, and the block keeps its pages out of forks for its
// whole life), else the ArrayBuffer's backing store. SharedArrayBuffers cannot be detached, but
// pinning theirs the same way is harmless and keeps one rule for all JS-owned memory. `owner` is
// null when there is nothing to hold.
struct BytesOwner {
  std::shared_ptr<void> owner;
  bool needsForkExclusion = true;
};

BytesOwner OwnerOfBytes(Napi::Env env, const Napi::Uint8Array& view, void* addr, size_t length) {
  std::shared_ptr<void> block = AddonData::Of(env)->blocks.Find(addr, length);
  if (block != nullptr) return {std::move(block), false};
  return {PinBackingStore(view.ArrayBuffer()), true};
}

// The request id of a deferred request (a positive int32), or 0 for one that runs inline.
uint32_t RequestId(const Napi::CallbackInfo& info, size_t index) {
  if (!info[index].IsNumber()) throw Napi::TypeError::New(info.Env(), "requestId must be a number");
  int64_t id = info[index].As<Napi::Number>().Int64Value();
  if (id < 0 || id > INT32_MAX) {
    throw Napi::TypeError::New(info.Env(), "requestId must be 0 or a positive int32");
  }
  return static_cast<uint32_t>(id);
}

// What a deferred request needs before the region's state moves (a request that runs inline, with
// no `requests`, needs nothing): a thread to run it. 0, or the errno. (The job holds the region's
// core; nothing on the JS side needs keeping until the result is delivered.)
int PrepareDeferred(MrRequestQueue* requests) {
  return requests == nullptr ? 0 : requests->Reserve();
}

// The core `value` names (an id from mrCreate), or a TypeError.
const std::shared_ptr<MrCore>& CoreOf(const Napi::Value& value) {
  return AddonData::Of(value.Env())->mrs.Find(value);
}

// (pd) → id (≥ 0) | NativeResult (< 0). Running out of memory throws (OnNativeFailure::kThrow):
// ENOMEM would be a number like an id.
Napi::Value CreateMr(const Napi::CallbackInfo& info) {
  auto& pd = UnwrapHandle<PdBox>(info[0])->core;
  Napi::Env env = info.Env();
  if (pd->pd == nullptr) return Napi::Number::New(env, kGone);
  auto core = MakeCore<MrCore>();
  core->pd = pd;
  core->slot = pd->mrs.Add(core);
  // If this throws, the core goes with nothing registered, its slot in `pd` left to reuse.
  return Napi::Number::New(env, AddonData::Of(env)->mrs.Add(std::move(core)));
}

// (mr) → undefined: the region's id names nothing any more, and its core goes once no request
// holds it (~MrCore deregisters a registration still in place). Releasing twice does nothing.
Napi::Value ReleaseMr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "expected a memory region handle");
  AddonData::Of(env)->mrs.Release(info[0].As<Napi::Number>().DoubleValue());
  return env.Undefined();
}

// (dispatch) → queue handle: the results of requests deferred through it are delivered as
// dispatch(Int32Array [requestId, errno, …]) (see MrRequestQueue)
Napi::Value CreateMrRequestQueue(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "dispatch must be a function");
  auto queue = std::make_shared<MrRequestQueue>();
  queue->Start(env, info[0].As<Napi::Function>());
  auto& queues = AddonData::Of(env)->mrQueues;
  AppendPruning(queues, queue);
  return NewHandle(env, new MrQueueBox{queue});
}

// (queue) → undefined: wakes request threads for the jobs queued since the last flush
Napi::Value FlushMrRequests(const Napi::CallbackInfo& info) {
  UnwrapHandle<MrQueueBox>(info[0])->queue->Flush();
  return info.Env().Undefined();
}

// (mr, view: Uint8Array, access, requestId, queue?) → 0 | errno | NativeResult. requestId 0 runs
// inline; otherwise the request is deferred to `queue` (kPending) and its errno is delivered under
// that id.
Napi::Value MrRegister(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::shared_ptr<MrCore>& core = CoreOf(info[0]);
  // One Node-API call for the type, the length and the data (each wrapper accessor would make its
  // own); it fails for anything that is not a typed array.
  napi_typedarray_type type;
  size_t length = 0;
  void* addr = nullptr;
  if (napi_get_typedarray_info(env, info[1], &type, &length, &addr, nullptr, nullptr) != napi_ok ||
      type != napi_uint8_array) {
    throw Napi::TypeError::New(env, "memory must be a Uint8Array view");
  }
  auto view = info[1].As<Napi::Uint8Array>();
  if (!info[2].IsNumber()) throw Napi::TypeError::New(env, "access must be a number");
  // Only the access bits the facade grants; anything else never reaches verbs.
  int access = info[2].As<Napi::Number>().Int32Value() &
               (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);
  // Windows bind only over regions registered for it; a region peers may reach may get windows.
  if ((access & (IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_WRITE)) != 0 &&
      core->pd->device->supportsMemoryWindows) {
    access |= IBV_ACCESS_MW_BIND;
  }
  uint32_t requestId = RequestId(info, 3);
  if (length == 0 || addr == nullptr) return Napi::Number::New(env, kBadArgument);

  // Everything that can throw happens before the state moves: a request that never started must
  // not leave the region stuck in a transient state (teardown would wait for it forever).
  MrRequestQueue* requests =
      requestId != 0 ? UnwrapHandle<MrQueueBox>(info[4])->queue.get() : nullptr;
  BytesOwner bytes = OwnerOfBytes(env, view, addr, length);
  if (bytes.owner == nullptr) return Napi::Number::New(env, kBadArgument);
  int reserved = PrepareDeferred(requests);
  if (reserved != 0) return Napi::Number::New(env, reserved);
  int begin = BeginRequest(*core, MrState::kUnregistered, MrState::kRegistering);
  if (begin != kDone) return Napi::Number::New(env, begin);

  if (requestId != 0) {
    if (!requests->Submit({requestId, MrRequestQueue::Kind::kRegister, core, addr, length, access,
                           std::move(bytes.owner), bytes.needsForkExclusion})) {
      core->AbandonRequest(MrState::kUnregistered);
      return Napi::Number::New(env, ENOMEM);
    }
    return Napi::Number::New(env, kPending);
  }
  int err =
      core->RunRegister(addr, length, access, std::move(bytes.owner), bytes.needsForkExclusion);
  return Napi::Number::New(env, err);
}

// (mr, requestId, queue?) → 0 | errno | NativeResult, as MrRegister
Napi::Value MrDeregister(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::shared_ptr<MrCore>& core = CoreOf(info[0]);
  uint32_t requestId = RequestId(info, 1);

  MrRequestQueue* requests =
      requestId != 0 ? UnwrapHandle<MrQueueBox>(info[2])->queue.get() : nullptr;
  int reserved = PrepareDeferred(requests);
  if (reserved != 0) return Napi::Number::New(env, reserved);
  int begin = BeginRequest(*core, MrState::kRegistered, MrState::kDeregistering);
  if (begin != kDone) return Napi::Number::New(env, begin);

  if (requestId != 0) {
    if (!requests->Submit({requestId, MrRequestQueue::Kind::kDeregister, core})) {
      core->AbandonRequest(MrState::kRegistered);
      return Napi::Number::New(env, ENOMEM);
    }
    return Napi::Number::New(env, kPending);
  }
  return Napi::Number::New(env, core->RunDeregister());
}

// (pd, entries, requestId, queue) → the number of regions queued. `entries` (an Int32Array) goes
// both ways: in, each entry's slot in `pd`, or a negative value for an entry the facade settled
// itself (left as it is); out, kPending for each region queued as one job of `queue`, whose result
// is delivered once under `requestId`, else why it was not (kBusy, kWrongState, kGone — also for a
// slot naming no live region of `pd` — or ENOMEM when the batch could not be queued). Written in
// place rather than into a new array: an array per batch was one more allocation per batch on the
// JS thread (see MrRequestQueue::TakeBatch). The regions are named by their slots in `pd` (mrSlot):
// no Node-API call per region, which is most of what a batch would otherwise cost on the JS
// thread. Every queued region is deregistered by one job on one request thread, and the whole
// batch's errnos are delivered once (see MrRequestQueue::Start). A region whose state is not
// kRegistered is refused alone; the others go on.
Napi::Value MrDeregisterBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  PdCore& pd = *UnwrapHandle<PdBox>(info[0])->core;
  if (!info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(env, "entries must be an Int32Array");
  }
  auto entries = info[1].As<Napi::Int32Array>();
  uint32_t requestId = RequestId(info, 2);
  if (requestId == 0) throw Napi::TypeError::New(env, "a batch needs a request id");
  MrRequestQueue* requests = UnwrapHandle<MrQueueBox>(info[3])->queue.get();
  auto count = static_cast<uint32_t>(entries.ElementLength());
  int32_t* entry = entries.Data();
  if (count == 0) return Napi::Number::New(env, 0);  // nothing to queue, no thread to start
  int reserved = requests->Reserve();
  if (reserved != 0) {
    for (uint32_t i = 0; i < count; i++) {
      if (entry[i] >= 0) entry[i] = reserved;
    }
    return Napi::Number::New(env, 0);
  }

  // Everything that can throw happens before any region's state moves. The job holds the cores;
  // nothing JavaScript owns is kept for the batch.
  std::shared_ptr<MrRequestQueue::DeregisterBatch> batch = requests->TakeBatch(count);
  uint32_t queued = 0;
  for (uint32_t i = 0; i < count; i++) {
    if (entry[i] < 0) continue;
    std::shared_ptr<MrCore> core = pd.mrs.Get(static_cast<uint32_t>(entry[i]));
    int begin = core != nullptr ? BeginRequest(*core, MrState::kRegistered, MrState::kDeregistering)
                                : kGone;
    entry[i] = begin == kDone ? kPending : begin;
    if (begin != kDone) continue;
    batch->cores[i] = std::move(core);
    ++queued;
  }
  if (queued == 0) return Napi::Number::New(env, 0);
  MrRequestQueue::Job job;
  job.id = requestId;
  job.kind = MrRequestQueue::Kind::kDeregisterBatch;
  job.batch = batch;
  if (!requests->Submit(std::move(job))) {
    for (uint32_t i = 0; i < count; i++) {
      if (batch->cores[i] == nullptr) continue;
      batch->cores[i]->AbandonRequest(MrState::kRegistered);
      batch->cores[i].reset();
      entry[i] = ENOMEM;
    }
    return Napi::Number::New(env, 0);
  }
  return Napi::Number::New(env, queued);
}

// (mr) → the region's slot in its protection domain, for mrDeregisterBatch
Napi::Value MrSlot(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), CoreOf(info[0])->slot);
}

// (mr) → [lkey, rkey] while a verbs registration exists, else null
Napi::Value MrKeys(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MrCore& core = *CoreOf(info[0]);
  std::lock_guard<std::mutex> lock(core.Mutex());
  // Only while registered: a deregistration in flight frees the ibv_mr on a request thread before
  // it takes the lock to clear `mr`.
  if (core.mr == nullptr || core.state != MrState::kRegistered) return env.Null();
  auto keys = Napi::Array::New(env, 2);
  keys.Set(0u, Napi::Number::New(env, core.mr->lkey));
  keys.Set(1u, Napi::Number::New(env, core.mr->rkey));
  return keys;
}

// (mr) → the registered virtual address (bigint) while a verbs registration exists, else null: the
// remote address a peer puts in its RDMA requests.
Napi::Value MrAddress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  MrCore& core = *CoreOf(info[0]);
  std::lock_guard<std::mutex> lock(core.Mutex());
  if (core.mr == nullptr || core.state != MrState::kRegistered) return env.Null();  // as MrKeys
  return Napi::BigInt::New(env, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(core.mr->addr)));
}

#ifdef NDK_VERBS_TEST_HOOKS
// () → undefined: the next deferred request fails in Submit() as if out of memory (test builds).
Napi::Value FailNextMrSubmit(const Napi::CallbackInfo& info) {
  FailNextMrSubmitForTest();
  return info.Env().Undefined();
}

// () → the number of region ids not yet released in this environment (test builds).
Napi::Value LiveMrCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(),
                           static_cast<double>(AddonData::Of(info.Env())->mrs.LiveCount()));
}
#endif

// (mr) → MrState
Napi::Value MrStateOf(const Napi::CallbackInfo& info) {
  MrCore& core = *CoreOf(info[0]);
  std::lock_guard<std::mutex> lock(core.Mutex());
  return Napi::Number::New(info.Env(), static_cast<int>(core.state));
}

}  // namespace

void InitMemoryRegion(Napi::Env env, Napi::Object exports) {
  ExportFunction<CreateMr, OnNativeFailure::kThrow>(env, exports, "mrCreate");
  ExportFunction<ReleaseMr, OnNativeFailure::kThrow>(env, exports, "mrRelease");
  ExportFunction<CreateMrRequestQueue, OnNativeFailure::kThrow>(env, exports, "mrQueueCreate");
  ExportFunction<FlushMrRequests>(env, exports, "mrQueueFlush");
  ExportFunction<MrRegister>(env, exports, "mrRegister");
  ExportFunction<MrDeregister>(env, exports, "mrDeregister");
  ExportFunction<MrDeregisterBatch>(env, exports, "mrDeregisterBatch");
  ExportFunction<MrSlot, OnNativeFailure::kThrow>(env, exports, "mrSlot");
  ExportFunction<MrKeys, OnNativeFailure::kThrow>(env, exports, "mrKeys");
  ExportFunction<MrAddress, OnNativeFailure::kThrow>(env, exports, "mrAddress");
  ExportFunction<MrStateOf, OnNativeFailure::kThrow>(env, exports, "mrState");
#ifdef NDK_VERBS_TEST_HOOKS
  ExportFunction<FailNextMrSubmit>(env, exports, "testFailNextMrSubmit");
  ExportFunction<LiveMrCount, OnNativeFailure::kThrow>(env, exports, "testLiveMrCount");
#endif
}

}  // namespace ndkv
