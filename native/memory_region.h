// A memory region: its registration state machine (which makes sure a deregistration can never
// reach verbs twice and that pinned memory outlives its registration), a child of a protection
// domain. Deferred requests run on its request queue (mr_request_queue.h).
#pragma once
#include <infiniband/verbs.h>
#include <napi.h>

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>

#include "protection_domain.h"
#include "util/tagged_handle.h"

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
// under `mutex` (a request thread finishes requests); `idle` is signalled whenever a request in
// flight completes, so teardown can wait for it.
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
  // A request moved the state to a transient one but could not be queued: back to `previous`,
  // waking whoever waits for the region to be idle.
  void AbandonRequest(MrState previous);
  // Teardown: waits for a request in flight, deregisters, and marks the region destroyed.
  void Destroy();
};

// A reference to the JS view of one registration. Shared (JS thread only) between the box and the
// deferred request that concerns that registration, whose result may release it only while it is
// still the box's: one object per registration, so identity tells two registrations of the same
// view apart.
using MrPin = std::shared_ptr<Napi::ObjectReference>;

struct MrBox : CoreBox<MrCore, HandleKind::kMemoryRegion> {
  // The JS view over the registered bytes, referenced from the start of a registration until its
  // deregistration succeeds, so the ArrayBuffer JS handed over stays alive while it is registered.
  // The bytes are held apart from it, by the core (MrCore::pinnedMemory): a detach can take them
  // away from the ArrayBuffer, and the core may outlive this box while verbs still points at them.
  MrPin pinnedView;

  void Unpin() { pinnedView.reset(); }
};

// Exports mrCreate, mrQueueCreate, mrQueueFlush, mrRegister, mrDeregister, mrDeregisterBatch,
// mrKeys, mrAddress and mrState (and, in a build with NDK_VERBS_TEST_HOOKS, testFailNextMrSubmit).
void InitMemoryRegion(Napi::Env env, Napi::Object exports);

}  // namespace ndkv
