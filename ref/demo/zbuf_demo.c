/* zbuf-demo: a walk through the zbuf API, printing what happens at each step.
 *
 * Read it top to bottom: Buffers (bytes in one memory space), slices that share memory, combine, then an
 * NDBuffer created with a fill value, reshaped, transposed, cast with astype and compared with all_equal.
 * Every call's status is checked; the first failure prints the status name and message and exits 1. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zbuf/zbuf.h"

/* Stops the demo when a call fails, naming the call, the status and the library's message. */
static void check(zbuf_status st, const char *call, const zbuf_error *err) {
  if (st == ZBUF_OK) return;
  fprintf(stderr, "zbuf-demo: %s returned %s (%s): %s\n", call, zbuf_status_name(st),
          zbuf_status_python_class(st), err->message);
  exit(1);
}
#define CHECK(call) check((call), #call, &err)

/* Stops the demo when something the API promises does not hold. */
static void expect(int ok, const char *what) {
  if (ok) return;
  fprintf(stderr, "zbuf-demo: expected %s\n", what);
  exit(1);
}

static void print_bytes(const char *label, const zbuf_buffer *buf) {
  char text[128];
  size_t n = zbuf_buffer_length(buf);
  zbuf_error err = {0};
  expect(n < sizeof text, "a short buffer for printing");
  CHECK(zbuf_buffer_to_bytes(buf, text, sizeof text, &err));
  text[n] = '\0';
  printf("  %-26s %zu bytes \"%s\"\n", label, n, text);
}

static void print_shape(const char *label, const zbuf_ndbuffer *a) {
  char dtype[8];
  const int64_t *shape = zbuf_ndbuffer_shape(a);
  const int64_t *strides = zbuf_ndbuffer_strides(a);
  size_t ndim = zbuf_ndbuffer_ndim(a);
  printf("  %-26s dtype %s shape (", label, zbuf_dtype_str(zbuf_ndbuffer_dtype(a), dtype));
  for (size_t i = 0; i < ndim; i++) printf("%s%" PRId64, i ? ", " : "", shape[i]);
  printf(") strides (");
  for (size_t i = 0; i < ndim; i++) printf("%s%" PRId64, i ? ", " : "", strides[i]);
  printf(") %s\n", zbuf_ndbuffer_is_contiguous(a, ZBUF_ORDER_C)   ? "C-contiguous"
                   : zbuf_ndbuffer_is_contiguous(a, ZBUF_ORDER_F) ? "F-contiguous"
                                                                  : "strided");
}

static void demo_buffers(void) {
  zbuf_error err = {0};
  char device[24];
  printf("Buffers: flat bytes in one memory space (Zarr-Python Buffer)\n");

  zbuf_prototype proto = zbuf_default_prototype();
  printf("  default prototype          buffer=%s", zbuf_device_str(proto.buffer, device));
  printf(" nd_buffer=%s\n", zbuf_device_str(proto.nd_buffer, device));

  zbuf_buffer *hello = NULL, *world = NULL;
  CHECK(zbuf_buffer_from_bytes(proto.buffer, "hello, ", 7, &hello, &err));
  CHECK(zbuf_buffer_from_bytes(proto.buffer, "world", 5, &world, &err));
  print_bytes("from_bytes", hello);
  print_bytes("from_bytes", world);

  /* A slice is a view: it shares memory with the buffer it was cut from. */
  zbuf_buffer *ell = NULL;
  CHECK(zbuf_buffer_slice(hello, ZBUF_SLICE(1, 4), &ell, &err));
  print_bytes("hello[1:4]", ell);
  expect((char *)zbuf_buffer_data(ell) == (char *)zbuf_buffer_data(hello) + 1, "the slice to share memory");

  /* Negative bounds count from the end, as in Python. */
  zbuf_buffer *tail = NULL;
  CHECK(zbuf_buffer_slice(world, ZBUF_SLICE(-3, 5), &tail, &err));
  print_bytes("world[-3:5]", tail);

  /* A step other than 1 is not a contiguous run of bytes, so Buffer refuses it. */
  zbuf_buffer *bad = NULL;
  zbuf_status st = zbuf_buffer_slice(hello, ZBUF_SLICE_STEP(0, 7, 2), &bad, &err);
  printf("  hello[0:7:2]               %s: %s\n", zbuf_status_name(st), err.message);
  expect(st == ZBUF_EINVAL && bad == NULL, "a stepped Buffer slice to be EINVAL");

  /* combine concatenates into a new buffer (Zarr-Python `self + other`). */
  const zbuf_buffer *parts[] = {hello, world};
  zbuf_buffer *both = NULL;
  CHECK(zbuf_buffer_combine(parts, 2, &both, &err));
  print_bytes("combine(hello, world)", both);

  /* set_slice writes through: views of the same memory see the change. */
  zbuf_buffer *upper = NULL;
  CHECK(zbuf_buffer_from_bytes(proto.buffer, "ELL", 3, &upper, &err));
  CHECK(zbuf_buffer_set_slice(hello, ZBUF_SLICE(1, 4), upper, &err));
  print_bytes("hello after [1:4] = ELL", hello);
  print_bytes("the view hello[1:4]", ell);
  print_bytes("combine made a copy", both);

  int equal = 0;
  CHECK(zbuf_buffer_equal(ell, upper, &equal, &err));
  printf("  hello[1:4] == \"ELL\"        %s\n", equal ? "true" : "false");
  expect(equal, "the view to see the write");

  zbuf_buffer_release(upper);
  zbuf_buffer_release(both);
  zbuf_buffer_release(tail);
  zbuf_buffer_release(ell);
  zbuf_buffer_release(world);
  zbuf_buffer_release(hello);
}

static void demo_ndbuffers(void) {
  zbuf_error err = {0};
  printf("NDBuffers: typed n-dimensional arrays (Zarr-Python NDBuffer)\n");

  /* A 2 x 6 array of int32 filled with 7. */
  const int64_t shape[] = {2, 6};
  const int32_t seven = 7;
  zbuf_dtype i4 = zbuf_dtype_native(ZBUF_INT32);
  zbuf_ndbuffer *a = NULL;
  CHECK(zbuf_ndbuffer_create(ZBUF_CPU, 2, shape, i4, ZBUF_ORDER_C, &seven, &a, &err));
  print_shape("create((2, 6), fill=7)", a);

  int equal = 0;
  CHECK(zbuf_ndbuffer_all_equal_scalar(a, &seven, 0, &equal, &err));
  printf("  all_equal(7)               %s\n", equal ? "true" : "false");
  expect(equal, "every element to be 7");

  /* Write a distinct value into row 1, column 4, so that the views below can be followed. */
  const zbuf_index at[] = {ZBUF_AT(1), ZBUF_AT(4)};
  const int32_t forty_two = 42;
  CHECK(zbuf_ndbuffer_set_item_scalar(a, 2, at, &forty_two, &err));
  CHECK(zbuf_ndbuffer_all_equal_scalar(a, &seven, 0, &equal, &err));
  printf("  a[1, 4] = 42; all_equal(7) %s\n", equal ? "true" : "false");
  expect(!equal, "all_equal to notice the 42");

  /* reshape of a contiguous array is a view. */
  const int64_t shape3[] = {3, -1};
  zbuf_ndbuffer *r = NULL;
  CHECK(zbuf_ndbuffer_reshape(a, 2, shape3, &r, &err));
  print_shape("reshape((3, -1))", r);
  expect(zbuf_ndbuffer_data(r) == zbuf_ndbuffer_data(a), "reshape of a contiguous array to be a view");

  /* transpose permutes strides; still a view. Element [1, 4] of a is [2, 2] of r and of its transpose. */
  zbuf_ndbuffer *t = NULL;
  CHECK(zbuf_ndbuffer_transpose(r, 0, NULL, &t, &err));
  print_shape("transpose()", t);
  const zbuf_index at_t[] = {ZBUF_AT(2), ZBUF_AT(2)};
  zbuf_ndbuffer *elem = NULL;
  int32_t value = 0;
  CHECK(zbuf_ndbuffer_get_item(t, 2, at_t, &elem, &err));
  CHECK(zbuf_ndbuffer_as_scalar(elem, &value, sizeof value, &err));
  printf("  transpose()[2, 2]          %" PRId32 "\n", value);
  expect(value == 42, "the transposed view to show the 42");

  /* astype copies into a new C-ordered array of another dtype, here big-endian float64. */
  zbuf_dtype f8be = {ZBUF_FLOAT64, ZBUF_BIG};
  zbuf_ndbuffer *f = NULL;
  CHECK(zbuf_ndbuffer_astype(t, f8be, &f, &err));
  print_shape("astype(\">f8\")", f);

  /* all_equal with an array compares values, casting the second operand to the first one's dtype. */
  CHECK(zbuf_ndbuffer_all_equal(f, t, 0, &equal, &err));
  printf("  all_equal(astype, source)  %s\n", equal ? "true" : "false");
  expect(equal, "the cast to keep every value");

  /* Errors name the argument and the problem. */
  const int64_t wrong[] = {5, 5};
  zbuf_ndbuffer *bad = NULL;
  zbuf_status st = zbuf_ndbuffer_reshape(a, 2, wrong, &bad, &err);
  printf("  reshape((5, 5))            %s: %s\n", zbuf_status_name(st), err.message);
  expect(st == ZBUF_EINVAL && bad == NULL, "a size-changing reshape to be EINVAL");

  zbuf_ndbuffer_release(f);
  zbuf_ndbuffer_release(elem);
  zbuf_ndbuffer_release(t);
  zbuf_ndbuffer_release(r);
  zbuf_ndbuffer_release(a);
}

int main(void) {
  printf("zbuf %s: a walk through the API\n\n", zbuf_version());
  demo_buffers();
  printf("\n");
  demo_ndbuffers();

  /* Every handle was released, so the reference holds nothing. */
  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  printf("\nlive allocations at exit: %" PRId64 " blocks, %" PRId64 " bytes, %" PRId64 " handles\n", s.blocks,
         s.bytes, s.handles);
  expect(s.blocks == 0 && s.bytes == 0 && s.handles == 0, "nothing to be left allocated");
  printf("done\n");
  return 0;
}
