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
 *
 * Access is IBV_ACCESS_LOCAL_WRITE, what ndk-verbs' default NDK_MR_FLAG_ALLOW_LOCAL_WRITE maps to.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <infiniband/verbs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

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
  for (long i = 0; i < count; i++) blocks[i] = block(bytes);
  uint64_t t0 = now_ns();
  for (long i = 0; i < count; i++) mrs[i] = reg(pd, blocks[i], bytes);
  uint64_t t1 = now_ns();
  for (long i = 0; i < count; i++) dereg(mrs[i]);
  uint64_t t2 = now_ns();
  printf("{\"mode\":\"sequential\",\"bytes\":%zu,\"count\":%ld,\"registerNs\":%llu,"
         "\"deregisterNs\":%llu}\n",
         bytes, count, (unsigned long long)(t1 - t0), (unsigned long long)(t2 - t1));
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 6 && strcmp(argv[1], "perop") == 0) {
    return per_op(open_pd(argv[2]), strtoull(argv[3], NULL, 10), atol(argv[4]), atol(argv[5]));
  }
  if (argc == 5 && strcmp(argv[1], "sequential") == 0) {
    return sequential(open_pd(argv[2]), strtoull(argv[3], NULL, 10), atol(argv[4]));
  }
  fprintf(stderr,
          "usage: reg_dereg_loop perop <device> <bytes> <iterations> <warmup>\n"
          "       reg_dereg_loop sequential <device> <bytes> <count>\n");
  return 2;
}
