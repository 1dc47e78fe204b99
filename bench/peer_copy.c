/* zbuf-bench: the peer copy matrix. With two or more GPUs in the process, cudaMemcpyPeerAsync from every GPU
 * to every other (as NVIDIA's nvbandwidth does), timed with CUDA events on a stream of the source GPU; peer
 * access is enabled where cudaDeviceCanAccessPeer allows it, and the row's label says whether the copy went
 * peer to peer or was staged through the host by the driver. A fleet rank measures only the pairs from its
 * own GPU, so that the ranks of a node together give the whole matrix once. Rows:
 * P2P/cudaMemcpyPeerAsync/gpuS->gpuD/<size>, raw figures (no baseline). Not yet run on multi-GPU hardware. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"

int zbuf_bench_peer_pairs(int ndev, int from, int (*pairs)[2], int cap) {
  int n = 0;
  for (int s = 0; s < ndev; s++) {
    if (from >= 0 && s != from) continue;
    for (int d = 0; d < ndev; d++) {
      if (d == s) continue;
      if (n < cap) pairs[n][0] = s, pairs[n][1] = d;
      n++;
    }
  }
  return n;
}

#ifdef ZBUF_WITH_CUDA
#include <cuda_runtime_api.h>

/* The case's destination GPU travels in c->op; the source is c->gpu. */
static void body_peer(zbuf_bench_state *st, zbuf_bench_case *c) {
  int src = c->gpu, dst = c->op, access = 0;
  size_t n = c->size;
  void *a = NULL, *b = NULL;
  cudaStream_t s = NULL;
  cudaEvent_t e0 = NULL, e1 = NULL;
  cudaError_t e = cudaDeviceCanAccessPeer(&access, src, dst);
  if (e == cudaSuccess) e = cudaSetDevice(dst);
  if (e == cudaSuccess) e = cudaMalloc(&b, n);
  if (e == cudaSuccess) e = cudaSetDevice(src);
  if (e == cudaSuccess && access) {
    e = cudaDeviceEnablePeerAccess(dst, 0);
    if (e == cudaErrorPeerAccessAlreadyEnabled) e = cudaSuccess;
    cudaGetLastError();
  }
  if (e == cudaSuccess) e = cudaMalloc(&a, n);
  if (e == cudaSuccess) e = cudaMemset(a, 0x5a, n);
  if (e == cudaSuccess) e = cudaStreamCreate(&s);
  if (e == cudaSuccess) e = cudaEventCreate(&e0);
  if (e == cudaSuccess) e = cudaEventCreate(&e1);
  if (e != cudaSuccess) {
    zbuf_bench_error(st, "set-up of gpu%d->gpu%d (%zu bytes): %s", src, dst, n, cudaGetErrorString(e));
  } else {
    zbuf_bench_set_label(st, access ? "peer access" : "no peer access: staged by the driver");
    double total = 0;
    int64_t iters = 0;
    while (zbuf_bench_keep_running(st)) {
      float ms = 0;
      cudaEventRecord(e0, s);
      e = cudaMemcpyPeerAsync(b, dst, a, src, n, s);
      cudaEventRecord(e1, s);
      if (e == cudaSuccess) e = cudaEventSynchronize(e1);
      if (e == cudaSuccess) e = cudaEventElapsedTime(&ms, e0, e1);
      if (e != cudaSuccess) {
        zbuf_bench_error(st, "cudaMemcpyPeerAsync gpu%d->gpu%d: %s", src, dst, cudaGetErrorString(e));
        break;
      }
      zbuf_bench_set_iteration_time(st, ms * 1e-3);
      total += ms * 1e-3;
      iters++;
    }
    if (iters > 0 && e == cudaSuccess) zbuf_bench_report_rate(st, c, (double)iters * (double)n, total);
  }
  if (e0) cudaEventDestroy(e0);
  if (e1) cudaEventDestroy(e1);
  if (s) cudaStreamDestroy(s);
  cudaFree(a);
  cudaSetDevice(dst);
  cudaFree(b);
  cudaSetDevice(src);
}

void zbuf_bench_plan_peer_copies(zbuf_bench_env *env, zbuf_bench_plan *plan) {
  int ndev = 0;
  if (env->cuda_devices < 1 || cudaGetDeviceCount(&ndev) != cudaSuccess || ndev < 2) return;
  int count = zbuf_bench_peer_pairs(ndev, env->opt.peer_from_own_gpu ? env->opt.gpu : -1, NULL, 0);
  int(*pairs)[2] = calloc((size_t)count, sizeof *pairs);
  if (!pairs) return;
  zbuf_bench_peer_pairs(ndev, env->opt.peer_from_own_gpu ? env->opt.gpu : -1, pairs, count);
  for (int p = 0; p < count; p++)
    for (int k = 0; k < env->nsizes; k++) {
      zbuf_bench_case c;
      char sz[24];
      memset(&c, 0, sizeof c);
      c.body = body_peer;
      c.size = env->sizes[k];
      c.threads = 1;
      c.manual_time = 1;
      c.gpu = pairs[p][0];
      c.op = pairs[p][1];
      c.dir = ZBUF_BENCH_D2D;
      c.mem_label = "device";
      zbuf_bench_place_case(env, &c, ZBUF_BENCH_ANYWHERE, 1);
      snprintf(c.name, sizeof c.name, "P2P/cudaMemcpyPeerAsync/gpu%d->gpu%d/%s", c.gpu, c.op,
               zbuf_bench_size_name(c.size, sz));
      zbuf_bench_plan_add(plan, &c);
    }
  free(pairs);
}

#else

void zbuf_bench_plan_peer_copies(zbuf_bench_env *env, zbuf_bench_plan *plan) {
  (void)env, (void)plan; /* built without CUDA: no GPU, no peers */
}
#endif
