/* zbuf-conform: what happens inside a child process. Each test (and the probe that describes the
 * implementation) runs in a fresh fork that makes its own entry call, so that a crash, a hang or CUDA state
 * of one implementation instance never reaches the parent or another test.
 *
 * The child reports to the parent through a pipe, one record per line: "KEY value\n", with backslash and
 * newline in the value escaped as "\\" and "\n". Keys: NOTE, ALIAS (op TAB memory TAB 0|1), MSG, and STATUS
 * (the outcome name), which is always last; the probe sends ENTRY (status TAB message), ABI, SIZE, NAME,
 * VERSION, DESC, CAPS, PROTO (buffer TAB nd_buffer) and then STATUS PASS. A child that exits without STATUS
 * crashed. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

int conform__report_fd = -1;

static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return; /* the parent is gone; nothing useful is left to do */
    }
    p += w;
    n -= (size_t)w;
  }
}

void conform__write_record(const char *key, const char *value) {
  if (conform__report_fd < 0) return;
  size_t n = strlen(value);
  char *line = malloc(strlen(key) + 2 * n + 3);
  if (!line) return;
  char *q = line;
  for (const char *k = key; *k; k++) *q++ = *k;
  *q++ = ' ';
  for (size_t i = 0; i < n; i++) {
    if (value[i] == '\\') {
      *q++ = '\\';
      *q++ = '\\';
    } else if (value[i] == '\n') {
      *q++ = '\\';
      *q++ = 'n';
    } else {
      *q++ = value[i];
    }
  }
  *q++ = '\n';
  write_all(conform__report_fd, line, (size_t)(q - line));
  free(line);
}

void conform__finish(int outcome, const char *message) {
  /* One outcome per test: when worker threads report at once, the first wins and the others wait for the
   * process to end. */
  static atomic_flag reported = ATOMIC_FLAG_INIT;
  if (atomic_flag_test_and_set(&reported))
    for (;;) pause();
  fflush(stdout);
  fflush(stderr);
  if (message && message[0]) conform__write_record("MSG", message);
  conform__write_record("STATUS", conform__outcome_name(outcome));
  _exit(0);
}

/* Calls the entry and judges what it returned. Used by every test child. */
static const zbuf_impl *open_impl(const conform__spec *spec, conform_ctx *ctx) {
  const zbuf_impl *impl = NULL;
  conform_error_reset(&ctx->err);
  int st = (int)spec->entry(ZBUF_IMPL_ABI_VERSION, spec->config, &impl, &ctx->err);
  ctx->err.message[sizeof ctx->err.message - 1] = '\0';
  if (!conform_status_known(st))
    conform_fail(ctx, "the entry returned status %d, outside the known set (0..%d)", st,
                 ZBUF_STATUS_COUNT - 1);
  if (st == ZBUF_ENODEV) conform_skip(ctx, "no usable device for this instance: %s", ctx->err.message);
  if (st != ZBUF_OK)
    conform_unresolved(ctx, "the entry returned %s: %s", conform_status_name(st), ctx->err.message);
  if (!impl) conform_fail(ctx, "the entry returned OK but a NULL table");
  if (impl->abi_version != ZBUF_IMPL_ABI_VERSION)
    conform_fail(ctx, "the table claims ABI version %u, the harness requested %u",
                 (unsigned)impl->abi_version, (unsigned)ZBUF_IMPL_ABI_VERSION);
  if (impl->struct_size < offsetof(zbuf_impl, shutdown))
    conform_fail(ctx, "the table's struct_size %u is smaller than its fixed header (%zu bytes)",
                 (unsigned)impl->struct_size, offsetof(zbuf_impl, shutdown));
  return impl;
}

/* UNSUPPORTED or SKIP unless device_check says the device can be used now. */
static void check_device(conform_ctx *ctx, DLDevice d) {
  const zbuf_impl *I = ctx->impl;
  if (!CONFORM_HAS_OP(I, device_check)) return; /* nothing to ask; the capability bits decided already */
  conform_error_reset(&ctx->err);
  int st = (int)I->device_check(I, d, &ctx->err);
  ctx->err.message[sizeof ctx->err.message - 1] = '\0';
  if (st == ZBUF_OK) return;
  if (!conform_status_known(st))
    conform_fail(ctx, "device_check(%s) returned status %d, outside the known set", conform_device_name(d),
                 st);
  /* The contract: a kind the implementation does not support is UNSUPPORTED; a supported kind whose device is
   * absent on this machine (no GPU) is SKIP. */
  if (st == ZBUF_ENODEV)
    conform_skip(ctx, "device %s is not usable here: %s", conform_device_name(d), ctx->err.message);
  if (st == ZBUF_EUNSUPPORTED)
    conform_unsupported(ctx, "device %s is not supported: %s", conform_device_name(d), ctx->err.message);
  conform_fail(ctx, "device_check(%s): expected OK, ENODEV or EUNSUPPORTED, seen %s: %s",
               conform_device_name(d), conform_status_name(st), ctx->err.message);
}

void conform__child_run_test(const conform__spec *spec, const conform__test *t, int fd) {
  static conform_ctx ctx; /* static: tests may keep pointers into it until the process ends */
  conform__report_fd = fd;
  memset(&ctx, 0, sizeof ctx);
  ctx.id = t->id;
  ctx.clause = t->clause;
  ctx.variant = t->variant;
  ctx.label = t->label;
  ctx.data = t->data;
  ctx.host.device_type = kDLCPU;
  ctx.host.device_id = 0;
  if (t->unresolved_why) conform_unresolved(&ctx, "%s", t->unresolved_why);

  const zbuf_impl *impl = open_impl(spec, &ctx);
  ctx.impl = impl;
  if (t->ndevices >= 1) {
    ctx.dev = ctx.nd_dev = t->devices[0];
    ctx.dev2 = t->ndevices == 2 ? t->devices[1] : ctx.host;
  } else {
    ctx.dev = impl->prototype.buffer;
    ctx.nd_dev = impl->prototype.nd_buffer;
    ctx.dev2 = ctx.host;
  }
  conform_need_caps(&ctx, t->needs_caps);
  check_device(&ctx, ctx.dev);
  if (!conform_device_equal(ctx.nd_dev, ctx.dev)) check_device(&ctx, ctx.nd_dev);
  if (!conform_device_equal(ctx.dev2, ctx.dev)) check_device(&ctx, ctx.dev2);

  ctx.check_leaks = 1;
  conform_leak_probe probe;
  conform_leak_begin(&ctx, &probe);
  t->fn(&ctx);
  if (ctx.check_leaks) conform_leak_check(&ctx, &probe, "the test body");
  if (CONFORM_HAS_OP(impl, shutdown) && impl->shutdown) impl->shutdown(impl);
  conform__finish(CONFORM_PASS, "");
}

void conform__child_probe(const conform__spec *spec, int fd) {
  conform__report_fd = fd;
  const zbuf_impl *impl = NULL;
  zbuf_error err;
  conform_error_reset(&err);
  int st = (int)spec->entry(ZBUF_IMPL_ABI_VERSION, spec->config, &impl, &err);
  err.message[sizeof err.message - 1] = '\0';
  char rec[ZBUF_ERROR_MESSAGE_SIZE + 32];
  snprintf(rec, sizeof rec, "%d\t%s", st, err.message);
  conform__write_record("ENTRY", rec);
  if (st == ZBUF_OK && impl) {
    snprintf(rec, sizeof rec, "%u", (unsigned)impl->abi_version);
    conform__write_record("ABI", rec);
    snprintf(rec, sizeof rec, "%u", (unsigned)impl->struct_size);
    conform__write_record("SIZE", rec);
    if (impl->abi_version == ZBUF_IMPL_ABI_VERSION && impl->struct_size >= offsetof(zbuf_impl, shutdown)) {
      conform__write_record("NAME", impl->name ? impl->name : "(null)");
      conform__write_record("VERSION", impl->version ? impl->version : "(null)");
      conform__write_record("DESC", impl->description ? impl->description : "(null)");
      snprintf(rec, sizeof rec, "%llu", (unsigned long long)impl->capabilities);
      conform__write_record("CAPS", rec);
      snprintf(rec, sizeof rec, "%s\t", conform_device_name(impl->prototype.buffer));
      size_t n = strlen(rec);
      snprintf(rec + n, sizeof rec - n, "%s", conform_device_name(impl->prototype.nd_buffer));
      conform__write_record("PROTO", rec);
      if (CONFORM_HAS_OP(impl, shutdown) && impl->shutdown) impl->shutdown(impl);
    }
  }
  conform__finish(CONFORM_PASS, "");
}
