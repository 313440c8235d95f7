/*
 * The plain-C baseline of `npm run bench`: ibv_reg_mr / ibv_dereg_mr with nothing in between.
 * Prints one JSON object on stdout; errors go to stderr with exit status 1.
 *
 *   reg_dereg_loop perop <device> <bytes> <iterations> <warmup>
 *     One mmap'd block, registered and deregistered <iterations> times (after <warmup> untimed
 *     pairs): {"mode":"perop","bytes":N,"regNs":[...],"deregNs":[...]} (per-op nanoseconds).
 *   reg_dereg_loop sequential <device> <bytes> <count>
 *     <count> blocks of <bytes>, all registered, then deregistered one by one:
 *     {"mode":"sequential","bytes":N,"count":N,"registerNs":T,"deregisterNs":T}.
 *   reg_dereg_loop hop <device> <bytes> <iterations> <warmup>
 *     As perop, but each call runs on a second thread while the first waits for it in poll() on
 *     an eventfd — the thread hand-off any deferred completion pays, with nothing else around it:
 *     {"mode":"hop","bytes":N,"pairNs":[...]}.
 *   reg_dereg_loop memory <device> <count>
 *     <count> 4 KiB slices of one touched block registered, RSS read around it:
 *     {"mode":"memory","count":N,"rssBytesPerRegion":B}. Then all deregistered.
 *   reg_dereg_loop parallel <device> <bytes> <count> <threads>
 *     As sequential, but <threads> threads deregister the blocks, taking the next one each:
 *     {"mode":"parallel","bytes":N,"count":N,"threads":N,"deregisterNs":T}.
 *
 * Access is IBV_ACCESS_LOCAL_WRITE, what ndk-verbs' default NDK_MR_FLAG_ALLOW_LOCAL_WRITE maps to.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <infiniband/verbs.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "reg_dereg_loop: %s: %s\n", what, strerror(errno));
  exit(1);
}

static struct ibv_pd *open_pd(const char *name) {
  int n = 0;
  struct ibv_device **list = ibv_get_device_list(&n);
  if (list == NULL) die("ibv_get_device_list");
  for (int i = 0; i < n; i++) {
    if (strcmp(ibv_get_device_name(list[i]), name) != 0) continue;
    struct ibv_context *ctx = ibv_open_device(list[i]);
    if (ctx == NULL) die("ibv_open_device");
    struct ibv_pd *pd = ibv_alloc_pd(ctx);
    if (pd == NULL) die("ibv_alloc_pd");
    ibv_free_device_list(list);
    return pd;
  }
  fprintf(stderr, "reg_dereg_loop: no device %s\n", name);
  exit(1);
}

/* A touched anonymous mapping, like ndk-verbs' allocate() after its first use. */
static void *block(size_t bytes) {
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) die("mmap");
  memset(p, 1, bytes);
  return p;
}

/*
 * <count> blocks laid out as the Node side lays out its allocate() blocks: all mapped first, then
 * all touched. Adjacent anonymous mappings merge into one area, so touching them afterwards gets
 * transparent huge pages where 2 MiB-aligned ranges allow; touching each block right after mapping
 * it would fault 4 KiB pages instead, and pinning and unpinning those costs several times more.
 */
static void blocks_like_node(void **blocks, long count, size_t bytes) {
  for (long i = 0; i < count; i++) {
    blocks[i] = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (blocks[i] == MAP_FAILED) die("mmap");
  }
  for (long i = 0; i < count; i++) memset(blocks[i], 1, bytes);
}

static struct ibv_mr *reg(struct ibv_pd *pd, void *addr, size_t bytes) {
  struct ibv_mr *mr = ibv_reg_mr(pd, addr, bytes, IBV_ACCESS_LOCAL_WRITE);
  if (mr == NULL) die("ibv_reg_mr");
  return mr;
}

static void dereg(struct ibv_mr *mr) {
  int err = ibv_dereg_mr(mr);
  if (err != 0) {
    errno = err;
    die("ibv_dereg_mr");
  }
}

static void print_array(const char *key, const uint64_t *v, long n) {
  printf("\"%s\":[", key);
  for (long i = 0; i < n; i++) printf(i ? ",%llu" : "%llu", (unsigned long long)v[i]);
  printf("]");
}

static int per_op(struct ibv_pd *pd, size_t bytes, long iterations, long warmup) {
  void *addr = block(bytes);
  uint64_t *reg_ns = calloc((size_t)iterations, sizeof *reg_ns);
  uint64_t *dereg_ns = calloc((size_t)iterations, sizeof *dereg_ns);
  if (reg_ns == NULL || dereg_ns == NULL) die("calloc");
  for (long i = 0; i < warmup; i++) dereg(reg(pd, addr, bytes));
  for (long i = 0; i < iterations; i++) {
    uint64_t t0 = now_ns();
    struct ibv_mr *mr = reg(pd, addr, bytes);
    uint64_t t1 = now_ns();
    dereg(mr);
    uint64_t t2 = now_ns();
    reg_ns[i] = t1 - t0;
    dereg_ns[i] = t2 - t1;
  }
  printf("{\"mode\":\"perop\",\"bytes\":%zu,", bytes);
  print_array("regNs", reg_ns, iterations);
  printf(",");
  print_array("deregNs", dereg_ns, iterations);
  printf("}\n");
  return 0;
}

static int sequential(struct ibv_pd *pd, size_t bytes, long count) {
  struct ibv_mr **mrs = calloc((size_t)count, sizeof *mrs);
  void **blocks = calloc((size_t)count, sizeof *blocks);
  if (mrs == NULL || blocks == NULL) die("calloc");
  blocks_like_node(blocks, count, bytes);
  uint64_t t0 = now_ns();
  for (long i = 0; i < count; i++) mrs[i] = reg(pd, blocks[i], bytes);
  uint64_t t1 = now_ns();
  for (long i = 0; i < count; i++) dereg(mrs[i]);
  uint64_t t2 = now_ns();
  printf(
      "{\"mode\":\"sequential\",\"bytes\":%zu,\"count\":%ld,\"registerNs\":%llu,"
      "\"deregisterNs\":%llu}\n",
      bytes, count, (unsigned long long)(t1 - t0), (unsigned long long)(t2 - t1));
  return 0;
}

/* ---- hop: one request at a time, run by a second thread ---- */

struct hop_worker {
  struct ibv_pd *pd;
  void *addr;
  size_t bytes;
  struct ibv_mr *mr; /* registered by a "register" job, consumed by a "deregister" job */
  int job_fd;        /* main -> worker: 1 = register, 2 = deregister, 3 = stop */
  int done_fd;       /* worker -> main */
};

static void fd_write(int fd, uint64_t value) {
  if (write(fd, &value, sizeof value) != sizeof value) die("eventfd write");
}

static uint64_t fd_read(int fd) {
  uint64_t value;
  if (read(fd, &value, sizeof value) != sizeof value) die("eventfd read");
  return value;
}

static void *hop_thread(void *arg) {
  struct hop_worker *w = arg;
  for (;;) {
    uint64_t job = fd_read(w->job_fd);
    if (job == 3) return NULL;
    if (job == 1) w->mr = reg(w->pd, w->addr, w->bytes);
    if (job == 2) dereg(w->mr);
    fd_write(w->done_fd, 1);
  }
}

/* Hands one job to the worker and sleeps until it is done, as an event loop does. */
static void hop_request(struct hop_worker *w, uint64_t job) {
  fd_write(w->job_fd, job);
  struct pollfd pfd = {w->done_fd, POLLIN, 0};
  while (poll(&pfd, 1, -1) < 0) {
    if (errno != EINTR) die("poll");
  }
  fd_read(w->done_fd);
}

static int hop(struct ibv_pd *pd, size_t bytes, long iterations, long warmup) {
  struct hop_worker w = {pd, block(bytes), bytes, NULL, eventfd(0, 0), eventfd(0, 0)};
  if (w.job_fd < 0 || w.done_fd < 0) die("eventfd");
  pthread_t thread;
  if (pthread_create(&thread, NULL, hop_thread, &w) != 0) die("pthread_create");
  uint64_t *pair_ns = calloc((size_t)iterations, sizeof *pair_ns);
  if (pair_ns == NULL) die("calloc");
  for (long i = 0; i < warmup + iterations; i++) {
    uint64_t t0 = now_ns();
    hop_request(&w, 1);
    hop_request(&w, 2);
    if (i >= warmup) pair_ns[i - warmup] = now_ns() - t0;
  }
  fd_write(w.job_fd, 3);
  pthread_join(thread, NULL);
  printf("{\"mode\":\"hop\",\"bytes\":%zu,", bytes);
  print_array("pairNs", pair_ns, iterations);
  printf("}\n");
  return 0;
}

/* ---- parallel: deregistration by several threads ---- */

struct parallel_work {
  struct ibv_mr **mrs;
  long count;
  atomic_long next;
};

static void *parallel_thread(void *arg) {
  struct parallel_work *work = arg;
  for (long i; (i = atomic_fetch_add(&work->next, 1)) < work->count;) dereg(work->mrs[i]);
  return NULL;
}

static int parallel(struct ibv_pd *pd, size_t bytes, long count, long threads) {
  if (threads < 1 || threads > 64) {
    fprintf(stderr, "reg_dereg_loop: threads must be 1..64\n");
    return 2;
  }
  struct ibv_mr **mrs = malloc((size_t)count * sizeof *mrs);
  if (mrs == NULL) die("malloc");
  memset(mrs, 0xff, (size_t)count * sizeof *mrs); /* resident before the first reading */
  void **blocks = calloc((size_t)count, sizeof *blocks);
  if (blocks == NULL) die("calloc");
  blocks_like_node(blocks, count, bytes);
  for (long i = 0; i < count; i++) mrs[i] = reg(pd, blocks[i], bytes);
  struct parallel_work work = {mrs, count, 0};
  pthread_t ids[64];
  uint64_t t0 = now_ns();
  for (long t = 0; t < threads; t++) {
    if (pthread_create(&ids[t], NULL, parallel_thread, &work) != 0) die("pthread_create");
  }
  for (long t = 0; t < threads; t++) pthread_join(ids[t], NULL);
  uint64_t t1 = now_ns();
  printf(
      "{\"mode\":\"parallel\",\"bytes\":%zu,\"count\":%ld,\"threads\":%ld,"
      "\"deregisterNs\":%llu}\n",
      bytes, count, threads, (unsigned long long)(t1 - t0));
  return 0;
}

/*
 * Holds up to <count> registrations of one page (stopping at the first refusal), prints how many
 * and the refusal's errno, then keeps them until stdin closes: another process can then meet the
 * device's max_mr after a few registrations of its own. Exiting releases them all at once.
 */
static int hold(struct ibv_pd *pd, long count) {
  void *page = block(4096);
  long held = 0;
  int err = 0;
  for (; held < count; held++) {
    if (ibv_reg_mr(pd, page, 4096, IBV_ACCESS_LOCAL_WRITE) == NULL) {
      err = errno;
      break;
    }
  }
  printf("{\"held\":%ld,\"errno\":%d}\n", held, err);
  fflush(stdout);
  char buf[64];
  while (read(STDIN_FILENO, buf, sizeof buf) > 0) {
  }
  return 0;
}

/* Resident bytes of this process (/proc/self/statm), or 0 when it cannot be read. */
static long resident_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long size = 0, resident = 0;
  if (f == NULL) return 0;
  if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
  fclose(f);
  return resident * sysconf(_SC_PAGESIZE);
}

/*
 * What libibverbs and malloc keep in user space per registration, as the scale test lays regions
 * out: <count> 4 KiB slices of one block mapped and touched first, then each slice registered.
 * RSS is read before the first and after the last registration; the bytes between, per region,
 * are the C baseline of ndk-verbs' memory per region (its own part is what it adds on top).
 */
static int memory(struct ibv_pd *pd, long count) {
  struct ibv_mr **mrs = malloc((size_t)count * sizeof *mrs);
  if (mrs == NULL) die("malloc");
  memset(mrs, 0xff, (size_t)count * sizeof *mrs); /* resident before the first reading */
  char *base = block((size_t)count * 4096);
  long before = resident_bytes();
  for (long i = 0; i < count; i++) mrs[i] = reg(pd, base + i * 4096, 4096);
  long after = resident_bytes();
  for (long i = 0; i < count; i++) dereg(mrs[i]);
  printf("{\"mode\":\"memory\",\"count\":%ld,\"rssBytesPerRegion\":%.1f}\n", count,
         (double)(after - before) / (double)count);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 6 && strcmp(argv[1], "perop") == 0) {
    return per_op(open_pd(argv[2]), strtoull(argv[3], NULL, 10), atol(argv[4]), atol(argv[5]));
  }
  if (argc == 5 && strcmp(argv[1], "sequential") == 0) {
    return sequential(open_pd(argv[2]), strtoull(argv[3], NULL, 10), atol(argv[4]));
  }
  if (argc == 6 && strcmp(argv[1], "hop") == 0) {
    return hop(open_pd(argv[2]), strtoull(argv[3], NULL, 10), atol(argv[4]), atol(argv[5]));
  }
  if (argc == 6 && strcmp(argv[1], "parallel") == 0) {
    return parallel(open_pd(argv[2]), strtoull(argv[3], NULL, 10), atol(argv[4]), atol(argv[5]));
  }
  if (argc == 4 && strcmp(argv[1], "memory") == 0) {
    return memory(open_pd(argv[2]), atol(argv[3]));
  }
  if (argc == 4 && strcmp(argv[1], "hold") == 0) {
    return hold(open_pd(argv[2]), atol(argv[3]));
  }
  fprintf(stderr,
          "usage: reg_dereg_loop perop <device> <bytes> <iterations> <warmup>\n"
          "       reg_dereg_loop sequential <device> <bytes> <count>\n"
          "       reg_dereg_loop hop <device> <bytes> <iterations> <warmup>\n"
          "       reg_dereg_loop parallel <device> <bytes> <count> <threads>\n"
          "       reg_dereg_loop hold <device> <count>\n"
          "       reg_dereg_loop memory <device> <count>\n");
  return 2;
}
