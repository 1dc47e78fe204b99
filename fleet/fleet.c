/* zbuf fleet: MPI start, the node split, and collective steps that cannot hang. See fleet.h. */
#define _POSIX_C_SOURCE 200809L
#include "fleet.h"

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The roll call's messages: each rank's record length, point to point, so that rank 0 can tell who is missing
 * (a nonblocking collective only says that it has not completed). */
#define ROLL_CALL_TAG 7101

static MPI_Comm comm_of(void *c) { return *(MPI_Comm *)c; }

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int zbuf_fleet_launched(void) {
  /* Open MPI's mpirun, PMIx launchers (Open MPI 5, srun --mpi=pmix), PMI-1/2 (MPICH's hydra, srun
   * --mpi=pmi2), MPICH's own. */
  static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK",
                                     "MPI_LOCALNRANKS"};
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
    if (getenv(vars[i])) return 1;
  return 0;
}

int zbuf_fleet_start(int *argc, char ***argv, double timeout_s, zbuf_fleet *f, char *msg, size_t msg_size) {
  memset(f, 0, sizeof *f);
  f->timeout_s = timeout_s > 0 ? timeout_s : ZBUF_FLEET_DEFAULT_TIMEOUT_S;
  /* The tools fork test workers and never call MPI in them; Open MPI would warn about every fork. */
  setenv("OMPI_MCA_mpi_warn_on_fork", "0", 0);
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
    snprintf(msg, msg_size, "MPI_Init_thread failed");
    return -1;
  }
  if (provided < MPI_THREAD_SERIALIZED) {
    snprintf(msg, msg_size, "this MPI library gives thread level %d, zbuf needs MPI_THREAD_SERIALIZED (%d)",
             provided, MPI_THREAD_SERIALIZED);
    MPI_Finalize();
    return -1;
  }
  MPI_Comm *world = malloc(sizeof *world), *node = malloc(sizeof *node);
  if (!world || !node) {
    snprintf(msg, msg_size, "out of memory");
    free(world);
    free(node);
    MPI_Finalize();
    return -1;
  }
  MPI_Comm_dup(MPI_COMM_WORLD, world);
  /* Errors are answered by the return codes and the deadlines here, not by MPI's default abort. */
  MPI_Comm_set_errhandler(*world, MPI_ERRORS_RETURN);
  MPI_Comm_rank(*world, &f->rank);
  MPI_Comm_size(*world, &f->size);
  MPI_Comm_split_type(*world, MPI_COMM_TYPE_SHARED, f->rank, MPI_INFO_NULL, node);
  MPI_Comm_rank(*node, &f->local_rank);
  MPI_Comm_size(*node, &f->local_size);
  /* Node indices: the first rank of each node, in world order, numbers the nodes. */
  MPI_Comm leaders;
  MPI_Comm_split(*world, f->local_rank == 0 ? 0 : MPI_UNDEFINED, f->rank, &leaders);
  int ids[2] = {0, 0};
  if (leaders != MPI_COMM_NULL) {
    MPI_Comm_rank(leaders, &ids[0]);
    MPI_Comm_size(leaders, &ids[1]);
    MPI_Comm_free(&leaders);
  }
  MPI_Bcast(ids, 2, MPI_INT, 0, *node);
  f->node = ids[0];
  f->nodes = ids[1];
  MPI_Bcast(&f->nodes, 1, MPI_INT, 0, *world);
  if (gethostname(f->host, sizeof f->host) != 0) snprintf(f->host, sizeof f->host, "unknown");
  f->host[sizeof f->host - 1] = '\0';
  f->world = world;
  f->node_comm = node;
  return 0;
}

void zbuf_fleet_end(zbuf_fleet *f) {
  if (!f->world) return;
  MPI_Comm_free((MPI_Comm *)f->node_comm);
  MPI_Comm_free((MPI_Comm *)f->world);
  free(f->node_comm);
  free(f->world);
  f->world = f->node_comm = NULL;
  MPI_Finalize();
}

static void lost(const zbuf_fleet *f, const char *step, const char *who) {
  fprintf(stderr,
          "zbuf-fleet: rank %d (host %s): step '%s' did not complete within %.0f s: %s; stopping the job "
          "(exit %d)\n",
          f->rank, f->host, step, f->timeout_s, who, ZBUF_FLEET_EXIT_LOST);
  fflush(stderr);
  MPI_Abort(comm_of(f->world), ZBUF_FLEET_EXIT_LOST);
  _exit(ZBUF_FLEET_EXIT_LOST); /* MPI_Abort does not return; this keeps the promise if it did */
}

/* Polls the requests until all complete (1) or the deadline passes (0); a millisecond's sleep between polls
 * leaves the cores to the ranks that still work. */
static int wait_all(int n, MPI_Request *reqs, double deadline) {
  const struct timespec pause = {0, 1000000};
  for (;;) {
    int done = 0;
    if (MPI_Testall(n, reqs, &done, MPI_STATUSES_IGNORE) != MPI_SUCCESS) return 0;
    if (done) return 1;
    if (now_s() > deadline) return 0;
    nanosleep(&pause, NULL);
  }
}

/* Rank 0 hears each rank's record length; every rank then hears rank 0's go. Rank 0 names the ranks that did
 * not report; the others name rank 0 when it does not answer. */
static void roll_call(zbuf_fleet *f, const char *step, unsigned long long len, unsigned long long *lengths) {
  MPI_Comm world = comm_of(f->world);
  double deadline = now_s() + f->timeout_s;
  int go = 1;
  if (f->rank == 0) {
    lengths[0] = len;
    MPI_Request *reqs = calloc((size_t)f->size, sizeof *reqs);
    if (!reqs) lost(f, step, "out of memory for the roll call");
    for (int r = 1; r < f->size; r++)
      MPI_Irecv(&lengths[r], 1, MPI_UNSIGNED_LONG_LONG, r, ROLL_CALL_TAG, world, &reqs[r - 1]);
    if (!wait_all(f->size - 1, reqs, deadline)) {
      /* Which ranks: the requests still pending after one more test each (the first ones named). */
      char who[1024] = "no record from rank";
      size_t off = strlen(who);
      int missing = 0;
      for (int r = 1; r < f->size; r++) {
        int done = 0;
        if (reqs[r - 1] != MPI_REQUEST_NULL) MPI_Test(&reqs[r - 1], &done, MPI_STATUS_IGNORE);
        if (reqs[r - 1] == MPI_REQUEST_NULL || done) continue;
        if (++missing <= 32 && off < sizeof who)
          off += (size_t)snprintf(who + off, sizeof who - off, " %d", r);
      }
      if (off < sizeof who)
        snprintf(who + off, sizeof who - off, "%s (%d of %d ranks): dead or hung", missing > 32 ? " ..." : "",
                 missing, f->size);
      lost(f, step, who);
    }
    free(reqs);
    MPI_Request b;
    MPI_Ibcast(&go, 1, MPI_INT, 0, world, &b);
    if (!wait_all(1, &b, deadline + f->timeout_s)) lost(f, step, "the go of the roll call did not go out");
  } else {
    MPI_Request reqs[2];
    MPI_Isend(&len, 1, MPI_UNSIGNED_LONG_LONG, 0, ROLL_CALL_TAG, world, &reqs[0]);
    MPI_Ibcast(&go, 1, MPI_INT, 0, world, &reqs[1]);
    /* Rank 0 waits up to timeout_s for the last rank, then answers: allow it both. */
    if (!wait_all(2, reqs, deadline + 2 * f->timeout_s))
      lost(f, step, "rank 0 did not answer the roll call (dead, hung, or still waiting for another rank)");
  }
}

int zbuf_fleet_gather(zbuf_fleet *f, const char *step, const char *rec, size_t len, char **all,
                      size_t **offsets, size_t **lengths) {
  *all = NULL;
  *offsets = *lengths = NULL;
  if (len > INT32_MAX) lost(f, step, "a record larger than 2 GiB");
  unsigned long long *got = NULL;
  if (f->rank == 0) {
    got = calloc((size_t)f->size, sizeof *got);
    if (!got) lost(f, step, "out of memory for the record lengths");
  }
  roll_call(f, step, (unsigned long long)len, got);
  int *counts = NULL, *displs = NULL;
  char *buf = NULL;
  if (f->rank == 0) {
    counts = calloc((size_t)f->size, sizeof *counts);
    displs = calloc((size_t)f->size, sizeof *displs);
    *offsets = calloc((size_t)f->size, sizeof **offsets);
    *lengths = calloc((size_t)f->size, sizeof **lengths);
    size_t total = 0;
    for (int r = 0; r < f->size; r++) total += (size_t)got[r];
    if (total > INT32_MAX)
      lost(f, step, "the records together exceed 2 GiB (MPI_Gatherv's int displacements)");
    buf = malloc(total + 1);
    if (!counts || !displs || !*offsets || !*lengths || !buf) lost(f, step, "out of memory for the records");
    size_t at = 0;
    for (int r = 0; r < f->size; r++) {
      counts[r] = (int)got[r];
      displs[r] = (int)at;
      (*offsets)[r] = at;
      (*lengths)[r] = (size_t)got[r];
      at += (size_t)got[r];
    }
    buf[total] = '\0';
  }
  MPI_Request req;
  MPI_Igatherv(rec, (int)len, MPI_CHAR, buf, counts, displs, MPI_CHAR, 0, comm_of(f->world), &req);
  if (!wait_all(1, &req, now_s() + f->timeout_s))
    lost(f, step, "the records did not all arrive (a rank died after the roll call?)");
  free(counts);
  free(displs);
  free(got);
  *all = buf;
  return 0;
}

void zbuf_fleet_broadcast_int(zbuf_fleet *f, const char *step, int *value) {
  MPI_Request req;
  MPI_Ibcast(value, 1, MPI_INT, 0, comm_of(f->world), &req);
  if (!wait_all(1, &req, now_s() + f->timeout_s)) lost(f, step, "rank 0 did not send its value");
}

int zbuf_fleet_node_min(zbuf_fleet *f, const char *step, int value, double expected_s) {
  int out = value;
  MPI_Request req;
  MPI_Iallreduce(&value, &out, 1, MPI_INT, MPI_MIN, comm_of(f->node_comm), &req);
  if (!wait_all(1, &req, now_s() + expected_s + f->timeout_s))
    lost(f, step, "a rank of this node did not arrive (dead or hung)");
  return out;
}

void zbuf_fleet_barrier(zbuf_fleet *f, const char *step, double expected_s) {
  MPI_Request req;
  MPI_Ibarrier(comm_of(f->world), &req);
  if (!wait_all(1, &req, now_s() + expected_s + f->timeout_s)) lost(f, step, "a rank did not arrive");
}

void zbuf_fleet_test_hooks(const zbuf_fleet *f, const char *step) {
  const char *stall = getenv("ZBUF_FLEET_TEST_STALL_RANK"), *quit = getenv("ZBUF_FLEET_TEST_EXIT_RANK");
  if (quit && atoi(quit) == f->rank) {
    fprintf(stderr, "zbuf-fleet: rank %d exits 9 before '%s' ($ZBUF_FLEET_TEST_EXIT_RANK)\n", f->rank, step);
    fflush(stderr);
    _exit(9);
  }
  if (stall && atoi(stall) == f->rank) {
    fprintf(stderr, "zbuf-fleet: rank %d stalls before '%s' ($ZBUF_FLEET_TEST_STALL_RANK)\n", f->rank, step);
    fflush(stderr);
    for (;;) pause();
  }
}
