// A reliable-connected queue pair, a child of a protection domain that completes into one or two
// completion queues. Creation, connection and destruction are in queue_pair.cc; posting work
// requests on it is in queue_pair_post.cc.
#pragma once
#include <infiniband/verbs.h>
#include <napi.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

#include "completion_queue.h"
#include "protection_domain.h"
#include "util/tagged_handle.h"

namespace ndkv {

// Holds its PD and both CQs, so none of them is destroyed under it. `qp` and `destroying` belong to
// the JS thread. A deferred destroy calls verbs on a destroy thread (qp_destroy_threads.h; rxe may
// hold ibv_destroy_qp for ~50 s) and reports back under `mutex`, so environment teardown can wait
// for it; the JS thread applies its result when the completion runs.
struct QpCore {
  ibv_qp* qp = nullptr;     // null once destroyed
  bool destroying = false;  // a deferred destroy owns `qp`: nothing else may reach verbs with it
  uint32_t psn = 0;         // our initial packet sequence number, told to the peer
  uint8_t port = 1;
  // Given at creation, applied at connect (RTS): ibv_qp_attr's retry_cnt, rnr_retry, timeout.
  uint8_t retryCount = 6;
  uint8_t rnrRetryCount = 7;
  uint8_t timeoutExponent = 14;
  std::shared_ptr<PdCore> pd;
  std::shared_ptr<CqCore> recvCq;
  std::shared_ptr<CqCore> sendCq;
  std::mutex mutex;
  std::condition_variable idle;
  bool destroyRunning = false;  // under `mutex`: queued or running on a destroy thread
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
  // Destroy thread: ToError, then ibv_destroy_qp; `qp` itself is left to the JS thread. Returns 0
  // or the errno.
  int RunDeferredDestroy();
  // JS thread, with what RunDeferredDestroy returned.
  void FinishDeferredDestroy(int err);
  // JS thread: the work could not be queued after all; the QP is as it was.
  void AbandonDeferredDestroy();
  // Teardown: waits for a deferred destroy on its thread and takes its result.
  void WaitForDeferredDestroy();
};

using QpBox = CoreBox<QpCore, HandleKind::kQueuePair>;

// Exports qpCreate, qpLocalAddress, qpConnect, qpToError and qpDestroy (queue_pair.cc).
void InitQueuePair(Napi::Env env, Napi::Object exports);
// Exports qpPostSend, qpPostRecv, qpPostBindMw and qpPostLocalInvalidate (queue_pair_post.cc).
void InitQueuePairPosting(Napi::Env env, Napi::Object exports);

}  // namespace ndkv
