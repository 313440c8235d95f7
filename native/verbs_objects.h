// The verbs objects behind the handles, as plain C++ that other threads may touch (no Node-API).
// Ownership runs child → parent: a memory region keeps its protection domain alive, which keeps its
// device context alive, so a verbs object is never destroyed under a child that still needs it.
// Parents list their children weakly so that environment teardown can release them child first.
#pragma once
#include <infiniband/verbs.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

namespace ndkv {

struct MemoryBlock;
class CqEventThread;

struct DeviceCore {
  ibv_context* context = nullptr;  // null once closed
  // The device can bind memory windows (ibv_device_attr.max_mw > 0): regions that grant remote
  // access are then registered with IBV_ACCESS_MW_BIND, so windows can be bound over them.
  bool supportsMemoryWindows = false;
  std::vector<std::weak_ptr<struct PdCore>> pds;
  std::vector<std::weak_ptr<struct CqCore>> cqs;
  ~DeviceCore();
  bool HasLivePds();
  bool HasLiveCqs();
};

struct PdCore {
  ibv_pd* pd = nullptr;  // null once deallocated
  std::shared_ptr<DeviceCore> device;
  std::vector<std::weak_ptr<struct MrCore>> mrs;
  std::vector<std::weak_ptr<struct QpCore>> qps;
  std::vector<std::weak_ptr<struct MwCore>> mws;
  ~PdCore();
  bool HasBusyMrs();
  // Queue pairs or memory windows not yet destroyed: verbs would refuse the deallocation.
  bool HasLiveQpsOrMws();
};

enum class MrState : int {
  kUnregistered = 0,
  kRegistering = 1,
  kRegistered = 2,
  kDeregistering = 3,
  kDestroyed = 4,  // environment teardown released it; nothing more may reach verbs
};

// A memory region. `state`, `mr` and `pinnedMemory` change under `mutex` (a request thread
// finishes requests); `idle` is signalled whenever a request in flight completes, so teardown can
// wait for it.
struct MrCore {
  std::mutex mutex;
  std::condition_variable idle;
  MrState state = MrState::kUnregistered;
  ibv_mr* mr = nullptr;
  // The owner of the registered bytes (a JS ArrayBuffer's backing store, or an allocate() block),
  // held while `mr` points at them and released only once verbs no longer does: after a
  // deregistration succeeded, or after ~MrCore's. Here rather than in the JS handle's box, whose
  // members may be destroyed while this core (kept alive by a request) is still registered; plain
  // C++, so whichever thread ends the registration may release it.
  std::shared_ptr<void> pinnedMemory;
  std::shared_ptr<PdCore> pd;
  ~MrCore();

  // Each runs one verbs call and moves the state machine on; they return 0 or the errno.
  // Called with the state already moved to kRegistering / kDeregistering by the caller.
  // RunRegister keeps `memory`, the owner of [addr, addr + length), as `pinnedMemory` when the
  // registration succeeds, and drops it when it fails.
  int RunRegister(void* addr, size_t length, int access, std::shared_ptr<void> memory);
  int RunDeregister();
  // Teardown: waits for a request in flight, deregisters, and marks the region destroyed.
  void Destroy();
};

// A completion queue with its completion channel and the thread that waits on it. Lives on the JS
// thread only (creation, polling, arming and destruction all happen there).
struct CqCore {
  ibv_comp_channel* channel = nullptr;
  ibv_cq* cq = nullptr;  // null once destroyed
  std::shared_ptr<DeviceCore> device;
  std::unique_ptr<CqEventThread> events;
  std::vector<std::weak_ptr<struct QpCore>> qps;  // queue pairs that complete into this CQ
  ~CqCore();
  bool HasLiveQps();
  // Stops the waiter thread first (it must not touch a destroyed channel), then destroys the CQ and
  // the channel. Returns 0 or the errno of ibv_destroy_cq (the CQ then stays, without its waiter).
  int Destroy();
};

// A reliable-connected queue pair. Holds its PD and both CQs, so none of them is destroyed under
// it. `qp` and `destroying` belong to the JS thread. A deferred destroy calls verbs on the pool
// (rxe may hold ibv_destroy_qp for ~50 s) and reports back under `mutex`, so environment teardown
// can wait for it; the JS thread applies its result when the completion runs.
struct QpCore {
  ibv_qp* qp = nullptr;     // null once destroyed
  bool destroying = false;  // a deferred destroy owns `qp`: nothing else may reach verbs with it
  uint32_t psn = 0;         // our initial packet sequence number, told to the peer
  uint8_t port = 1;
  std::shared_ptr<PdCore> pd;
  std::shared_ptr<CqCore> recvCq;
  std::shared_ptr<CqCore> sendCq;
  std::mutex mutex;
  std::condition_variable idle;
  bool destroyRunning = false;  // under `mutex`: queued or running on the pool
  int destroyResult = 0;        // under `mutex`: what the last deferred destroy returned
  ~QpCore();

  // The QP for a verbs call on the JS thread: null once destroyed or while a destroy owns it.
  ibv_qp* Usable() const { return destroying ? nullptr : qp; }
  // Moves the QP to the error state, so every outstanding request flushes into its CQs.
  int ToError();
  // ToError, then ibv_destroy_qp, on the calling thread. Returns 0 or the errno.
  int Destroy();

  // The deferred destroy, in three steps. JS thread, before queueing:
  void BeginDeferredDestroy();
  // Pool: ToError, then ibv_destroy_qp; `qp` itself is left to the JS thread. Returns 0 or the
  // errno.
  int RunDeferredDestroy();
  // JS thread, with what RunDeferredDestroy returned.
  void FinishDeferredDestroy(int err);
  // JS thread: the work could not be queued after all; the QP is as it was.
  void AbandonDeferredDestroy();
  // Teardown: waits for a deferred destroy on the pool and takes its result.
  void WaitForDeferredDestroy();
};

// A memory window. `type` is IBV_MW_TYPE_1 or IBV_MW_TYPE_2.
struct MwCore {
  ibv_mw* mw = nullptr;    // null once deallocated
  uint32_t boundRkey = 0;  // the rkey the last bind request gave the window (type 2)
  std::shared_ptr<PdCore> pd;
  ~MwCore();
  int Destroy();
};

// Releases everything still alive below `device`, children first: queue pairs (nothing can reach
// memory any more), memory windows (a bound window makes ibv_dereg_mr fail), memory regions,
// completion queues, protection domains, the context. Used by the environment's cleanup hook
// (process exit, worker termination).
void DestroyDeviceTree(DeviceCore& device);

template <typename T>
void PruneExpired(std::vector<std::weak_ptr<T>>& list) {
  list.erase(std::remove_if(list.begin(), list.end(),
                            [](const std::weak_ptr<T>& w) { return w.expired(); }),
             list.end());
}

}  // namespace ndkv
