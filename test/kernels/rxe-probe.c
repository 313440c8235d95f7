// The rxe behaviours that differ between kernels, measured with plain libibverbs (no ndk-verbs in
// between, so each errno and wait is the kernel's own). Runs in the SoftRoCE VM as root with rxe0 on
// veth0 and rxe1 on veth1; prints one "fact<TAB>value" line per behaviour. It deletes rxe1 at the
// end (the removal fact), so it must be the last thing a VM boot runs.
// Build: gcc -O2 -o rxe-probe rxe-probe.c -libverbs
#include <errno.h>
#include <stdarg.h>
#include <infiniband/verbs.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void fact(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fact(const char *name, const char *fmt, ...) {
  va_list ap;
  printf("%s\t", name);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

// errno as its name (EINVAL), or "ok" for success.
static const char *errname(int e) {
  switch (e) {
    case 0: return "ok";
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case ENOMEM: return "ENOMEM";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ENOENT: return "ENOENT";
    case EIO: return "EIO";
    default: {
      static char buf[32];
      snprintf(buf, sizeof buf, "errno %d", e);
      return buf;
    }
  }
}

static void die(const char *what) {
  fprintf(stderr, "rxe-probe: %s failed: %s\n", what, strerror(errno));
  exit(2);
}

struct side {
  struct ibv_context *ctx;
  struct ibv_pd *pd;
  struct ibv_cq *cq;
  struct ibv_qp *qp;
};

static struct ibv_context *open_device(const char *name) {
  int n = 0;
  struct ibv_device **list = ibv_get_device_list(&n);
  if (!list) die("ibv_get_device_list");
  struct ibv_context *ctx = NULL;
  for (int i = 0; i < n; i++)
    if (strcmp(ibv_get_device_name(list[i]), name) == 0) ctx = ibv_open_device(list[i]);
  ibv_free_device_list(list);
  if (!ctx) die(name);
  return ctx;
}

static void open_side(struct side *s, const char *name) {
  s->ctx = open_device(name);
  if (!(s->pd = ibv_alloc_pd(s->ctx))) die("ibv_alloc_pd");
  if (!(s->cq = ibv_create_cq(s->ctx, 64, NULL, NULL, 0))) die("ibv_create_cq");
  s->qp = NULL;
}

static struct ibv_qp *make_qp(struct side *s) {
  struct ibv_qp_init_attr a = {.send_cq = s->cq, .recv_cq = s->cq, .qp_type = IBV_QPT_RC,
                               .cap = {.max_send_wr = 16, .max_recv_wr = 16, .max_send_sge = 1,
                                       .max_recv_sge = 1}};
  struct ibv_qp *qp = ibv_create_qp(s->pd, &a);
  if (!qp) die("ibv_create_qp");
  return qp;
}

// The transport retry settings of the next connect_qp (RTS attributes).
struct retry {
  uint8_t timeout, retry_cnt, rnr_retry;
};
static const struct retry default_retry = {.timeout = 14, .retry_cnt = 6, .rnr_retry = 6};

// INIT -> RTR -> RTS towards `peer`, over GID index 0 (the veth's IPv6 link-local address).
static void connect_qp(struct ibv_qp *qp, struct ibv_context *peer_ctx, struct ibv_qp *peer,
                       struct retry r) {
  union ibv_gid gid;
  if (ibv_query_gid(peer_ctx, 1, 0, &gid)) die("ibv_query_gid");
  struct ibv_qp_attr a = {.qp_state = IBV_QPS_INIT, .port_num = 1,
                          .qp_access_flags = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ};
  if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
    die("INIT");
  memset(&a, 0, sizeof a);
  a.qp_state = IBV_QPS_RTR;
  a.path_mtu = IBV_MTU_1024;
  a.dest_qp_num = peer->qp_num;
  a.max_dest_rd_atomic = 1;
  a.min_rnr_timer = 12;
  a.ah_attr.is_global = 1;
  a.ah_attr.grh.dgid = gid;
  a.ah_attr.grh.hop_limit = 1;
  a.ah_attr.port_num = 1;
  if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
                               IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER))
    die("RTR");
  memset(&a, 0, sizeof a);
  a.qp_state = IBV_QPS_RTS;
  a.timeout = r.timeout;
  a.retry_cnt = r.retry_cnt;
  a.rnr_retry = r.rnr_retry;
  a.max_rd_atomic = 1;
  if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
                               IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC))
    die("RTS");
}

static void connect_pair_with(struct side *a, struct side *b, struct retry r) {
  a->qp = make_qp(a);
  b->qp = make_qp(b);
  connect_qp(a->qp, b->ctx, b->qp, r);
  connect_qp(b->qp, a->ctx, a->qp, r);
}

static void connect_pair(struct side *a, struct side *b) { connect_pair_with(a, b, default_retry); }

// Waits up to 5 s for one completion; returns its status, or -1 when none came.
static int wait_wc(struct ibv_cq *cq) {
  struct ibv_wc wc;
  double until = now_ms() + 5000;
  while (now_ms() < until) {
    int n = ibv_poll_cq(cq, 1, &wc);
    if (n > 0) return wc.status;
    usleep(100);
  }
  return -1;
}

// An RDMA WRITE of `len` bytes from `src` (on the requester) to rkey/addr; returns the wc status.
static int rdma_write(struct side *req, struct ibv_mr *src, uint64_t addr, uint32_t rkey) {
  struct ibv_sge sge = {.addr = (uintptr_t)src->addr, .length = 64, .lkey = src->lkey};
  struct ibv_send_wr wr = {.wr_id = 1, .sg_list = &sge, .num_sge = 1, .opcode = IBV_WR_RDMA_WRITE,
                           .send_flags = IBV_SEND_SIGNALED}, *bad;
  wr.wr.rdma.remote_addr = addr;
  wr.wr.rdma.rkey = rkey;
  if (ibv_post_send(req->qp, &wr, &bad)) return -2;
  return wait_wc(req->cq);
}

static void *pages(size_t len) {
  void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) die("mmap");
  memset(p, 1, len);
  return p;
}

static void registration_errnos(struct side *s) {
  errno = 0;
  struct ibv_mr *mr = ibv_reg_mr(s->pd, NULL, 0, 0);
  fact("reg_mr(NULL, 0)", "%s", mr ? "ok" : errname(errno));
  void *gone = pages(4096);
  munmap(gone, 4096);
  errno = 0;
  mr = ibv_reg_mr(s->pd, gone, 4096, 0);
  fact("reg_mr(unmapped address)", "%s", mr ? "ok" : errname(errno));
  void *p = pages(4096);
  errno = 0;
  mr = ibv_reg_mr(s->pd, p, 4096, IBV_ACCESS_REMOTE_WRITE);
  fact("reg_mr(REMOTE_WRITE without LOCAL_WRITE)", "%s", mr ? "ok" : errname(errno));
  if (mr) ibv_dereg_mr(mr);
  mr = ibv_reg_mr(s->pd, p, 4096, IBV_ACCESS_LOCAL_WRITE);
  struct ibv_pd *pd = ibv_alloc_pd(s->ctx);
  struct ibv_mr *held = ibv_reg_mr(pd, p, 4096, IBV_ACCESS_LOCAL_WRITE);
  fact("dealloc_pd(with a live MR)", "%s", errname(ibv_dealloc_pd(pd)));
  ibv_dereg_mr(held);
  fact("dealloc_pd(after its MR is gone)", "%s", errname(ibv_dealloc_pd(pd)));
  ibv_dereg_mr(mr);
  munmap(p, 4096);
}

// A child lowers RLIMIT_MEMLOCK to 64 KiB, drops to uid 65534 and registers 1 MiB.
static void memlock_errno(const char *device) {
  pid_t pid = fork();
  if (pid == 0) {
    struct rlimit r = {65536, 65536};
    if (setrlimit(RLIMIT_MEMLOCK, &r) || setgid(65534) || setuid(65534)) _exit(100);
    struct ibv_context *ctx = open_device(device);
    struct ibv_pd *pd = ibv_alloc_pd(ctx);
    if (!pd) _exit(101);
    errno = 0;
    struct ibv_mr *mr = ibv_reg_mr(pd, pages(1 << 20), 1 << 20, IBV_ACCESS_LOCAL_WRITE);
    _exit(mr ? 0 : errno);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  fact("reg_mr(1 MiB over a 64 KiB RLIMIT_MEMLOCK, uid 65534)", "%s",
       code >= 100 || code < 0 ? "probe failed" : errname(code));
}

static void revocation_and_waits(struct side *a, struct side *b) {
  // a (rxe0) owns the target memory; b (rxe1) writes into it.
  void *mem = pages(65536), *src = pages(4096);
  struct ibv_mr *smr = ibv_reg_mr(b->pd, src, 4096, IBV_ACCESS_LOCAL_WRITE);
  int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_MW_BIND;
  struct ibv_mr *mr = ibv_reg_mr(a->pd, mem, 65536, access);
  connect_pair(a, b);
  fact("WRITE with a live rkey", "wc %d", rdma_write(b, smr, (uintptr_t)mem, mr->rkey));
  uint32_t rkey = mr->rkey;
  double t = now_ms();
  int rc = ibv_dereg_mr(mr);
  fact("dereg_mr(right after a remote WRITE, QPs alive)", "%s in %.0f ms", errname(rc),
       now_ms() - t);
  fact("WRITE with the old rkey after dereg", "wc %d", rdma_write(b, smr, (uintptr_t)mem, rkey));
  ibv_destroy_qp(a->qp);
  ibv_destroy_qp(b->qp);

  // A bound type-2 window: deregistering its MR, then destroying its QP.
  mr = ibv_reg_mr(a->pd, mem, 65536, access);
  connect_pair(a, b);
  struct ibv_mw *mw = ibv_alloc_mw(a->pd, IBV_MW_TYPE_2);
  if (!mw) die("ibv_alloc_mw");
  struct ibv_send_wr wr = {.wr_id = 2, .opcode = IBV_WR_BIND_MW, .send_flags = IBV_SEND_SIGNALED},
                     *bad;
  wr.bind_mw.mw = mw;
  wr.bind_mw.rkey = ibv_inc_rkey(mw->rkey);
  wr.bind_mw.bind_info.mr = mr;
  wr.bind_mw.bind_info.addr = (uintptr_t)mem;
  wr.bind_mw.bind_info.length = 4096;
  wr.bind_mw.bind_info.mw_access_flags = IBV_ACCESS_REMOTE_WRITE;
  int posted = ibv_post_send(a->qp, &wr, &bad);
  fact("bind type-2 MW", "%s, wc %d", errname(posted), posted ? -2 : wait_wc(a->cq));
  fact("dereg_mr(with a bound type-2 MW)", "%s", errname(ibv_dereg_mr(mr)));
  t = now_ms();
  rc = ibv_destroy_qp(a->qp);
  fact("destroy_qp(with a bound type-2 MW)", "%s in %.0f ms", errname(rc), now_ms() - t);
  ibv_destroy_qp(b->qp);
  fact("dealloc_mw(after its QP is gone)", "%s", errname(ibv_dealloc_mw(mw)));
  t = now_ms();
  rc = ibv_dereg_mr(mr);
  fact("dereg_mr(its window deallocated)", "%s in %.0f ms", errname(rc), now_ms() - t);
  ibv_dereg_mr(smr);
}

// A SEND from b to a, which has no receive posted, with rnr_retry 7 ("retry for ever") and
// retry_cnt 1 at timeout 14 (2 ACK timeouts: about 134 ms). Where rxe's ACK timer also runs while
// the SEND waits out RNR NAKs, the SEND fails with IBV_WC_RETRY_EXC_ERR (12) after those timeouts;
// where it does not, the SEND waits until a receive is posted.
static void rnr_wait(struct side *a, struct side *b) {
  void *dst = pages(4096), *src = pages(4096);
  struct ibv_mr *dmr = ibv_reg_mr(a->pd, dst, 4096, IBV_ACCESS_LOCAL_WRITE);
  struct ibv_mr *smr = ibv_reg_mr(b->pd, src, 4096, IBV_ACCESS_LOCAL_WRITE);
  connect_pair_with(a, b, (struct retry){.timeout = 14, .retry_cnt = 1, .rnr_retry = 7});
  struct ibv_sge sge = {.addr = (uintptr_t)src, .length = 64, .lkey = smr->lkey};
  struct ibv_send_wr wr = {.wr_id = 3, .sg_list = &sge, .num_sge = 1, .opcode = IBV_WR_SEND,
                           .send_flags = IBV_SEND_SIGNALED}, *bad;
  double t = now_ms();
  if (ibv_post_send(b->qp, &wr, &bad)) die("ibv_post_send");
  int wc = wait_wc(b->cq);
  const char *name = "SEND, no receive, rnr_retry 7, retry_cnt 1, timeout 14";
  if (wc >= 0) {
    fact(name, "wc %d after %.0f ms", wc, now_ms() - t);
  } else {
    struct ibv_sge rsge = {.addr = (uintptr_t)dst, .length = 64, .lkey = dmr->lkey};
    struct ibv_recv_wr rwr = {.wr_id = 4, .sg_list = &rsge, .num_sge = 1}, *rbad;
    if (ibv_post_recv(a->qp, &rwr, &rbad)) die("ibv_post_recv");
    t = now_ms();
    wc = wait_wc(b->cq);
    fact(name, "still waiting after 5 s; wc %d %.0f ms after a receive was posted", wc,
         now_ms() - t);
    wait_wc(a->cq);  // the receive's own completion, so no later wait_wc on a->cq finds it
  }
  ibv_destroy_qp(a->qp);
  ibv_destroy_qp(b->qp);
  ibv_dereg_mr(dmr);
  ibv_dereg_mr(smr);
}

// The first async event within 5 s, by name, or "none".
static const char *next_event(struct ibv_context *ctx) {
  struct pollfd p = {.fd = ctx->async_fd, .events = POLLIN};
  if (poll(&p, 1, 5000) <= 0) return "none";
  struct ibv_async_event ev;
  if (ibv_get_async_event(ctx, &ev)) return "read failed";
  const char *name = ibv_event_type_str(ev.event_type);
  ibv_ack_async_event(&ev);
  return name;
}

static void port_events(struct side *a) {
  if (system("ip link set veth0 down")) die("ip link down");
  fact("veth0 down -> event on rxe0", "%s", next_event(a->ctx));
  if (system("ip link set veth0 up")) die("ip link up");
  fact("veth0 up -> event on rxe0", "%s", next_event(a->ctx));
}

// fork() of a process with 256 MiB registered against one with nothing registered.
static double fork_ms(void) {
  double t = now_ms();
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, NULL, 0);
  return now_ms() - t;
}

static void fork_cost(struct side *a) {
  static const char *modes[] = {"disabled", "enabled", "unneeded"};
  enum ibv_fork_status st = ibv_is_fork_initialized();
  fact("ibv_is_fork_initialized()", "%s", st <= IBV_FORK_UNNEEDED ? modes[st] : "?");
  double bare = fork_ms();
  size_t len = 256u << 20;
  void *mem = pages(len);
  struct ibv_mr *mr = ibv_reg_mr(a->pd, mem, len, IBV_ACCESS_LOCAL_WRITE);
  double pinned = fork_ms();
  fact("fork() with 256 MiB registered vs none", "%.0f ms vs %.0f ms", pinned, bare);
  madvise(mem, len, MADV_DONTFORK);
  fact("fork() with 256 MiB registered, MADV_DONTFORK", "%.0f ms", fork_ms());
  ibv_dereg_mr(mr);
  munmap(mem, len);
}

// `rdma link delete rxe1` while this process holds rxe1 open: does it return, and when.
static void removal(struct side *b) {
  double t = now_ms();
  pid_t pid = fork();
  if (pid == 0) {
    execlp("rdma", "rdma", "link", "delete", "rxe1", (char *)NULL);
    _exit(127);
  }
  int st = 0, done = 0;
  while (now_ms() - t < 10000 && !(done = waitpid(pid, &st, WNOHANG))) usleep(10000);
  fact("rdma link delete rxe1 (held open)", "%s",
       done ? "returned within 10 s" : "still blocked after 10 s");
  fact("/dev/infiniband/uverbs1 while the delete waits", "%s",
       access("/dev/infiniband/uverbs1", F_OK) == 0 ? "present" : "gone");
  ibv_destroy_cq(b->cq);
  ibv_dealloc_pd(b->pd);
  ibv_close_device(b->ctx);
  t = now_ms();
  if (!done) waitpid(pid, &st, 0);
  fact("rdma link delete rxe1 after the close", "%s in %.0f ms",
       WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "done" : "failed", now_ms() - t);
}

int main(void) {
  struct side a, b;
  open_side(&a, "rxe0");
  open_side(&b, "rxe1");
  registration_errnos(&a);
  memlock_errno("rxe0");
  revocation_and_waits(&a, &b);
  rnr_wait(&a, &b);
  port_events(&a);
  fork_cost(&a);
  removal(&b);
  return 0;
}
