// The verbs objects behind the handles, as plain C++ that the libuv pool may touch (no Node-API).
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

struct DeviceCore {
  ibv_context* context = nullptr;  // null once closed
  std::vector<std::weak_ptr<struct PdCore>> pds;
  ~DeviceCore();
  bool HasLivePds();
};

struct PdCore {
  ibv_pd* pd = nullptr;  // null once deallocated
  std::shared_ptr<DeviceCore> device;
  std::vector<std::weak_ptr<struct MrCore>> mrs;
  ~PdCore();
  bool HasBusyMrs();
};

enum class MrState : int {
  kUnregistered = 0,
  kRegistering = 1,
  kRegistered = 2,
  kDeregistering = 3,
  kDestroyed = 4,  // environment teardown released it; nothing more may reach verbs
};

// A memory region. `state` and `mr` change under `mutex` (the pool thread finishes requests);
// `idle` is signalled whenever a request in flight completes, so teardown can wait for it.
struct MrCore {
  std::mutex mutex;
  std::condition_variable idle;
  MrState state = MrState::kUnregistered;
  ibv_mr* mr = nullptr;
  std::shared_ptr<PdCore> pd;
  ~MrCore();

  // Each runs one verbs call and moves the state machine on; they return 0 or the errno.
  // Called with the state already moved to kRegistering / kDeregistering by the caller.
  int RunRegister(void* addr, size_t length, int access);
  int RunDeregister();
  // Teardown: waits for a request in flight, deregisters, and marks the region destroyed.
  void Destroy();
};

// Releases everything still alive below `device`, children first. Used by the environment's
// cleanup hook (process exit, worker termination).
void DestroyDeviceTree(DeviceCore& device);

template <typename T>
void PruneExpired(std::vector<std::weak_ptr<T>>& list) {
  list.erase(std::remove_if(list.begin(), list.end(),
                            [](const std::weak_ptr<T>& w) { return w.expired(); }),
             list.end());
}

}  // namespace ndkv
