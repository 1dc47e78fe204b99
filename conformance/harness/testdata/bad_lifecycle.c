/* zbuf-conform test data: a plugin that misbehaves around the life of a test rather than in its results, to
 * prove that each way is reported with the right status and that the run still completes with a full report
 * (checked in the JSON by check_statuses.py). The config picks the fault:
 *   entry-crash   the entry call itself dies with SIGSEGV (every test: CRASH)
 *   entry-hang    the entry call never returns (every test: TIMEOUT)
 *   exit-zero     buffer_from_bytes calls _exit(0): a child that exits "successfully" without reporting a
 *                 result must not pass (the harness says CRASH: "exited with status 0 without reporting
 *                 a result"; never PASS)
 *   abort         buffer_from_bytes calls abort() (CRASH)
 *   release-hang  buffer_release never returns: the hang is in the clean-up, after the checks (TIMEOUT)
 *   null-out      buffer_from_bytes returns OK without setting *out (FAIL or CRASH; never PASS) */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zbuf/impl.h"

__attribute__((visibility("default"))) zbuf_status zbuf_impl_entry(uint32_t requested_abi, const char *config,
                                                                   const zbuf_impl **out, zbuf_error *err);

static zbuf_impl broken;

static zbuf_status from_bytes_exit_zero(const zbuf_impl *self, DLDevice device, const void *data, size_t size,
                                        zbuf_impl_buffer **out, zbuf_error *err) {
  (void)self, (void)device, (void)data, (void)size, (void)out, (void)err;
  _exit(0);
}

static zbuf_status from_bytes_abort(const zbuf_impl *self, DLDevice device, const void *data, size_t size,
                                    zbuf_impl_buffer **out, zbuf_error *err) {
  (void)self, (void)device, (void)data, (void)size, (void)out, (void)err;
  abort();
}

static zbuf_status from_bytes_null_out(const zbuf_impl *self, DLDevice device, const void *data, size_t size,
                                       zbuf_impl_buffer **out, zbuf_error *err) {
  (void)self, (void)device, (void)data, (void)size, (void)err;
  *out = NULL;
  return ZBUF_OK;
}

static void release_hang(const zbuf_impl *self, zbuf_impl_buffer *buf) {
  (void)self, (void)buf;
  for (;;) pause();
}

zbuf_status zbuf_impl_entry(uint32_t requested_abi, const char *config, const zbuf_impl **out,
                            zbuf_error *err) {
  const char *c = config ? config : "";
  *out = NULL;
  if (strcmp(c, "entry-crash") == 0) raise(SIGSEGV);
  if (strcmp(c, "entry-hang") == 0)
    for (;;) pause();
  const zbuf_impl *ref = NULL;
  zbuf_status st = zbuf_ref_impl_entry(requested_abi, "cpu", &ref, err);
  if (st != ZBUF_OK) return st;
  broken = *ref;
  broken.name = "bad-lifecycle";
  broken.description = c;
  if (strcmp(c, "exit-zero") == 0)
    broken.buffer_from_bytes = from_bytes_exit_zero;
  else if (strcmp(c, "abort") == 0)
    broken.buffer_from_bytes = from_bytes_abort;
  else if (strcmp(c, "null-out") == 0)
    broken.buffer_from_bytes = from_bytes_null_out;
  else if (strcmp(c, "release-hang") == 0)
    broken.buffer_release = release_hang;
  *out = &broken;
  return ZBUF_OK;
}
