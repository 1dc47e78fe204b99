/* zbuf reference: host memcpy spread over a few worker threads, for the CPU side of pinned staging
 * (gpu_staging.cu), where one thread cannot keep up with a PCIe link. Not installed. */
#ifndef ZBUF_REF_PARALLEL_COPY_H
#define ZBUF_REF_PARALLEL_COPY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* memcpy(dst, src, n) (no overlap), split into parts that the caller and the workers copy at once when n is
 * large enough to pay for it (at least 2 MiB). The workers (ZBUF_COPY_THREADS, default min(4, cores - 1);
 * 0 turns them off) start on first use and live as long as the process. One copy uses the workers at a
 * time: a call made while another thread's copy holds them copies alone, so no call ever waits for another.
 */
void zbuf__parallel_memcpy(void *dst, const void *src, size_t n);

/* Number of worker threads (starting them if needed); 0 when the copies run on the caller alone. */
int zbuf__parallel_copy_workers(void);

#ifdef __cplusplus
}
#endif
#endif
