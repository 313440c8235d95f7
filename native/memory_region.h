// A memory region: its registration state machine (which makes sure a deregistration can never
// reach verbs twice and that pinned memory outlives its registration), a child of a protection
// domain. Deferred requests run on its request queue (mr_request_queue.h).
#pragma once
#include <infiniband/verbs.h>
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "protection_domain.h"

namespace ndkv {

// Mirrored by MrState in lib/native.ts.
enum class MrState : int {
  kUnregistered = 0,
  kRegistering = 1,
  kRegistered = 2,
  kDeregistering = 3,
  kDestroyed = 4,  // environment teardown released it; nothing more may reach verbs
};

// Plain C++ that request threads may touch (no Node-API). `state`, `mr` and `pinnedMemory` change
// under Mutex() (a request thread finishes requests). Kept small, since a service may hold a
// hundred thousand: no mutex or condition variable of its own (see Mutex() and Destroy), no
// reference to anything JavaScript owns.
struct MrCore {
  // The lock over `state`, `mr` and `pinnedMemory`: one of a fixed set of mutexes, picked by the
  // core's address, rather than a 40-byte std::mutex in every region. Held only for a few field
  // reads and writes (never across a verbs call that may wait), and never two at once, so two
  // regions sharing one cost at most a short wait.
  std::mutex& Mutex() const;
  MrState state = MrState::kUnregistered;
  // Its place in its protection domain's list (PdCore::mrs), for life; set once, before any other
  // thread sees the core.
  uint32_t slot = 0;
  ibv_mr* mr = nullptr;
  // The owner of the registered bytes (a JS ArrayBuffer's backing store, or an allocate() block),
  // held while `mr` points at them and released only once verbs no longer does: after a
  // deregistration succeeded, or after ~MrCore's. Plain C++, so whichever thread ends the
  // registration may release it. (The facade keeps the JS object the caller registered; the addon
  // needs only the bytes, which a detach or a collected ArrayBuffer cannot take away from here.)
  std::shared_ptr<void> pinnedMemory;
  std::shared_ptr<PdCore> pd;
  ~MrCore();

  // Each runs one verbs call and moves the state machine on; they return 0 or the errno.
  // Called with the state already moved to kRegistering / kDeregistering by the caller.
  // RunRegister keeps `memory`, the owner of [addr, addr + length), as `pinnedMemory` when the
  // registration succeeds, and drops it when it fails; `keepOutOfForks` adds the fork exclusion of
  // registered memory (util/fork_exclusion.h), false for an allocate() block, excluded already.
  int RunRegister(void* addr, size_t length, int access, std::shared_ptr<void> memory,
                  bool keepOutOfForks);
  int RunDeregister();
  // A request moved the state to a transient one but could not be queued: back to `previous`.
  void AbandonRequest(MrState previous);
  // Teardown: waits for a request in flight, deregisters, and marks the region destroyed.
  void Destroy();
};

// A region reaches JavaScript as a number, its id in the environment's MrRegistry (mr_registry.h),
// rather than as a tagged handle.

// Exports mrCreate, mrRelease, mrQueueCreate, mrQueueFlush, mrRegister, mrDeregister,
// mrDeregisterBatch, mrSlot, mrKeys, mrAddress and mrState (and, in a build with
// NDK_VERBS_TEST_HOOKS, testFailNextMrSubmit and testLiveMrCount).
void InitMemoryRegion(Napi::Env env, Napi::Object exports);

}  // namespace ndkv
