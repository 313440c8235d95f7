// Posting work requests on a queue pair: sends, RDMA reads and writes, receives, and the binding
// and invalidation of memory windows. The local side of every request is checked here against the
// region's live registration (same protection domain, range inside it), under the region's lock so
// a deregistration cannot slip between the check and the post.
#include <cerrno>
#include <mutex>

#include "addon_data.h"
#include "memory_region.h"
#include "memory_window.h"
#include "queue_pair.h"
#include "util/export_function.h"
#include "util/result_codes.h"

namespace ndkv {

namespace {

// Operations of qpPostSend; mirrored by WorkOp in lib/native.ts.
enum class WorkOp : int { kWrite = 0, kRead = 1, kSend = 2 };

struct LocalSlice {
  std::shared_ptr<MrCore> mr;
  uint64_t offset = 0;
  uint32_t length = 0;
};

bool ReadUint(const Napi::Value& value, double limit, uint64_t* out) {
  if (!value.IsNumber()) return false;
  double d = value.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > limit || d != static_cast<double>(static_cast<uint64_t>(d))) return false;
  *out = static_cast<uint64_t>(d);
  return true;
}

// Reads (wrId, mr, offset, length) from info[first...]; kDone or a NativeResult.
int ReadLocal(const Napi::CallbackInfo& info, size_t first, uint64_t* wrId, LocalSlice* slice) {
  uint64_t length = 0;
  if (!ReadUint(info[first], 9007199254740991.0, wrId)) return kBadArgument;
  slice->mr = AddonData::Of(info.Env())->mrs.Find(info[first + 1]);
  if (!ReadUint(info[first + 2], 9007199254740991.0, &slice->offset)) return kBadArgument;
  if (!ReadUint(info[first + 3], 2147483648.0, &length)) return kBadArgument;  // verbs max 2^31
  slice->length = static_cast<uint32_t>(length);
  return kDone;
}

// With the region's lock held: whether the slice lies inside the live registration of a region
// of `pd`; fills the scatter/gather entry.
int CheckSlice(const LocalSlice& slice, const PdCore* pd, ibv_sge* sge) {
  MrCore& mr = *slice.mr;
  if (mr.state == MrState::kDestroyed) return kGone;
  if (mr.state != MrState::kRegistered || mr.mr == nullptr) return kWrongState;
  if (mr.pd.get() != pd) return kBadArgument;
  if (slice.offset > mr.mr->length || slice.length > mr.mr->length - slice.offset) {
    return kBadArgument;
  }
  sge->addr = reinterpret_cast<uint64_t>(mr.mr->addr) + slice.offset;
  sge->length = slice.length;
  sge->lkey = mr.mr->lkey;
  return kDone;
}

// Posts `wr` with its one scatter/gather entry, `slice`, through `post` (ibv_post_send or
// ibv_post_recv). The region's lock is held from the check to the post, so its registration cannot
// end in between.
template <typename WorkRequest, typename Post>
Napi::Value PostWithSlice(Napi::Env env, QpCore& qp, const LocalSlice& slice, WorkRequest& wr,
                          Post post) {
  ibv_sge sge = {};
  std::lock_guard<std::mutex> lock(slice.mr->Mutex());
  int check = CheckSlice(slice, qp.pd.get(), &sge);
  if (check != kDone) return Napi::Number::New(env, check);
  wr.sg_list = &sge;
  wr.num_sge = 1;
  WorkRequest* bad = nullptr;
  return Napi::Number::New(env, post(qp.qp, &wr, &bad));
}

// (qp, op, wrId, mr, offset, length, remoteAddress: bigint, remoteToken) → 0 | errno |
// NativeResult. One scatter/gather entry: `length` bytes at `offset` in the registered region
// `mr` (same protection domain as the QP). remoteAddress/remoteToken are ignored for kSend.
Napi::Value PostSend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& qp = UnwrapHandle<QpBox>(info[0])->core;
  if (!info[1].IsNumber()) return Napi::Number::New(env, kBadArgument);
  auto op = static_cast<WorkOp>(info[1].As<Napi::Number>().Int32Value());
  uint64_t wrId = 0;
  LocalSlice slice;
  int read = ReadLocal(info, 2, &wrId, &slice);
  if (read != kDone) return Napi::Number::New(env, read);
  uint64_t remoteAddress = 0;
  uint64_t remoteToken = 0;
  if (op != WorkOp::kSend) {
    bool lossless = false;
    if (!info[6].IsBigInt()) return Napi::Number::New(env, kBadArgument);
    remoteAddress = info[6].As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless || !ReadUint(info[7], 4294967295.0, &remoteToken)) {
      return Napi::Number::New(env, kBadArgument);
    }
  }
  ibv_send_wr wr = {};
  wr.wr_id = wrId;
  wr.send_flags = IBV_SEND_SIGNALED;
  switch (op) {
    case WorkOp::kWrite:
      wr.opcode = IBV_WR_RDMA_WRITE;
      break;
    case WorkOp::kRead:
      wr.opcode = IBV_WR_RDMA_READ;
      break;
    case WorkOp::kSend:
      wr.opcode = IBV_WR_SEND;
      break;
    default:
      return Napi::Number::New(env, kBadArgument);
  }
  wr.wr.rdma.remote_addr = remoteAddress;
  wr.wr.rdma.rkey = static_cast<uint32_t>(remoteToken);
  if (qp->Usable() == nullptr) return Napi::Number::New(env, kGone);
  return PostWithSlice(env, *qp, slice, wr, [](ibv_qp* q, ibv_send_wr* w, ibv_send_wr** b) {
    return ibv_post_send(q, w, b);
  });
}

// (qp, wrId, mr, offset, length) → 0 | errno | NativeResult
Napi::Value PostRecv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& qp = UnwrapHandle<QpBox>(info[0])->core;
  uint64_t wrId = 0;
  LocalSlice slice;
  int read = ReadLocal(info, 1, &wrId, &slice);
  if (read != kDone) return Napi::Number::New(env, read);
  if (qp->Usable() == nullptr) return Napi::Number::New(env, kGone);
  ibv_recv_wr wr = {};
  wr.wr_id = wrId;
  return PostWithSlice(env, *qp, slice, wr, [](ibv_qp* q, ibv_recv_wr* w, ibv_recv_wr** b) {
    return ibv_post_recv(q, w, b);
  });
}

// (qp, mw, wrId, mr, offset, length, mwAccess) → [0, newRkey] | errno | NativeResult
Napi::Value PostBindMw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& qp = UnwrapHandle<QpBox>(info[0])->core;
  auto& mw = UnwrapHandle<MwBox>(info[1])->core;
  uint64_t wrId = 0;
  LocalSlice slice;
  int read = ReadLocal(info, 2, &wrId, &slice);  // (wrId, mr, offset, length) as for a send
  if (read != kDone) return Napi::Number::New(env, read);
  uint64_t access = 0;
  if (!ReadUint(info[6], 255.0, &access)) return Napi::Number::New(env, kBadArgument);
  if (qp->Usable() == nullptr || mw->mw == nullptr) return Napi::Number::New(env, kGone);
  if (mw->pd != qp->pd) return Napi::Number::New(env, kBadArgument);

  std::lock_guard<std::mutex> lock(slice.mr->Mutex());
  ibv_sge sge = {};
  int check = CheckSlice(slice, qp->pd.get(), &sge);
  if (check != kDone) return Napi::Number::New(env, check);
  ibv_send_wr wr = {};
  wr.wr_id = wrId;
  wr.opcode = IBV_WR_BIND_MW;
  wr.send_flags = IBV_SEND_SIGNALED;
  wr.bind_mw.mw = mw->mw;
  // A type 2 bind names the window's next rkey itself: the key changes with every bind, so a token
  // handed out for an earlier binding never reaches this one.
  wr.bind_mw.rkey = ibv_inc_rkey(mw->mw->rkey);
  wr.bind_mw.bind_info.mr = slice.mr->mr;
  wr.bind_mw.bind_info.addr = sge.addr;
  wr.bind_mw.bind_info.length = sge.length;
  wr.bind_mw.bind_info.mw_access_flags = static_cast<unsigned int>(access);
  ibv_send_wr* bad = nullptr;
  int err = ibv_post_send(qp->qp, &wr, &bad);
  if (err != 0) return Napi::Number::New(env, err);
  mw->boundRkey = wr.bind_mw.rkey;
  mw->mw->rkey = wr.bind_mw.rkey;
  auto result = Napi::Array::New(env, 2);
  result.Set(0u, Napi::Number::New(env, kDone));
  result.Set(1u, Napi::Number::New(env, wr.bind_mw.rkey));
  return result;
}

// (qp, mw, wrId) → 0 | errno | NativeResult: IBV_WR_LOCAL_INV of the window's rkey
Napi::Value PostLocalInvalidate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& qp = UnwrapHandle<QpBox>(info[0])->core;
  auto& mw = UnwrapHandle<MwBox>(info[1])->core;
  uint64_t wrId = 0;
  if (!ReadUint(info[2], 9007199254740991.0, &wrId)) return Napi::Number::New(env, kBadArgument);
  if (qp->Usable() == nullptr || mw->mw == nullptr) return Napi::Number::New(env, kGone);
  // As for a bind: a queue pair invalidates only windows of its own protection domain.
  if (mw->pd != qp->pd) return Napi::Number::New(env, kBadArgument);
  ibv_send_wr wr = {};
  wr.wr_id = wrId;
  wr.opcode = IBV_WR_LOCAL_INV;
  wr.send_flags = IBV_SEND_SIGNALED;
  wr.invalidate_rkey = mw->mw->rkey;
  ibv_send_wr* bad = nullptr;
  return Napi::Number::New(env, ibv_post_send(qp->qp, &wr, &bad));
}

}  // namespace

void InitQueuePairPosting(Napi::Env env, Napi::Object exports) {
  ExportFunction<PostSend>(env, exports, "qpPostSend");
  ExportFunction<PostRecv>(env, exports, "qpPostRecv");
  ExportFunction<PostBindMw>(env, exports, "qpPostBindMw");
  ExportFunction<PostLocalInvalidate>(env, exports, "qpPostLocalInvalidate");
}

}  // namespace ndkv
