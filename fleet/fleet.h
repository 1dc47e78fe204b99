/* zbuf fleet: what zbuf-bench and zbuf-conform share when they run as MPI ranks (mpirun, srun).
 *
 * One rank per GPU (or per NUMA node on machines without one). Every rank knows its node-local rank
 * (MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)), its node's index and its host; rank 0 gathers one compact
 * record per rank (MPI_Gatherv) and writes the merged result. A rank that dies or hangs must not hang the
 * job: every collective step is nonblocking and polled against a deadline (timeout_s), after which the rank
 * that waited says which step and, where it can tell, which ranks did not arrive, and aborts the job (exit
 * 3).
 *
 * Built only with ZBUF_WITH_MPI; the tools call it only when zbuf_fleet_launched() or an explicit option says
 * so, so that a binary started without a launcher behaves exactly as one built without MPI. Only the calling
 * process's main thread, or one thread at a time, may call these functions (MPI_THREAD_SERIALIZED); forked
 * children never do. */
#ifndef ZBUF_FLEET_H
#define ZBUF_FLEET_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Exit status of a job stopped because a rank did not arrive at a collective step in time. */
#define ZBUF_FLEET_EXIT_LOST 3
/** Default seconds a rank waits at a collective step (--mpi-timeout). */
#define ZBUF_FLEET_DEFAULT_TIMEOUT_S 120.0

typedef struct zbuf_fleet {
  int rank, size;             /* in MPI_COMM_WORLD */
  int local_rank, local_size; /* among the ranks that share this node */
  int node, nodes;            /* this node's index (ordered by its lowest world rank), the node count */
  char host[256];
  double timeout_s; /* how long a rank waits at a collective step beyond what the step is expected to take */
  void *world;      /* MPI_Comm (opaque here, so that this header needs no mpi.h) */
  void *node_comm;  /* MPI_Comm of this node's ranks */
} zbuf_fleet;

/** Whether this process was started by an MPI launcher: mpirun/mpiexec (Open MPI, MPICH, PMIx) or srun with
 * an MPI plugin. Reads the environment only. */
int zbuf_fleet_launched(void);

/** MPI_Init (thread level SERIALIZED), the node split and the host name. Returns 0, or -1 with msg. Turns off
 * Open MPI's warning about fork() unless the user set it: the tools fork workers that never call MPI. */
int zbuf_fleet_start(int *argc, char ***argv, double timeout_s, zbuf_fleet *f, char *msg, size_t msg_size);

/** Ends MPI (MPI_Finalize). */
void zbuf_fleet_end(zbuf_fleet *f);

/** Every rank sends `len` bytes at `rec`; rank 0 receives them all, in rank order, in one malloc'd buffer
 * (*all, free it), with each rank's offset and length (*offsets and *lengths, size entries each, malloc'd).
 * Other ranks get NULLs. First a roll call with a deadline (rank 0 names the ranks that did not report), then
 * MPI_Igatherv. `step` names the step in messages. Returns 0; aborts the job when a rank is lost. */
int zbuf_fleet_gather(zbuf_fleet *f, const char *step, const char *rec, size_t len, char **all,
                      size_t **offsets, size_t **lengths);

/** Rank 0's *value reaches every rank (MPI_Ibcast with a deadline). */
void zbuf_fleet_broadcast_int(zbuf_fleet *f, const char *step, int *value);

/** The ranks of this node agree: returns the minimum of `value` over them, after every one of them arrived
 * (MPI_Iallreduce on the node; a barrier that also decides together). `expected_s` is what the step may take
 * before the timeout starts counting (in independent mode, a whole rank's run). */
int zbuf_fleet_node_min(zbuf_fleet *f, const char *step, int value, double expected_s);

/** A barrier over all ranks with a deadline of expected_s + timeout_s. */
void zbuf_fleet_barrier(zbuf_fleet *f, const char *step, double expected_s);

/** Test hook: when $ZBUF_FLEET_TEST_STALL_RANK names this rank, it sleeps forever before `step` names the
 * stalled step (a hung rank); $ZBUF_FLEET_TEST_EXIT_RANK, it exits 9 there without finalizing (a dead rank).
 * Called by the tools before their first collective step of results. */
void zbuf_fleet_test_hooks(const zbuf_fleet *f, const char *step);

#ifdef __cplusplus
}
#endif
#endif
