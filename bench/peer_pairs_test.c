/* The pairs of the peer copy matrix (peer_copy.c), without a GPU: every ordered pair of distinct GPUs once,
 * or a fleet rank's row only. Exits 1 with the failed check on stderr. */
#include <stdio.h>

#include "bench.h"

static int failures;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                              \
    }                                                                          \
  } while (0)

int main(void) {
  int pairs[64][2], seen[8][8] = {{0}};
  CHECK(zbuf_bench_peer_pairs(0, -1, pairs, 64) == 0);
  CHECK(zbuf_bench_peer_pairs(1, -1, pairs, 64) == 0); /* one GPU: no matrix */
  int n = zbuf_bench_peer_pairs(8, -1, pairs, 64);
  CHECK(n == 56); /* 8 x 7 ordered pairs */
  for (int i = 0; i < n && i < 64; i++) {
    CHECK(pairs[i][0] != pairs[i][1]);
    seen[pairs[i][0]][pairs[i][1]]++;
  }
  for (int s = 0; s < 8; s++)
    for (int d = 0; d < 8; d++) CHECK(seen[s][d] == (s != d));
  n = zbuf_bench_peer_pairs(4, 2, pairs, 64);
  CHECK(n == 3);
  for (int i = 0; i < n; i++) CHECK(pairs[i][0] == 2 && pairs[i][1] != 2);
  CHECK(zbuf_bench_peer_pairs(4, -1, NULL, 0) == 12);  /* counting only */
  CHECK(zbuf_bench_peer_pairs(4, -1, pairs, 5) == 12); /* a short array is not overrun */
  if (!failures) printf("ok: peer pairs\n");
  return failures ? 1 : 0;
}
