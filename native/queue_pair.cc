// Reliable-connected queue pairs: creation, the address a peer needs, the connection state machine
// (RoCEv2 over GID index 0, which on rxe is the IPv6 link-local address of its netdev) and
// teardown.
#include "queue_pair.h"

#include <cerrno>
#include <cstring>
#include <memory>
#include <random>

#include "handles.h"
#include "qp_destroy_work.h"
#include "result_codes.h"

namespace ndkv {

namespace {

constexpr uint8_t kPort = 1;
constexpr uint8_t kGidIndex = 0;
constexpr ibv_mtu kPathMtu = IBV_MTU_1024;  // what rxe over a 1500-byte veth carries

uint32_t RandomPsn() {
  static thread_local std::mt19937 generator{std::random_device{}()};
  return generator() & 0xffffff;
}

int ModifyToInit(ibv_qp* qp) {
  ibv_qp_attr attr = {};
  attr.qp_state = IBV_QPS_INIT;
  attr.pkey_index = 0;
  attr.port_num = kPort;
  // What a peer may do through this QP; each region still grants or refuses with its own flags.
  attr.qp_access_flags = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ;
  return ibv_modify_qp(qp, &attr,
                       IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS);
}

int ModifyToRtr(ibv_qp* qp, const uint8_t* gid, uint32_t qpn, uint32_t psn, uint8_t port) {
  ibv_qp_attr attr = {};
  attr.qp_state = IBV_QPS_RTR;
  attr.path_mtu = kPathMtu;
  attr.dest_qp_num = qpn;
  attr.rq_psn = psn;
  attr.max_dest_rd_atomic = 1;
  attr.min_rnr_timer = 12;
  attr.ah_attr.is_global = 1;  // RoCE always routes by GID
  std::memcpy(attr.ah_attr.grh.dgid.raw, gid, 16);
  attr.ah_attr.grh.sgid_index = kGidIndex;
  attr.ah_attr.grh.hop_limit = 1;
  attr.ah_attr.port_num = port;
  return ibv_modify_qp(qp, &attr,
                       IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
                           IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER);
}

int ModifyToRts(ibv_qp* qp, uint32_t psn) {
  ibv_qp_attr attr = {};
  attr.qp_state = IBV_QPS_RTS;
  attr.timeout = 14;  // 4.096 µs × 2^14 ≈ 67 ms per try
  attr.retry_cnt = 7;
  attr.rnr_retry = 7;  // a receive not yet posted is waited for, not an error
  attr.sq_psn = psn;
  attr.max_rd_atomic = 1;
  return ibv_modify_qp(qp, &attr,
                       IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
                           IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
}

}  // namespace

Napi::Value CreateQp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& pd = UnwrapHandle<PdBox>(info[0])->core;
  auto& recvCq = UnwrapHandle<CqBox>(info[1])->core;
  auto& sendCq = UnwrapHandle<CqBox>(info[2])->core;
  if (!info[3].IsNumber() || !info[4].IsNumber()) return Napi::Number::New(env, kBadArgument);
  int recvDepth = info[3].As<Napi::Number>().Int32Value();
  int sendDepth = info[4].As<Napi::Number>().Int32Value();
  if (recvDepth < 1 || sendDepth < 1) return Napi::Number::New(env, kBadArgument);
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
  ibv_qp* qp = ibv_create_qp(pd->pd, &init);
  if (qp == nullptr) return Napi::Number::New(env, errno != 0 ? errno : ENOMEM);
  auto core = std::make_shared<QpCore>();
  core->qp = qp;
  core->psn = RandomPsn();
  core->port = kPort;
  core->pd = pd;
  core->recvCq = recvCq;
  core->sendCq = sendCq;
  PruneExpired(pd->qps);
  pd->qps.push_back(core);
  PruneExpired(recvCq->qps);
  recvCq->qps.push_back(core);
  if (sendCq != recvCq) {
    PruneExpired(sendCq->qps);
    sendCq->qps.push_back(core);
  }
  return NewHandle(env, new QpBox{core});
}

Napi::Value QpLocalAddress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& core = UnwrapHandle<QpBox>(info[0])->core;
  if (core->Usable() == nullptr) return Napi::Number::New(env, kGone);
  ibv_gid gid;
  int err = ibv_query_gid(core->qp->context, core->port, kGidIndex, &gid);
  if (err != 0) return Napi::Number::New(env, err > 0 ? err : errno);
  auto address = Napi::Object::New(env);
  address.Set("gid", Napi::Buffer<uint8_t>::Copy(env, gid.raw, 16));
  address.Set("qpn", core->qp->qp_num);
  address.Set("psn", core->psn);
  address.Set("port", core->port);
  return address;
}

Napi::Value QpConnect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& core = UnwrapHandle<QpBox>(info[0])->core;
  if (!info[1].IsBuffer() || info[1].As<Napi::Buffer<uint8_t>>().Length() != 16 ||
      !info[2].IsNumber() || !info[3].IsNumber() || !info[4].IsNumber()) {
    return Napi::Number::New(env, kBadArgument);
  }
  if (core->Usable() == nullptr) return Napi::Number::New(env, kGone);
  if (core->qp->state != IBV_QPS_RESET) return Napi::Number::New(env, kWrongState);
  const uint8_t* gid = info[1].As<Napi::Buffer<uint8_t>>().Data();
  uint32_t qpn = info[2].As<Napi::Number>().Uint32Value();
  uint32_t psn = info[3].As<Napi::Number>().Uint32Value();
  auto port = static_cast<uint8_t>(info[4].As<Napi::Number>().Uint32Value());
  int err = ModifyToInit(core->qp);
  if (err == 0) err = ModifyToRtr(core->qp, gid, qpn, psn, port);
  if (err == 0) err = ModifyToRts(core->qp, core->psn);
  // Half-connected is no use to anyone: back to RESET so a corrected connect may be tried again.
  if (err != 0) {
    ibv_qp_attr reset = {};
    reset.qp_state = IBV_QPS_RESET;
    ibv_modify_qp(core->qp, &reset, IBV_QP_STATE);
  }
  return Napi::Number::New(env, err);
}

Napi::Value QpToError(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& core = UnwrapHandle<QpBox>(info[0])->core;
  if (core->Usable() == nullptr) return Napi::Number::New(env, kGone);
  return Napi::Number::New(env, core->ToError());
}

Napi::Value DestroyQp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& core = UnwrapHandle<QpBox>(info[0])->core;
  if (!info[1].IsFunction()) {
    throw Napi::TypeError::New(env, "destroying a queue pair needs a completion function");
  }
  if (core->qp == nullptr) return Napi::Number::New(env, kGone);
  if (core->destroying) return Napi::Number::New(env, kBusy);
  auto work = std::make_unique<QpDestroyWork>(info[1].As<Napi::Function>(), core);
  core->BeginDeferredDestroy();
  try {
    work->Queue();
    work.release();  // once queued, the work deletes itself
  } catch (...) {
    core->AbandonDeferredDestroy();
    throw;
  }
  return Napi::Number::New(env, kPending);
}

}  // namespace ndkv
