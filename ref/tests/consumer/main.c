/* zbuf install test consumer: uses only the installed headers and library. It copies bytes into a Buffer,
 * reads them back, and checks that they survive the round trip, that the version and the DLPack header agree
 * with the library, and that nothing stays allocated. Exit status 0 when all of that holds, 1 otherwise. */
#include <stdio.h>
#include <string.h>

#include <zbuf/dlpack.h>
#include <zbuf/zbuf.h>

static int failures;

static void check(int ok, const char *what) {
  printf("%s %s\n", ok ? "ok:  " : "FAIL:", what);
  if (!ok) failures++;
}

int main(void) {
  static const char text[] = "zbuf install test: bytes in, bytes out";
  const size_t n = sizeof text;
  zbuf_error err = {0};
  zbuf_buffer *buf = NULL;

  check(strcmp(zbuf_version(), ZBUF_VERSION_STRING) == 0, "library version matches the installed header");

  zbuf_status st = zbuf_buffer_from_bytes(ZBUF_CPU, text, n, &buf, &err);
  if (st != ZBUF_OK) {
    printf("FAIL: zbuf_buffer_from_bytes returned %s: %s\n", zbuf_status_name(st), err.message);
    return 1;
  }
  check(zbuf_buffer_length(buf) == n, "buffer length equals the number of bytes given");

  char back[sizeof text];
  memset(back, 0, sizeof back);
  st = zbuf_buffer_to_bytes(buf, back, sizeof back, &err);
  check(st == ZBUF_OK, "zbuf_buffer_to_bytes succeeds");
  check(memcmp(back, text, n) == 0, "bytes read back equal the bytes written");

  /* A too-small destination is an error with a message, and nothing is written. */
  char small[4] = {0};
  st = zbuf_buffer_to_bytes(buf, small, sizeof small, &err);
  check(st == ZBUF_EINVAL && err.message[0] != '\0', "a too-small destination gives EINVAL and a message");
  check(small[0] == 0 && small[3] == 0, "a too-small destination is left unchanged");

  zbuf_buffer_release(buf);

  DLDataType f8 = zbuf_dlpack_dtype(ZBUF_FLOAT64);
  check(f8.code == kDLFloat && f8.bits == 64 && f8.lanes == 1, "DLPack dtype of float64 is kDLFloat/64/1");

  zbuf_alloc_stats s = zbuf_alloc_stats_get();
  check(s.blocks == 0 && s.bytes == 0 && s.handles == 0, "nothing is left allocated after release");

  if (failures) {
    printf("%d check(s) failed\n", failures);
    return 1;
  }
  printf("all checks passed\n");
  return 0;
}
