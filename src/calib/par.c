/*
 * Several processes: model evaluations spread over MPI ranks.
 *
 * Everything MPI-specific in pathways lives in this file. Built without
 * PW_WITH_MPI it describes one process (rank 0 of 1) and pwi_par_eval is
 * the plain OpenMP loop, so callers (abc.c, sobol.c, the CLI) never test
 * for MPI themselves.
 *
 * Why results do not depend on the number of ranks: every rank runs the
 * same deterministic driver (ABC-SMC, Sobol, Morris) on the same inputs, so
 * all ranks build the same batch of points. Point e of a batch is evaluated
 * with the unique index index0 + e, from which stochastic models seed
 * themselves, by exactly one rank: rank r takes the r-th contiguous block.
 * MPI_Allgatherv then gives every rank all outputs in index order, and the
 * driver goes on identically everywhere. Which process or thread computed
 * a number never enters the number.
 */
#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef PW_WITH_MPI
#include <mpi.h>
#endif

#include "pathways/calib.h"
#include "calib_internal.h"

static int par_rank = 0, par_size = 1;
#ifdef PW_WITH_MPI
static int par_started = 0; /* this module called MPI_Init_thread */
static int par_stderr = -1; /* ranks > 0: the real stderr, for pw_par_finish */
static int par_solo = 0;    /* pw_par_solo: the collective work is over */
#endif

int pw_par_mpi(void)
{
#ifdef PW_WITH_MPI
    return 1;
#else
    return 0;
#endif
}

int pw_par_rank(void)
{
    return par_rank;
}

int pw_par_size(void)
{
    return par_size;
}

#ifdef PW_WITH_MPI
/*
 * True when a launcher started this process as part of a job. Starting MPI
 * in a lone process (a "singleton") costs about 0.6 s here, as OpenMPI
 * forks a daemon; a run without mpirun is one rank anyway, so it does not
 * start MPI at all. Launchers announce themselves in the environment:
 * OpenMPI's mpirun (OMPI_COMM_WORLD_SIZE), PMIx ones such as OpenMPI 5
 * and srun --mpi=pmix (PMIX_RANK), MPICH's and Intel's Hydra (PMI_RANK),
 * srun with PMI-2 (PMI_SIZE). Under a launcher not listed, every process
 * would run the whole job alone: slower, but the same files.
 */
static int launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                                       "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}
#endif

int pw_par_init(int *argc, char ***argv, pw_error *err)
{
#ifdef PW_WITH_MPI
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited && !launched())
        return PW_OK; /* one process: rank 0 of 1, MPI never started */
    if (!inited) {
        /* Only the main thread calls MPI; OpenMP threads only evaluate. */
        int provided = 0;
        if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
            return pw_error_set(err, PW_EIO, NULL, 0, NULL, "MPI_Init_thread failed");
        par_started = 1;
        if (provided < MPI_THREAD_FUNNELED)
            return pw_error_set(err, PW_EINVAL, NULL, 0, NULL,
                                "this MPI library cannot be used from an OpenMP program "
                                "(thread level %d)", provided);
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &par_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &par_size);
    /* Ranks other than 0 compute the same tables and messages as rank 0;
     * silencing their stdout and stderr keeps the output of a run the same
     * as with one process. The real stderr is kept for pw_par_finish. */
    if (par_rank > 0) {
        fflush(stdout);
        fflush(stderr);
        par_stderr = dup(STDERR_FILENO);
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            return pw_error_set(err, PW_EIO, "/dev/null", 0, NULL,
                                "cannot silence rank %d", par_rank);
    }
    return PW_OK;
#else
    (void)argc;
    (void)argv;
    (void)err;
    return PW_OK;
#endif
}

void pw_par_solo(void)
{
#ifdef PW_WITH_MPI
    par_solo = 1;
#endif
}

int pw_par_finish(int code)
{
#ifdef PW_WITH_MPI
    int inited = 0, finalized = 0;
    MPI_Initialized(&inited);
    MPI_Finalized(&finalized);
    if (!inited || finalized || !par_started)
        return code;
    /* After the collective work (pw_par_solo) every rank reaches
     * MPI_Finalize whatever rank 0's outcome, so it cannot wait in vain;
     * an abort there was seen to leave Open MPI's mpiexec hanging with
     * every rank already gone. */
    if (code == 0 || par_size == 1 || par_solo) {
        MPI_Finalize();
        return code;
    }
    /*
     * A failure with several ranks. If it was local to this rank the others
     * may be waiting in a collective call for it, and MPI_Finalize would
     * wait for them: only MPI_Abort ends every rank for certain. Bad input
     * fails on every rank at once with the same message, which rank 0
     * prints; the other ranks give it a moment to do so (rank 0's abort
     * usually ends them first), then say which rank failed and abort.
     */
    fflush(stdout);
    fflush(stderr);
    if (par_rank > 0) {
        sleep(1);
        if (par_stderr >= 0) {
            char msg[160];
            int len = snprintf(msg, sizeof msg,
                               "pathways: rank %d of %d failed (exit code %d); its messages "
                               "are silenced, run with -np 1 to see them\n",
                               par_rank, par_size, code);
            if (len > 0 && write(par_stderr, msg, (size_t)len) < 0)
                len = 0; /* nothing more can be done about a failed stderr */
        }
    }
    MPI_Abort(MPI_COMM_WORLD, code);
    return code; /* not reached */
#else
    return code;
#endif
}

/* Block of rank r of `size` over n points: [n r / size, n (r+1) / size),
 * sizes differing by at most one. */
static size_t block_lo(size_t n, int r, int size)
{
    assert(r >= 0 && r <= size && n <= SIZE_MAX / (size_t)size);
    return n * (size_t)r / (size_t)size;
}

void pw_par_block(size_t n, size_t *lo, size_t *hi)
{
    *lo = block_lo(n, par_rank, par_size);
    *hi = block_lo(n, par_rank + 1, par_size);
}

int pw_par_gather(double *buf, size_t n, size_t stride)
{
#ifdef PW_WITH_MPI
    if (par_size <= 1)
        return PW_OK;
    /* Counts are ints in MPI: agree on whether they fit before any rank
     * enters the collective call, so that no rank waits alone. */
    int ok = n * stride <= (size_t)INT_MAX;
    int *counts = malloc((size_t)par_size * sizeof(int));
    int *displs = malloc((size_t)par_size * sizeof(int));
    ok = ok && counts && displs;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (!ok) {
        free(counts);
        free(displs);
        return n * stride > (size_t)INT_MAX ? PW_EINVAL : PW_ENOMEM;
    }
    for (int r = 0; r < par_size; r++) {
        size_t a = block_lo(n, r, par_size), b = block_lo(n, r + 1, par_size);
        counts[r] = (int)((b - a) * stride);
        displs[r] = (int)(a * stride);
    }
    size_t lo = block_lo(n, par_rank, par_size);
    int mrc = par_rank == 0
                  ? MPI_Gatherv(MPI_IN_PLACE, 0, MPI_DOUBLE, buf, counts, displs, MPI_DOUBLE, 0,
                                MPI_COMM_WORLD)
                  : MPI_Gatherv(buf + lo * stride, counts[par_rank], MPI_DOUBLE, NULL, NULL,
                                NULL, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    free(counts);
    free(displs);
    return mrc == MPI_SUCCESS ? PW_OK : PW_EIO;
#else
    (void)buf;
    (void)n;
    (void)stride;
    return PW_OK;
#endif
}

int pwi_par_eval(pw_eval_fn f, void *ctx, const double *X, const unsigned char *active,
                 size_t n, size_t dim, size_t n_out, uint64_t index0, int threads,
                 pw_progress *prog, double *Y, size_t *failed)
{
    assert(par_rank >= 0 && par_rank < par_size);
    size_t lo = block_lo(n, par_rank, par_size), hi = block_lo(n, par_rank + 1, par_size);
    int *st = malloc((hi > lo ? hi - lo : 1) * sizeof(int));
    int rc = PW_OK;
    *failed = n;
    if (!st)
        rc = PW_ENOMEM;
    /* The progress bar counts the whole batch; rank 0 stands for all. */
    double step = (double)par_size;
    if (st) {
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
        for (size_t e = lo; e < hi; e++) {
            double *y = Y + e * n_out;
            if (active && !active[e]) {
                /* Skipped points still travel in the gather: make them
                 * defined, and visibly not results. */
                for (size_t j = 0; j < n_out; j++)
                    y[j] = NAN;
                st[e - lo] = PW_OK;
            } else {
                st[e - lo] = f(ctx, X + e * dim, index0 + e, y);
            }
            pw_progress_add(prog, step);
        }
    }
    /* The lowest failing index, so that every rank and every thread count
     * reports the same failure. Key = index * 256 + (-status). */
    uint64_t key = UINT64_MAX;
    if (rc != PW_OK) {
        key = (uint64_t)lo << 8 | (uint64_t)(-rc & 0xff);
    } else {
        for (size_t e = lo; e < hi; e++)
            if (st[e - lo] != PW_OK) {
                key = (uint64_t)e << 8 | (uint64_t)(-st[e - lo] & 0xff);
                break;
            }
    }
    free(st);
#ifdef PW_WITH_MPI
    if (par_size > 1) {
        if (MPI_Allreduce(MPI_IN_PLACE, &key, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD) !=
            MPI_SUCCESS)
            return PW_EIO;
        /* Gather even after a failure: ABC-SMC still reads the outputs of
         * the points before the failing one. Counts are ints in MPI. */
        int *counts = malloc((size_t)par_size * sizeof(int));
        int *displs = malloc((size_t)par_size * sizeof(int));
        int ok = counts && displs && n * n_out <= (size_t)INT_MAX;
        /* Every rank must take the same branch: agree on `ok` first. */
        MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
        if (!ok) {
            free(counts);
            free(displs);
            return n * n_out > (size_t)INT_MAX ? PW_EINVAL : PW_ENOMEM;
        }
        for (int r = 0; r < par_size; r++) {
            size_t a = block_lo(n, r, par_size), b = block_lo(n, r + 1, par_size);
            counts[r] = (int)((b - a) * n_out);
            displs[r] = (int)(a * n_out);
        }
        int mrc = MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, Y, counts, displs,
                                 MPI_DOUBLE, MPI_COMM_WORLD);
        free(counts);
        free(displs);
        if (mrc != MPI_SUCCESS)
            return PW_EIO;
    }
#endif
    if (key == UINT64_MAX)
        return PW_OK;
    *failed = (size_t)(key >> 8);
    return -(int)(key & 0xff);
}
