/* zbuf-conform: the test-side API of conform.h (outcomes, status checks, assertions, devices, aliasing, leak
 * probe, set-up shortcuts). Everything here runs in a test process (a worker or a child); outcomes go to the
 * parent as records on the report pipe and end the test (outcome.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Formats a message into a static buffer: the child ends right after, so one buffer is enough. */
static const char *vformat(const char *fmt, va_list ap) {
  static char text[4096];
  vsnprintf(text, sizeof text, fmt, ap);
  return text;
}

void conform_fail(conform_ctx *ctx, const char *fmt, ...) {
  (void)ctx;
  va_list ap;
  va_start(ap, fmt);
  const char *m = vformat(fmt, ap);
  va_end(ap);
  conform__finish(CONFORM_FAIL, m);
}

void conform_fail_at(conform_ctx *ctx, const char *file, int line, const char *fmt, ...) {
  (void)ctx;
  static char text[4400];
  va_list ap;
  va_start(ap, fmt);
  const char *m = vformat(fmt, ap);
  va_end(ap);
  const char *base = strrchr(file, '/');
  snprintf(text, sizeof text, "%s:%d: %s", base ? base + 1 : file, line, m);
  conform__finish(CONFORM_FAIL, text);
}

void conform_skip(conform_ctx *ctx, const char *fmt, ...) {
  (void)ctx;
  va_list ap;
  va_start(ap, fmt);
  const char *m = vformat(fmt, ap);
  va_end(ap);
  conform__finish(CONFORM_SKIP, m);
}

void conform_unsupported(conform_ctx *ctx, const char *fmt, ...) {
  (void)ctx;
  va_list ap;
  va_start(ap, fmt);
  const char *m = vformat(fmt, ap);
  va_end(ap);
  conform__finish(CONFORM_UNSUPPORTED, m);
}

void conform_unresolved(conform_ctx *ctx, const char *fmt, ...) {
  (void)ctx;
  va_list ap;
  va_start(ap, fmt);
  const char *m = vformat(fmt, ap);
  va_end(ap);
  conform__finish(CONFORM_UNRESOLVED, m);
}

void conform_note(conform_ctx *ctx, const char *fmt, ...) {
  (void)ctx;
  char text[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  conform__write_record("NOTE", text);
}

static double thread_budget_s = 0.5;
double conform_thread_budget_s(void) { return thread_budget_s; }
void conform__set_thread_budget(double seconds) { thread_budget_s = seconds; }

/* ---- status codes ---- */

static const char *const status_names[] = {
#define CONFORM__STATUS_NAME(name, value, pyexc, text) [value] = #name,
    ZBUF_STATUS_MAP(CONFORM__STATUS_NAME)
#undef CONFORM__STATUS_NAME
};

int conform_status_known(int status) {
  return status >= 0 && status < (int)(sizeof status_names / sizeof status_names[0]) && status_names[status];
}

const char *conform_status_name(int status) {
  return conform_status_known(status) ? status_names[status] : "UNKNOWN";
}

void conform_error_reset(zbuf_error *err) {
  err->code = (zbuf_status)-1;
  err->message[0] = '\0';
}

/* The message an implementation left, made printable even when it forgot the terminator. */
static const char *err_message(conform_ctx *ctx) {
  ctx->err.message[sizeof ctx->err.message - 1] = '\0';
  return ctx->err.message[0] ? ctx->err.message : "(no message)";
}

void conform__check_ok(conform_ctx *ctx, const char *file, int line, const char *expr, int status,
                       int setup) {
  if (status == ZBUF_OK) return;
  if (!conform_status_known(status))
    conform_fail_at(ctx, file, line, "%s: expected OK, seen status %d, outside the known set (0..%d)", expr,
                    status, ZBUF_STATUS_COUNT - 1);
  if (status == ZBUF_EUNSUPPORTED)
    conform_unsupported(ctx, "%s returned EUNSUPPORTED: %s", expr, err_message(ctx));
  if (setup)
    conform_unresolved(ctx, "set-up %s returned %s: %s", expr, conform_status_name(status), err_message(ctx));
  conform_fail_at(ctx, file, line, "%s: expected OK, seen %s: %s", expr, conform_status_name(status),
                  err_message(ctx));
}

static const char *mask_str(unsigned mask, char *out, size_t size) {
  out[0] = '\0';
  for (int s = 0; s < ZBUF_STATUS_COUNT; s++) {
    if (!(mask & CONFORM_MASK(s))) continue;
    size_t n = strlen(out);
    snprintf(out + n, size - n, "%s%s", n ? " or " : "", conform_status_name(s));
  }
  return out;
}

void conform__check_status(conform_ctx *ctx, const char *file, int line, const char *expr, int status,
                           unsigned want_mask) {
  char want[128];
  mask_str(want_mask, want, sizeof want);
  if (!conform_status_known(status))
    conform_fail_at(ctx, file, line, "%s: expected %s, seen status %d, outside the known set (0..%d)", expr,
                    want, status, ZBUF_STATUS_COUNT - 1);
  if (!(want_mask & CONFORM_MASK(status))) {
    if (status == ZBUF_OK)
      conform_fail_at(ctx, file, line, "%s: expected %s, seen OK (the call succeeded)", expr, want);
    conform_fail_at(ctx, file, line, "%s: expected %s, seen %s: %s", expr, want, conform_status_name(status),
                    err_message(ctx));
  }
  if (status == ZBUF_OK) return;
  if ((int)ctx->err.code != status)
    conform_fail_at(ctx, file, line, "%s: returned %s but the error struct holds code %d (%s)", expr,
                    conform_status_name(status), (int)ctx->err.code, conform_status_name((int)ctx->err.code));
  if (ctx->err.message[0] == '\0')
    conform_fail_at(ctx, file, line,
                    "%s: returned %s with an empty error message; the message must name the "
                    "problem",
                    expr, conform_status_name(status));
}

/* ---- capabilities ---- */

const char *conform_caps_str(uint64_t caps, char *out, size_t out_size) {
  static const char *const names[] = {"HOST",   "CUDA", "CUDA_HOST",      "ND", "THREAD_SAFE", "ALLOC_STATS",
                                      "DLPACK", "WRAP", "FAULT_INJECTION"};
  out[0] = '\0';
  for (unsigned b = 0; b < 64; b++) {
    if (!(caps & (UINT64_C(1) << b))) continue;
    size_t n = strlen(out);
    if (b < sizeof names / sizeof names[0])
      snprintf(out + n, out_size - n, "%s%s", n ? "," : "", names[b]);
    else
      snprintf(out + n, out_size - n, "%sBIT%u", n ? "," : "", b);
  }
  return out;
}

void conform_need_caps(conform_ctx *ctx, uint64_t caps) {
  uint64_t missing = caps & ~ctx->impl->capabilities;
  if (!missing) return;
  char names[256];
  conform_unsupported(ctx, "the implementation does not claim capability %s",
                      conform_caps_str(missing, names, sizeof names));
}

/* ---- assertions ---- */

void conform__assert_mem_eq(conform_ctx *ctx, const char *file, int line, const char *what,
                            const void *expected, const void *seen, size_t n) {
  const unsigned char *e = expected, *s = seen;
  size_t i = 0;
  while (i < n && e[i] == s[i]) i++;
  if (i == n) return;
  char eh[64] = "", sh[64] = "";
  for (size_t k = i, p = 0; k < n && k < i + 8; k++, p += 3) {
    snprintf(eh + p, sizeof eh - p, "%02x ", e[k]);
    snprintf(sh + p, sizeof sh - p, "%02x ", s[k]);
  }
  conform_fail_at(ctx, file, line, "%s: %zu bytes differ from byte %zu on: expected %s..., seen %s...", what,
                  n, i, eh, sh);
}

/* ---- devices ---- */

const char *conform_device_name(DLDevice d) {
  /* A few distinct strings are enough for messages; the ring keeps the last ones valid. */
  static char ring[8][48];
  static unsigned next;
  if (d.device_type == kDLCPU && d.device_id == 0) return "cpu";
  if (d.device_type == kDLCUDAHost && d.device_id == 0) return "cuda_host";
  if (d.device_type == kDLCUDA && d.device_id == 0) return "cuda";
  char *out = ring[next++ % 8];
  if (d.device_type == kDLCUDA)
    snprintf(out, 48, "cuda:%d", (int)d.device_id);
  else
    snprintf(out, 48, "device(type=%d,id=%d)", (int)d.device_type, (int)d.device_id);
  return out;
}

int conform_device_equal(DLDevice a, DLDevice b) {
  return a.device_type == b.device_type && a.device_id == b.device_id;
}

int conform_device_is_host(DLDevice d) { return d.device_type == kDLCPU || d.device_type == kDLCUDAHost; }

/* ---- aliasing and leaks ---- */

void conform_observe_alias(conform_ctx *ctx, const char *op, const char *memory, int aliased) {
  (void)ctx;
  char rec[512];
  /* Tabs separate the fields; the names are identifiers and kinds, so they hold none. */
  snprintf(rec, sizeof rec, "%s\t%s\t%d", op, memory, aliased ? 1 : 0);
  conform__write_record("ALIAS", rec);
}

void conform_leak_begin(conform_ctx *ctx, conform_leak_probe *probe) {
  memset(probe, 0, sizeof *probe);
  if (!(ctx->impl->capabilities & ZBUF_CAP_ALLOC_STATS) || !CONFORM_HAS_OP(ctx->impl, alloc_stats)) return;
  CONFORM_SETUP(ctx, ctx->impl->alloc_stats(ctx->impl, &probe->before, &ctx->err));
  probe->active = 1;
}

void conform_leak_check(conform_ctx *ctx, conform_leak_probe *probe, const char *what) {
  if (!probe->active) return;
  zbuf_alloc_stats now;
  CONFORM_OK(ctx, ctx->impl->alloc_stats(ctx->impl, &now, &ctx->err));
  const zbuf_alloc_stats *b = &probe->before;
  if (now.blocks != b->blocks || now.bytes != b->bytes || now.handles != b->handles)
    conform_fail(ctx,
                 "leak after %s: expected blocks/bytes/handles %lld/%lld/%lld as before, seen %lld/%lld/%lld",
                 what, (long long)b->blocks, (long long)b->bytes, (long long)b->handles,
                 (long long)now.blocks, (long long)now.bytes, (long long)now.handles);
}

/* ---- set-up shortcuts ---- */

zbuf_impl_buffer *conform_buffer_from_bytes(conform_ctx *ctx, DLDevice device, const void *data, size_t n) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, buffer_from_bytes);
  zbuf_impl_buffer *b = NULL;
  CONFORM_SETUP(ctx, I->buffer_from_bytes(I, device, data, n, &b, &ctx->err));
  if (!b) conform_fail(ctx, "buffer_from_bytes returned OK but no buffer");
  return b;
}

static void buffer_info(conform_ctx *ctx, const zbuf_impl_buffer *buf, void **data, size_t *len) {
  const zbuf_impl *I = ctx->impl;
  DLDevice d;
  CONFORM_NEED_OP(ctx, buffer_info);
  CONFORM_SETUP(ctx, I->buffer_info(I, buf, data, len, &d, &ctx->err));
}

size_t conform_buffer_length(conform_ctx *ctx, const zbuf_impl_buffer *buf) {
  void *data;
  size_t len;
  buffer_info(ctx, buf, &data, &len);
  return len;
}

void *conform_buffer_data(conform_ctx *ctx, const zbuf_impl_buffer *buf) {
  void *data;
  size_t len;
  buffer_info(ctx, buf, &data, &len);
  return data;
}

void conform_buffer_read(conform_ctx *ctx, const zbuf_impl_buffer *buf, void *dst, size_t n) {
  const zbuf_impl *I = ctx->impl;
  size_t len = conform_buffer_length(ctx, buf);
  if (len != n) conform_fail(ctx, "buffer length: expected %zu, seen %zu", n, len);
  CONFORM_NEED_OP(ctx, buffer_to_bytes);
  CONFORM_SETUP(ctx, I->buffer_to_bytes(I, buf, dst, n, &ctx->err));
}

zbuf_impl_ndbuffer *conform_nd_from_host(conform_ctx *ctx, DLDevice device, const void *data, size_t ndim,
                                         const int64_t *shape, const char *dtype) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_from_host);
  zbuf_impl_ndbuffer *a = NULL;
  CONFORM_SETUP(ctx, I->ndbuffer_from_host(I, device, data, ndim, shape, NULL, dtype, &a, &ctx->err));
  if (!a) conform_fail(ctx, "ndbuffer_from_host returned OK but no array");
  return a;
}

zbuf_impl_ndinfo conform_nd_info(conform_ctx *ctx, const zbuf_impl_ndbuffer *a) {
  const zbuf_impl *I = ctx->impl;
  zbuf_impl_ndinfo info;
  memset(&info, 0, sizeof info);
  CONFORM_NEED_OP(ctx, ndbuffer_info);
  CONFORM_SETUP(ctx, I->ndbuffer_info(I, a, &info, &ctx->err));
  return info;
}

void conform_nd_read(conform_ctx *ctx, const zbuf_impl_ndbuffer *a, void *dst, size_t n) {
  const zbuf_impl *I = ctx->impl;
  CONFORM_NEED_OP(ctx, ndbuffer_to_bytes);
  CONFORM_SETUP(ctx, I->ndbuffer_to_bytes(I, a, dst, n, &ctx->err));
}

void conform_fill_pattern(void *dst, size_t n, unsigned seed) {
  /* xorshift32: cheap, deterministic, and no byte pattern repeats at short distances. */
  uint32_t x = seed * 2654435761u + 0x9e3779b9u;
  if (x == 0) x = 1;
  unsigned char *p = dst;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p[i] = (unsigned char)(x >> 11);
  }
}
