/* Unit tests of the CUDA backend on a machine without a usable GPU: device memory kinds answer ENODEV, naming
 * why, and nothing is left allocated. On a machine with a GPU the test skips (test_gpu_backend.c runs there);
 * in a build without CUDA it skips too. */
#include "test.h"

#ifndef ZBUF_WITH_CUDA
TEST(cuda_backend_is_not_built) { SKIP("zbuf was built without CUDA support"); }
#else

#include "gpu_internal.h"

static const zbuf_device CUDA0 = {ZBUF_DEVICE_CUDA, 0};
static const zbuf_device PINNED = {ZBUF_DEVICE_CUDA_HOST, 0};

TEST(without_a_device_cuda_and_cuda_host_answer_enodev) {
  zbuf_error e = {0}, *err = &e;
  if (zbuf_device_check(CUDA0, NULL) == ZBUF_OK) SKIP("a CUDA device is usable here");
  ASSERT_STATUS(ZBUF_ENODEV, zbuf_device_check(CUDA0, err), err);
  ASSERT(strstr(err->message, "cudaGetDeviceCount") != NULL);
  ASSERT_STATUS(ZBUF_ENODEV, zbuf_device_check(PINNED, err), err);
  zbuf_buffer *b = NULL;
  ASSERT_STATUS(ZBUF_ENODEV, zbuf_buffer_from_bytes(CUDA0, "abc", 3, &b, err), err);
  ASSERT_STATUS(ZBUF_ENODEV, zbuf_buffer_from_bytes(PINNED, "abc", 3, &b, err), err);
  ASSERT(b == NULL);
  char out[3];
  ASSERT_STATUS(ZBUF_ENODEV, zbuf__mem_copy(out, ZBUF_CPU, (void *)"abc", CUDA0, 3, err), err);
  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  ASSERT_INT_EQ(s.blocks, 0);
  ASSERT_INT_EQ(s.bytes, 0);
  ASSERT_INT_EQ(s.handles, 0);
}

#endif
