// Reliable-connected queue pairs: creation, the address a peer needs, the connection state machine
// (RoCEv2 over the source GID the facade chose: index 0 by default, which on rxe is the IPv6
// link-local address of its netdev) and teardown.
#include "queue_pair.h"

#include <cerrno>
#include <cstring>
#include <memory>
#include <random>
#include <utility>

#include "addon_data.h"
#include "gid_table.h"
#include "qp_destroy_threads.h"
#include "util/export_function.h"
#include "util/make_core.h"
#include "util/result_codes.h"
#include "util/weak_list.h"

namespace ndkv {

QpCore::~QpCore() { Destroy(); }

int QpCore::ToError() {
  ibv_qp_attr attr = {};
  attr.qp_state = IBV_QPS_ERR;
  return ibv_modify_qp(qp, &attr, IBV_QP_STATE);
}

namespace {

int ToErrorThenDestroy(QpCore& core) {
  core.ToError();  // best effort: a QP that cannot change state is destroyed all the same
  return ibv_destroy_qp(core.qp);
}

}  // namespace

int QpCore::Destroy() {
  if (qp == nullptr) return 0;
  int err = ToErrorThenDestroy(*this);
  if (err == 0) qp = nullptr;
  return err;
}

void QpCore::BeginDeferredDestroy() {
  destroying = true;
  std::lock_guard<std::mutex> lock(mutex);
  destroyRunning = true;
}

int QpCore::RunDeferredDestroy() {
  int err = ToErrorThenDestroy(*this);
  {
    std::lock_guard<std::mutex> lock(mutex);
    destroyRunning = false;
    destroyResult = err;
  }
  idle.notify_all();
  return err;
}

// Also runs after teardown has taken the result (a completion that reaches an environment being
// torn down): applying it twice is harmless, and a failed destroy leaves `qp` as teardown left it.
void QpCore::FinishDeferredDestroy(int err) {
  destroying = false;
  if (err == 0) qp = nullptr;
}

void QpCore::AbandonDeferredDestroy() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    destroyRunning = false;
  }
  destroying = false;
}

void QpCore::WaitForDeferredDestroy() {
  if (!destroying) return;
  std::unique_lock<std::mutex> lock(mutex);
  idle.wait(lock, [this] { return !destroyRunning; });
  int err = destroyResult;
  lock.unlock();
  FinishDeferredDestroy(err);
}

namespace {

constexpr uint8_t kPort = 1;
constexpr uint8_t kGidIndex = 0;

// The path MTU in bytes (the facade allows 256 to 4096, powers of two) as verbs' enum; 0 if not
// one.
ibv_mtu PathMtuOf(uint32_t bytes) {
  switch (bytes) {
    case 256:
      return IBV_MTU_256;
    case 512:
      return IBV_MTU_512;
    case 1024:
      return IBV_MTU_1024;
    case 2048:
      return IBV_MTU_2048;
    case 4096:
      return IBV_MTU_4096;
    default:
      return static_cast<ibv_mtu>(0);
  }
}

uint32_t RandomPsn() {
  static thread_local std::mt19937 generator{std::random_device{}()};
  return generator() & 0xffffff;
}

bool IsZeroGid(const ibv_gid& gid) {
  for (uint8_t byte : gid.raw) {
    if (byte != 0) return false;
  }
  return true;
}

int ModifyToInit(ibv_qp* qp, uint8_t port) {
  ibv_qp_attr attr = {};
  attr.qp_state = IBV_QPS_INIT;
  attr.pkey_index = 0;
  attr.port_num = port;
  // What a peer may do through this QP; each region still grants or refuses with its own flags.
  attr.qp_access_flags = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ;
  return ibv_modify_qp(qp, &attr,
                       IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS);
}

// The path: our port and source GID index, the peer's GID, and the MTU both ends agreed on.
struct Path {
  const uint8_t* gid;  // the peer's, 16 bytes
  uint8_t port;        // ours: the peer's port number says nothing about ours (RoCE routes by GID)
  uint8_t sgidIndex;   // ours: the GID our packets leave from, of the same family as the peer's
  ibv_mtu mtu;
};

int ModifyToRtr(ibv_qp* qp, const Path& path, uint32_t qpn, uint32_t psn) {
  ibv_qp_attr attr = {};
  attr.qp_state = IBV_QPS_RTR;
  attr.path_mtu = path.mtu;
  attr.dest_qp_num = qpn;
  attr.rq_psn = psn;
  attr.max_dest_rd_atomic = 1;
  attr.min_rnr_timer = 12;
  attr.ah_attr.is_global = 1;  // RoCE always routes by GID
  std::memcpy(attr.ah_attr.grh.dgid.raw, path.gid, 16);
  attr.ah_attr.grh.sgid_index = path.sgidIndex;
  attr.ah_attr.grh.hop_limit = 1;
  attr.ah_attr.port_num = path.port;
  return ibv_modify_qp(qp, &attr,
                       IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
                           IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER);
}

// The retry settings are the queue pair's own (QueuePairRetryOptions in lib/ndk/queue-pair.ts
// says what each means in time). retry_cnt stops at 6: rxe takes 7 as "retry forever".
int ModifyToRts(const QpCore& core) {
  ibv_qp_attr attr = {};
  attr.qp_state = IBV_QPS_RTS;
  attr.timeout = core.timeoutExponent;  // 4.096 µs × 2^n per try; 0: never times out
  attr.retry_cnt = core.retryCount;
  attr.rnr_retry = core.rnrRetryCount;  // 7: a receive not yet posted is waited for forever
  attr.sq_psn = core.psn;
  attr.max_rd_atomic = 1;
  return ibv_modify_qp(core.qp, &attr,
                       IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
                           IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
}

// Argument `index` as an integer from 0 to `max`, or -1.
int SmallIntArgument(const Napi::CallbackInfo& info, size_t index, int max) {
  if (!info[index].IsNumber()) return -1;
  double value = info[index].As<Napi::Number>().DoubleValue();
  if (!(value >= 0 && value <= max) || value != static_cast<int>(value)) return -1;
  return static_cast<int>(value);
}

// (pd, recvCq, sendCq, recvDepth, sendDepth, retryCount, rnrRetryCount, timeoutExponent)
// → handle | errno | NativeResult: an RC QP in INIT.
Napi::Value CreateQp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& pd = UnwrapHandle<PdBox>(info[0])->core;
  auto& recvCq = UnwrapHandle<CqBox>(info[1])->core;
  auto& sendCq = UnwrapHandle<CqBox>(info[2])->core;
  if (!info[3].IsNumber() || !info[4].IsNumber()) return Napi::Number::New(env, kBadArgument);
  int recvDepth = info[3].As<Napi::Number>().Int32Value();
  int sendDepth = info[4].As<Napi::Number>().Int32Value();
  if (recvDepth < 1 || sendDepth < 1) return Napi::Number::New(env, kBadArgument);
  int retryCount = SmallIntArgument(info, 5, 6);
  int rnrRetryCount = SmallIntArgument(info, 6, 7);
  int timeoutExponent = SmallIntArgument(info, 7, 31);
  if (retryCount < 0 || rnrRetryCount < 0 || timeoutExponent < 0) {
    return Napi::Number::New(env, kBadArgument);
  }
  if (pd->pd == nullptr || recvCq->cq == nullptr || sendCq->cq == nullptr) {
    return Napi::Number::New(env, kGone);
  }
  // A CQ of another device would be a kernel error at best; the facade checks, this is the last
  // line.
  if (recvCq->device != pd->device || sendCq->device != pd->device) {
    return Napi::Number::New(env, kBadArgument);
  }
  ibv_qp_init_attr init = {};
  init.send_cq = sendCq->cq;
  init.recv_cq = recvCq->cq;
  init.qp_type = IBV_QPT_RC;
  init.sq_sig_all = 1;  // every request completes, so every request is accounted for
  init.cap.max_send_wr = static_cast<uint32_t>(sendDepth);
  init.cap.max_recv_wr = static_cast<uint32_t>(recvDepth);
  init.cap.max_send_sge = 1;
  init.cap.max_recv_sge = 1;
  // The core first: if anything after the creation throws, ~QpCore destroys the QP.
  auto core = MakeCore<QpCore>();
  ibv_qp* qp = ibv_create_qp(pd->pd, &init);
  if (qp == nullptr) return Napi::Number::New(env, errno != 0 ? errno : ENOMEM);
  core->qp = qp;
  // Straight to INIT: receives may be posted before connecting (verbs refuses them in RESET), so a
  // peer's first SEND finds one waiting.
  int initErr = ModifyToInit(qp, kPort);
  if (initErr != 0) {
    core->Destroy();
    return Napi::Number::New(env, initErr);
  }
  core->psn = RandomPsn();
  core->port = kPort;
  core->retryCount = static_cast<uint8_t>(retryCount);
  core->rnrRetryCount = static_cast<uint8_t>(rnrRetryCount);
  core->timeoutExponent = static_cast<uint8_t>(timeoutExponent);
  core->pd = pd;
  core->recvCq = recvCq;
  core->sendCq = sendCq;
  AppendPruning(pd->qps, core);
  AppendPruning(recvCq->qps, core);
  if (sendCq != recvCq) {
    AppendPruning(sendCq->qps, core);
  }
  return NewHandle(env, new QpBox{core});
}

// (qp) → [{ index, gid: Buffer(16), type }] | errno | NativeResult: the GID table of our port.
Napi::Value QpGidTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& core = UnwrapHandle<QpBox>(info[0])->core;
  if (core->Usable() == nullptr) return Napi::Number::New(env, kGone);
  std::vector<ibv_gid_entry> entries;
  int err = ReadGidTable(core->qp->context, entries);
  if (err != 0) return Napi::Number::New(env, err);
  return GidEntriesOfPort(env, entries, core->port);
}

// (qp, gidIndex = 0) → { gid: Buffer(16), qpn, psn, port } | NativeResult
Napi::Value QpLocalAddress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& core = UnwrapHandle<QpBox>(info[0])->core;
  uint32_t gidIndex = kGidIndex;
  if (info.Length() > 1 && !info[1].IsUndefined()) {
    if (!info[1].IsNumber()) return Napi::Number::New(env, kBadArgument);
    gidIndex = info[1].As<Napi::Number>().Uint32Value();
  }
  if (core->Usable() == nullptr) return Napi::Number::New(env, kGone);
  ibv_gid gid;
  errno = 0;
  // ibv_query_gid answers -1, often without setting errno; an empty table entry (on rxe, GID 0
  // while the netdev is down) comes back as zeros with success. Neither is an address a peer could
  // reach: EIO for the first, WrongState (the port has no address yet) for the second.
  if (ibv_query_gid(core->qp->context, core->port, static_cast<int>(gidIndex), &gid) != 0) {
    return Napi::Number::New(env, errno > 0 ? errno : EIO);
  }
  if (IsZeroGid(gid)) return Napi::Number::New(env, kWrongState);
  auto address = Napi::Object::New(env);
  address.Set("gid", Napi::Buffer<uint8_t>::Copy(env, gid.raw, 16));
  address.Set("qpn", core->qp->qp_num);
  address.Set("psn", core->psn);
  address.Set("port", core->port);
  return address;
}

// (qp, gid: Buffer(16), qpn, psn, port, sgidIndex, pathMtu) → 0 | errno | NativeResult:
// INIT → RTR → RTS.
Napi::Value QpConnect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& core = UnwrapHandle<QpBox>(info[0])->core;
  if (!info[1].IsBuffer() || info[1].As<Napi::Buffer<uint8_t>>().Length() != 16 ||
      !info[2].IsNumber() || !info[3].IsNumber() || !info[4].IsNumber() || !info[5].IsNumber() ||
      !info[6].IsNumber()) {
    return Napi::Number::New(env, kBadArgument);
  }
  uint32_t sgidIndex = info[5].As<Napi::Number>().Uint32Value();
  ibv_mtu mtu = PathMtuOf(info[6].As<Napi::Number>().Uint32Value());
  if (sgidIndex > 0xff || mtu == 0) return Napi::Number::New(env, kBadArgument);
  if (core->Usable() == nullptr) return Napi::Number::New(env, kGone);
  if (core->qp->state != IBV_QPS_INIT) return Napi::Number::New(env, kWrongState);
  // info[4], the peer's port, is part of its address but not of ours: the path leaves from ours.
  Path path{info[1].As<Napi::Buffer<uint8_t>>().Data(), core->port, static_cast<uint8_t>(sgidIndex),
            mtu};
  uint32_t qpn = info[2].As<Napi::Number>().Uint32Value();
  uint32_t psn = info[3].As<Napi::Number>().Uint32Value();
  int err = ModifyToRtr(core->qp, path, qpn, psn);
  if (err == 0) err = ModifyToRts(*core);
  // Half-connected is no use to anyone: back to INIT (through RESET, the only way back) so a
  // corrected connect may be tried again.
  if (err != 0) {
    ibv_qp_attr reset = {};
    reset.qp_state = IBV_QPS_RESET;
    ibv_modify_qp(core->qp, &reset, IBV_QP_STATE);
    ModifyToInit(core->qp, core->port);
  }
  return Napi::Number::New(env, err);
}

// (qp) → 0 | errno | NativeResult: to the error state; outstanding requests flush.
Napi::Value QpToError(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& core = UnwrapHandle<QpBox>(info[0])->core;
  if (core->Usable() == nullptr) return Napi::Number::New(env, kGone);
  return Napi::Number::New(env, core->ToError());
}

// (qp) → the QP number (0 once destroyed): asynchronous events name a queue pair by it.
Napi::Value QpNumber(const Napi::CallbackInfo& info) {
  auto& core = UnwrapHandle<QpBox>(info[0])->core;
  return Napi::Number::New(info.Env(), core->qp != nullptr ? core->qp->qp_num : 0);
}

// (qp, done) → Pending | NativeResult: error state, then ibv_destroy_qp, on a destroy thread of
// this environment (never the libuv pool: see qp_destroy_threads.h); done(errno) runs later. Gone
// once destroyed, Busy while a destroy is in flight.
Napi::Value DestroyQp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& core = UnwrapHandle<QpBox>(info[0])->core;
  if (!info[1].IsFunction()) {
    throw Napi::TypeError::New(env, "destroying a queue pair needs a completion function");
  }
  if (core->qp == nullptr) return Napi::Number::New(env, kGone);
  if (core->destroying) return Napi::Number::New(env, kBusy);
  auto* data = AddonData::Of(env);
  if (!data->qpDestroys) data->qpDestroys = std::make_shared<QpDestroyThreads>();
  core->BeginDeferredDestroy();
  try {
    data->qpDestroys->Submit(env, core, info[1].As<Napi::Function>());
  } catch (...) {
    core->AbandonDeferredDestroy();
    throw;
  }
  return Napi::Number::New(env, kPending);
}

}  // namespace

void InitQueuePair(Napi::Env env, Napi::Object exports) {
  ExportFunction<CreateQp>(env, exports, "qpCreate");
  ExportFunction<QpGidTable>(env, exports, "qpGidTable");
  ExportFunction<QpLocalAddress>(env, exports, "qpLocalAddress");
  ExportFunction<QpConnect>(env, exports, "qpConnect");
  ExportFunction<QpToError>(env, exports, "qpToError");
  ExportFunction<QpNumber>(env, exports, "qpNumber");
  ExportFunction<DestroyQp>(env, exports, "qpDestroy");
}

}  // namespace ndkv
