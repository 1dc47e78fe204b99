/* zbuf-conform: a test's life in a test process, whether the process runs it alone (a child of --isolate, or
 * a rerun) or as one of many (a worker, worker.c): judging the entry call, the capability and device checks,
 * the leak probe around the body. The probe child that describes the implementation lives here too.
 *
 * Records on the report pipe (outcome.c): NOTE, ALIAS (op TAB memory TAB 0|1), MSG, and STATUS (the outcome
 * name), which is always last for a test; the description of an implementation is ENTRY (status TAB
 * message), ABI, SIZE, NAME, VERSION, DESC, CAPS, PROTO (buffer TAB nd_buffer). A process that exits
 * without STATUS for its test crashed. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Judges what the entry call returned, as every test sees it. */
static void judge_entry(conform_ctx *ctx, int st, const zbuf_impl *impl, const zbuf_error *entry_err) {
  const char *message = entry_err->message;
  if (!conform_status_known(st))
    conform_fail(ctx, "the entry returned status %d, outside the known set (0..%d)", st,
                 ZBUF_STATUS_COUNT - 1);
  if (st == ZBUF_ENODEV) conform_skip(ctx, "no usable device for this instance: %s", message);
  if (st != ZBUF_OK) conform_unresolved(ctx, "the entry returned %s: %s", conform_status_name(st), message);
  if (!impl) conform_fail(ctx, "the entry returned OK but a NULL table");
  if (impl->abi_version != ZBUF_IMPL_ABI_VERSION)
    conform_fail(ctx, "the table claims ABI version %u, the harness requested %u",
                 (unsigned)impl->abi_version, (unsigned)ZBUF_IMPL_ABI_VERSION);
  if (impl->struct_size < offsetof(zbuf_impl, shutdown))
    conform_fail(ctx, "the table's struct_size %u is smaller than its fixed header (%zu bytes)",
                 (unsigned)impl->struct_size, offsetof(zbuf_impl, shutdown));
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

/* The capability that claims memory of a device's kind; 0 for a kind without one. */
static uint64_t device_caps(DLDevice d) {
  switch (d.device_type) {
    case kDLCPU: return ZBUF_CAP_HOST;
    case kDLCUDA: return ZBUF_CAP_CUDA;
    case kDLCUDAHost: return ZBUF_CAP_CUDA_HOST;
    default: return 0;
  }
}

void conform__run_body(const conform__test *t, int entry_status, const zbuf_impl *impl,
                       const zbuf_error *entry_err) {
  static conform_ctx ctx; /* static: tests may keep pointers into it until the test ends */
  memset(&ctx, 0, sizeof ctx);
  ctx.id = t->id;
  ctx.clause = t->clause;
  ctx.variant = t->variant;
  ctx.label = t->label;
  ctx.data = t->data;
  ctx.host.device_type = kDLCPU;
  ctx.host.device_id = 0;
  if (t->unresolved_why) conform_unresolved(&ctx, "%s", t->unresolved_why);

  judge_entry(&ctx, entry_status, impl, entry_err);
  ctx.impl = impl;
  if (t->ndevices >= 1) {
    ctx.dev = ctx.nd_dev = t->devices[0];
    ctx.dev2 = t->ndevices == 2 ? t->devices[1] : ctx.host;
  } else {
    ctx.dev = impl->prototype.buffer;
    ctx.nd_dev = impl->prototype.nd_buffer;
    ctx.dev2 = ctx.host;
  }
  /* ZBUF_CAP_HOST in a registration stands for "the memory the test runs in": the capabilities asked for are
   * those of the devices the test uses, so that an implementation of device memory only (Zarr's gpu
   * prototype) is tested in it rather than reported UNSUPPORTED. The host as the default second device is
   * not asked for: a test that reaches it on such an implementation gets EUNSUPPORTED there, UNSUPPORTED. */
  uint64_t needs =
      (t->needs_caps & ~(uint64_t)ZBUF_CAP_HOST) | device_caps(ctx.dev) | device_caps(ctx.nd_dev);
  if (t->ndevices == 2) needs |= device_caps(ctx.dev2);
  conform_need_caps(&ctx, needs);
  check_device(&ctx, ctx.dev);
  if (!conform_device_equal(ctx.nd_dev, ctx.dev)) check_device(&ctx, ctx.nd_dev);
  if (t->ndevices == 2 && !conform_device_equal(ctx.dev2, ctx.dev)) check_device(&ctx, ctx.dev2);

  ctx.check_leaks = 1;
  conform_leak_probe probe;
  conform_leak_begin(&ctx, &probe);
  t->fn(&ctx);
  if (ctx.check_leaks) conform_leak_check(&ctx, &probe, "the test body");
}

int conform__table_usable(int st, const zbuf_impl *impl) {
  return st == ZBUF_OK && impl && impl->abi_version == ZBUF_IMPL_ABI_VERSION &&
         impl->struct_size >= offsetof(zbuf_impl, shutdown);
}

void conform__close_impl(int st, const zbuf_impl *impl) {
  if (conform__table_usable(st, impl) && CONFORM_HAS_OP(impl, shutdown) && impl->shutdown)
    impl->shutdown(impl);
}

void conform__child_run_test(const conform__spec *spec, const conform__test *t, int fd) {
  conform__report_fd = fd;
  const zbuf_impl *impl = NULL;
  zbuf_error err;
  conform_error_reset(&err);
  /* A test that cannot be built is reported without loading the implementation at all. */
  int st = t->unresolved_why ? ZBUF_OK : (int)spec->entry(ZBUF_IMPL_ABI_VERSION, spec->config, &impl, &err);
  err.message[sizeof err.message - 1] = '\0';
  conform__run_body(t, st, impl, &err);
  conform__close_impl(st, impl);
  conform__finish(CONFORM_PASS, "");
}

int conform__open_and_describe(const conform__spec *spec, const zbuf_impl **out, zbuf_error *err) {
  const zbuf_impl *impl = NULL;
  conform_error_reset(err);
  int st = (int)spec->entry(ZBUF_IMPL_ABI_VERSION, spec->config, &impl, err);
  err->message[sizeof err->message - 1] = '\0';
  char rec[ZBUF_ERROR_MESSAGE_SIZE + 32];
  snprintf(rec, sizeof rec, "%d\t%s", st, err->message);
  conform__write_record("ENTRY", rec);
  if (st == ZBUF_OK && impl) {
    snprintf(rec, sizeof rec, "%u", (unsigned)impl->abi_version);
    conform__write_record("ABI", rec);
    snprintf(rec, sizeof rec, "%u", (unsigned)impl->struct_size);
    conform__write_record("SIZE", rec);
    if (conform__table_usable(st, impl)) {
      conform__write_record("NAME", impl->name ? impl->name : "(null)");
      conform__write_record("VERSION", impl->version ? impl->version : "(null)");
      conform__write_record("DESC", impl->description ? impl->description : "(null)");
      snprintf(rec, sizeof rec, "%llu", (unsigned long long)impl->capabilities);
      conform__write_record("CAPS", rec);
      snprintf(rec, sizeof rec, "%s\t", conform_device_name(impl->prototype.buffer));
      size_t n = strlen(rec);
      snprintf(rec + n, sizeof rec - n, "%s", conform_device_name(impl->prototype.nd_buffer));
      conform__write_record("PROTO", rec);
    }
  }
  *out = impl;
  return st;
}

void conform__child_probe(const conform__spec *spec, int fd) {
  conform__report_fd = fd;
  const zbuf_impl *impl = NULL;
  zbuf_error err;
  int st = conform__open_and_describe(spec, &impl, &err);
  conform__close_impl(st, impl);
  conform__finish(CONFORM_PASS, "");
}
