/* zbuf-bench: latency and throughput of every Buffer operation of the contract, at a small and a large size,
 * in host memory and (when the implementation and the machine have one) in GPU memory. A row's time per
 * iteration is the operation's latency; rows that move bytes also report bytes_per_second, and host rows that
 * copy carry their ratio to memcpy of the same size. Each row's result is checked once before it counts. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"

enum {
  OP_CREATE_ZERO_LENGTH,
  OP_FROM_BYTES,
  OP_INFO,
  OP_TO_BYTES,
  OP_TO_HOST,
  OP_FROM_BUFFER_SAME,
  OP_SLICE,
  OP_SET_SLICE,
  OP_COMBINE,
  OP_EQUAL,
  OP_RETAIN_RELEASE,
  OP_WRAP, /* host memory only: Zarr's Buffer.from_array_like */
  OP_COUNT
};

static const struct {
  const char *name;
  int moves;       /* bytes moved per call, in units of size/2 (0: a latency-only operation) */
  int copies_host; /* a plain copy on the host: compared with memcpy */
} ops[OP_COUNT] = {{"buffer_create_zero_length", 0, 0},
                   {"buffer_from_bytes", 2, 1},
                   {"buffer_info", 0, 0},
                   {"buffer_to_bytes", 2, 1},
                   {"buffer_to_host", 2, 0},
                   {"buffer_from_buffer[same]", 0, 0},
                   {"buffer_slice", 0, 0},
                   {"buffer_set_slice", 1, 0},
                   {"buffer_combine[2]", 2, 1},
                   {"buffer_equal", 2, 0},
                   {"buffer_retain+release", 0, 0},
                   {"buffer_wrap+release", 0, 0}};

static void release_nothing(void *data, void *ctx) { (void)data, (void)ctx; }

/* Whether the table has what a row of op calls, set-up and check included. */
static int op_provided(const zbuf_impl *impl, int op) {
  if (!ZBUF_BENCH_HAS(impl, buffer_from_bytes) || !ZBUF_BENCH_HAS(impl, buffer_to_bytes) ||
      !ZBUF_BENCH_HAS(impl, buffer_info) || !ZBUF_BENCH_HAS(impl, buffer_release))
    return 0;
  switch (op) {
    case OP_CREATE_ZERO_LENGTH: return ZBUF_BENCH_HAS(impl, buffer_create_zero_length);
    case OP_TO_HOST: return ZBUF_BENCH_HAS(impl, buffer_to_host);
    case OP_FROM_BUFFER_SAME: return ZBUF_BENCH_HAS(impl, buffer_from_buffer);
    case OP_SLICE: return ZBUF_BENCH_HAS(impl, buffer_slice);
    case OP_SET_SLICE: return ZBUF_BENCH_HAS(impl, buffer_set_slice);
    case OP_COMBINE: return ZBUF_BENCH_HAS(impl, buffer_combine);
    case OP_EQUAL: return ZBUF_BENCH_HAS(impl, buffer_equal);
    case OP_RETAIN_RELEASE: return ZBUF_BENCH_HAS(impl, buffer_retain);
    case OP_WRAP: return ZBUF_BENCH_HAS(impl, buffer_wrap) && (impl->capabilities & ZBUF_CAP_WRAP);
    default: return 1;
  }
}

static DLDevice case_device(const zbuf_bench_case *c) {
  return c->gpu >= 0 ? (DLDevice){kDLCUDA, c->gpu} : (DLDevice){kDLCPU, 0};
}

/* One call; a result handle, if any, is released at once (its cost is part of the operation's). */
static zbuf_status call(const zbuf_bench_case *c, zbuf_impl_buffer *a, zbuf_impl_buffer *b,
                        zbuf_impl_buffer *half, const void *bytes, void *dst, zbuf_impl_buffer **keep,
                        zbuf_error *err) {
  const zbuf_impl *impl = c->impl;
  zbuf_impl_buffer *r = NULL;
  zbuf_status s = ZBUF_OK;
  size_t n = c->size;
  switch (c->op) {
    case OP_CREATE_ZERO_LENGTH: s = impl->buffer_create_zero_length(impl, case_device(c), &r, err); break;
    case OP_FROM_BYTES: s = impl->buffer_from_bytes(impl, case_device(c), bytes, n, &r, err); break;
    case OP_INFO: {
      void *data;
      size_t len;
      DLDevice d;
      s = impl->buffer_info(impl, a, &data, &len, &d, err);
      break;
    }
    case OP_TO_BYTES: s = impl->buffer_to_bytes(impl, a, dst, n, err); break;
    case OP_TO_HOST: s = impl->buffer_to_host(impl, a, &r, err); break;
    case OP_FROM_BUFFER_SAME: s = impl->buffer_from_buffer(impl, case_device(c), a, &r, err); break;
    case OP_SLICE: s = impl->buffer_slice(impl, a, ZBUF_SLICE(1, (int64_t)n - 1), &r, err); break;
    case OP_SET_SLICE: s = impl->buffer_set_slice(impl, b, ZBUF_SLICE(0, (int64_t)(n / 2)), half, err); break;
    case OP_COMBINE: {
      const zbuf_impl_buffer *parts[2] = {half, half};
      s = impl->buffer_combine(impl, parts, 2, &r, err);
      break;
    }
    case OP_EQUAL: {
      int eq = 0;
      s = impl->buffer_equal(impl, a, b, &eq, err);
      if (s == ZBUF_OK && keep) *(int *)dst = eq;
      break;
    }
    case OP_WRAP:
      /* The pattern buffer is this body's own malloc'd memory; the wrapper only reads it. */
      s = impl->buffer_wrap(impl, case_device(c), (void *)bytes, n, release_nothing, NULL, &r, err);
      break;
    default: impl->buffer_release(impl, impl->buffer_retain(impl, a)); break;
  }
  if (r && keep)
    *keep = r;
  else if (r)
    impl->buffer_release(impl, r);
  return s;
}

/* What the checked call must have produced; "" when right. */
static void verify(const zbuf_bench_case *c, zbuf_impl_buffer *a, zbuf_impl_buffer *b, zbuf_impl_buffer *r,
                   const unsigned char *bytes, unsigned char *got, char *why, size_t why_size) {
  const zbuf_impl *impl = c->impl;
  size_t n = c->size, len = 0;
  void *data = NULL;
  DLDevice d;
  why[0] = '\0';
  zbuf_impl_buffer *subject = r ? r : (c->op == OP_SET_SLICE ? b : a);
  if (c->op == OP_EQUAL) {
    if (*(int *)got != 1) snprintf(why, why_size, "equal buffers compared unequal");
    return;
  }
  if (c->op == OP_INFO || c->op == OP_RETAIN_RELEASE) return;
  if (impl->buffer_info(impl, subject, &data, &len, &d, NULL) != ZBUF_OK) {
    snprintf(why, why_size, "buffer_info on the result failed");
    return;
  }
  size_t want = c->op == OP_CREATE_ZERO_LENGTH ? 0 : c->op == OP_SLICE ? n - 2 : n;
  if (len != want) {
    snprintf(why, why_size, "result has %zu bytes, expected %zu", len, want);
    return;
  }
  if (want == 0) return;
  if (c->op != OP_TO_BYTES && impl->buffer_to_bytes(impl, subject, got, len, NULL) != ZBUF_OK) {
    snprintf(why, why_size, "buffer_to_bytes on the result failed");
    return;
  }
  /* combine and set_slice: both halves hold the first half of the pattern. */
  const unsigned char *expect = c->op == OP_SLICE ? bytes + 1 : bytes;
  size_t cmp = len;
  if (c->op == OP_COMBINE || c->op == OP_SET_SLICE) {
    int64_t at = zbuf_bench_first_difference(bytes, got, n / 2);
    if (at < 0 && c->op == OP_COMBINE) at = zbuf_bench_first_difference(bytes, got + n / 2, n / 2);
    if (at < 0 && c->op == OP_SET_SLICE)
      at = zbuf_bench_first_difference(bytes + n / 2, got + n / 2, n - n / 2);
    if (at >= 0) snprintf(why, why_size, "wrong byte at %lld", (long long)at);
    return;
  }
  int64_t at = zbuf_bench_first_difference(expect, got, cmp);
  if (at >= 0) snprintf(why, why_size, "wrong byte at %lld of %zu", (long long)at, cmp);
}

static void body(zbuf_bench_state *st, zbuf_bench_case *c) {
  const zbuf_impl *impl = c->impl;
  size_t n = c->size;
  zbuf_error err = {0};
  zbuf_status s;
  zbuf_impl_buffer *a = NULL, *b = NULL, *half = NULL, *r = NULL;
  unsigned char *bytes = malloc(n), *dst = malloc(n), *got = malloc(n);
  zbuf_bench_bind_thread(c, 0);
  if (!bytes || !dst || !got) {
    zbuf_bench_error(st, "out of host memory (%zu bytes)", n);
    goto out;
  }
  zbuf_bench_pattern(bytes, n, 3);
  s = impl->buffer_from_bytes(impl, case_device(c), bytes, n, &a, &err);
  if (s == ZBUF_OK) s = impl->buffer_from_bytes(impl, case_device(c), bytes, n, &b, &err);
  if (s == ZBUF_OK) s = impl->buffer_from_bytes(impl, case_device(c), bytes, n / 2, &half, &err);
  if (zbuf_bench_failed(st, s, &err, "buffer_from_bytes (set-up)")) goto out;
  if (!__atomic_load_n(&c->checked, __ATOMIC_ACQUIRE)) {
    s = call(c, a, b, half, bytes, got, &r, &err);
    if (zbuf_bench_failed(st, s, &err, ops[c->op].name)) goto out;
    char why[256];
    verify(c, a, b, r, bytes, got, why, sizeof why);
    if (why[0]) {
      zbuf_bench_error(st, "%s: %s", ops[c->op].name, why);
      goto out;
    }
    __atomic_store_n(&c->checked, 1, __ATOMIC_RELEASE);
  }
  int64_t iters = 0;
  double t0 = 0;
  while (zbuf_bench_keep_running(st)) {
    if (iters++ == 0) t0 = zbuf_bench_now();
    s = call(c, a, b, half, bytes, dst, NULL, &err);
    if (s != ZBUF_OK) break;
  }
  double secs = zbuf_bench_now() - t0;
  if (zbuf_bench_failed(st, s, &err, ops[c->op].name)) goto out;
  /* to_host of a host buffer is a new reference, not a copy: a latency, not a rate. */
  int moves = c->op == OP_TO_HOST && c->gpu < 0 ? 0 : ops[c->op].moves;
  if (moves)
    zbuf_bench_report_rate(st, c, (double)iters * (double)(n / 2) * moves, secs);
  else
    zbuf_bench_counter(st, "size", (double)n, ZBUF_BENCH_KIB);
out:
  if (r) impl->buffer_release(impl, r);
  impl->buffer_release(impl, a);
  impl->buffer_release(impl, b);
  impl->buffer_release(impl, half);
  free(bytes);
  free(dst);
  free(got);
}

static void add_device(zbuf_bench_env *env, zbuf_bench_plan *plan, int gpu) {
  size_t sizes[2] = {env->small_size, env->large_size};
  int nsizes = env->large_size > env->small_size ? 2 : 1;
  zbuf_bench_where near = zbuf_bench_env_placed(env) ? ZBUF_BENCH_NEAR : ZBUF_BENCH_ANYWHERE;
  for (int k = 0; k < nsizes; k++)
    for (int op = 0; op < OP_COUNT; op++) {
      if (op == OP_WRAP && gpu >= 0) continue; /* wrapping device memory is the GPU rows' business */
      if (!op_provided(env->impl, op)) {
        zbuf_bench_note_missing(env, ops[op].name);
        continue;
      }
      zbuf_bench_case c;
      zbuf_bench_op_case(env, &c, body, op, ops[op].name, sizes[k], gpu, near);
      if (gpu < 0 && ops[op].copies_host) zbuf_bench_op_memcpy_baseline(&c);
      zbuf_bench_plan_add(plan, &c);
    }
}

void zbuf_bench_plan_buffer_ops(zbuf_bench_env *env, zbuf_bench_plan *plan) {
  if (env->impl_host) add_device(env, plan, -1);
  if (env->impl_cuda) add_device(env, plan, env->opt.gpu);
}
