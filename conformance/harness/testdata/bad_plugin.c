/* zbuf-conform test data: a deliberately broken implementation, to prove that the harness reports every way a
 * plugin can misbehave instead of passing it or dying with it. The config picks the fault:
 *   refuse       the entry refuses: it speaks ABI 99 only (the harness must exit 2 naming both versions)
 *   wrong-table  the entry succeeds but hands out a table claiming ABI 99 (exit 2)
 *   null-table   the entry returns OK and a NULL table (every test FAILs; the run completes)
 *   garbage      the entry returns status 1234 (every test FAILs naming the value)
 *   bad-status   the reference's table, but buffer_from_bytes returns 42 (FAIL naming 42)
 *   crash        the reference's table, but buffer_from_bytes dereferences NULL (CRASH)
 *   hang         the reference's table, but buffer_from_bytes never returns (TIMEOUT)
 *   wrong-bytes  the reference's table, but buffer_to_bytes writes zeros (FAIL: expected vs seen bytes)
 *   leak         the reference's table, but buffer_release does nothing (FAIL: the leak probe)
 *   slice-crash  the reference's table, but buffer_slice dies with SIGSEGV: only tests that slice CRASH, and
 *                in a worker the tests after them still run
 *   slice-hang   the reference's table, but buffer_slice never returns (TIMEOUT for those tests only)
 *   sticky       the reference's table, but buffer_from_bytes fails from its 5th call in a process on: state
 *                one test leaves for the next (a test alone passes; the same test late in a worker fails)
 *   claims-nothing  a valid table that claims no capability and provides no operation: every test is
 *                UNSUPPORTED, and the bare `zbuf-conform --impl` must not call that a pass (exit 4)
 *   wrong-bytes-slice-crash  wrong-bytes and slice-crash at once: FAILs to rerun alone, then a crash that ends
 *                the only worker while tests remain (the scheduler must still finish them) */
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "zbuf/impl.h"

__attribute__((visibility("default"))) zbuf_status zbuf_impl_entry(uint32_t requested_abi, const char *config,
                                                                   const zbuf_impl **out, zbuf_error *err);

static zbuf_impl broken;

static zbuf_status set_error(zbuf_error *err, zbuf_status code, const char *text) {
  if (err) {
    err->code = code;
    strncpy(err->message, text, sizeof err->message - 1);
    err->message[sizeof err->message - 1] = '\0';
  }
  return code;
}

static zbuf_status from_bytes_bad_status(const zbuf_impl *self, DLDevice device, const void *data,
                                         size_t size, zbuf_impl_buffer **out, zbuf_error *err) {
  (void)self, (void)device, (void)data, (void)size, (void)out, (void)err;
  return (zbuf_status)42;
}

static zbuf_status from_bytes_crash(const zbuf_impl *self, DLDevice device, const void *data, size_t size,
                                    zbuf_impl_buffer **out, zbuf_error *err) {
  (void)self, (void)device, (void)data, (void)size, (void)out, (void)err;
  raise(SIGSEGV); /* what a NULL dereference would do, without relying on undefined behaviour */
  return ZBUF_EINTERNAL;
}

static zbuf_status from_bytes_hang(const zbuf_impl *self, DLDevice device, const void *data, size_t size,
                                   zbuf_impl_buffer **out, zbuf_error *err) {
  (void)self, (void)device, (void)data, (void)size, (void)out, (void)err;
  for (;;) pause();
  return ZBUF_EINTERNAL;
}

static zbuf_status to_bytes_zeros(const zbuf_impl *self, const zbuf_impl_buffer *buf, void *dst,
                                  size_t dst_size, zbuf_error *err) {
  (void)self, (void)buf, (void)err;
  memset(dst, 0, dst_size);
  return ZBUF_OK;
}

static void release_nothing(const zbuf_impl *self, zbuf_impl_buffer *buf) { (void)self, (void)buf; }

static zbuf_status slice_crash(const zbuf_impl *self, const zbuf_impl_buffer *buf, zbuf_slice slice,
                               zbuf_impl_buffer **out, zbuf_error *err) {
  (void)self, (void)buf, (void)slice, (void)out, (void)err;
  raise(SIGSEGV);
  return ZBUF_EINTERNAL;
}

static zbuf_status slice_hang(const zbuf_impl *self, const zbuf_impl_buffer *buf, zbuf_slice slice,
                              zbuf_impl_buffer **out, zbuf_error *err) {
  (void)self, (void)buf, (void)slice, (void)out, (void)err;
  for (;;) pause();
  return ZBUF_EINTERNAL;
}

static zbuf_status (*ref_from_bytes)(const zbuf_impl *, DLDevice, const void *, size_t, zbuf_impl_buffer **,
                                     zbuf_error *);
static zbuf_status from_bytes_sticky(const zbuf_impl *self, DLDevice device, const void *data, size_t size,
                                     zbuf_impl_buffer **out, zbuf_error *err) {
  static int calls; /* per process: what a worker's earlier tests leave behind */
  if (++calls > 4) return set_error(err, ZBUF_EINTERNAL, "sticky: worn out by earlier calls in this process");
  return ref_from_bytes(self, device, data, size, out, err);
}

zbuf_status zbuf_impl_entry(uint32_t requested_abi, const char *config, const zbuf_impl **out,
                            zbuf_error *err) {
  const char *c = config ? config : "refuse";
  *out = NULL;
  if (strcmp(c, "refuse") == 0) {
    char text[160];
    snprintf(text, sizeof text,
             "bad-plugin implements implementation ABI version 99 only; the caller requested "
             "version %u",
             (unsigned)requested_abi);
    return set_error(err, ZBUF_EUNSUPPORTED, text);
  }
  if (strcmp(c, "garbage") == 0) return (zbuf_status)1234;
  if (strcmp(c, "null-table") == 0) return ZBUF_OK;
  const zbuf_impl *ref = NULL;
  zbuf_status st = zbuf_ref_impl_entry(requested_abi, "cpu", &ref, err);
  if (st != ZBUF_OK) return st;
  broken = *ref;
  broken.name = "bad-plugin";
  broken.description = c;
  if (strcmp(c, "wrong-table") == 0)
    broken.abi_version = 99;
  else if (strcmp(c, "bad-status") == 0)
    broken.buffer_from_bytes = from_bytes_bad_status;
  else if (strcmp(c, "crash") == 0)
    broken.buffer_from_bytes = from_bytes_crash;
  else if (strcmp(c, "hang") == 0)
    broken.buffer_from_bytes = from_bytes_hang;
  else if (strcmp(c, "wrong-bytes") == 0)
    broken.buffer_to_bytes = to_bytes_zeros;
  else if (strcmp(c, "leak") == 0)
    broken.buffer_release = release_nothing;
  else if (strcmp(c, "slice-crash") == 0)
    broken.buffer_slice = slice_crash;
  else if (strcmp(c, "slice-hang") == 0)
    broken.buffer_slice = slice_hang;
  else if (strcmp(c, "wrong-bytes-slice-crash") == 0)
    broken.buffer_to_bytes = to_bytes_zeros, broken.buffer_slice = slice_crash;
  else if (strcmp(c, "sticky") == 0)
    ref_from_bytes = ref->buffer_from_bytes, broken.buffer_from_bytes = from_bytes_sticky;
  else if (strcmp(c, "claims-nothing") == 0) {
    /* Every operation, from shutdown to the end of the table, left NULL. */
    memset((char *)&broken + offsetof(zbuf_impl, shutdown), 0, sizeof broken - offsetof(zbuf_impl, shutdown));
    broken.capabilities = 0;
  }
  else
    return set_error(err, ZBUF_EINVAL, "unknown bad-plugin config");
  *out = &broken;
  return ZBUF_OK;
}
