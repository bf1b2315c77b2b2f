/*
 * Peer ties (ties.c): the initial network, a CSR built per neighbourhood
 * block, shared read-only by the regimes' copies of a world; and the ties
 * made during the run (newcomers taking the ties that people who left
 * have left open), private to each world. The store's fields are in
 * struct pwi_world (model.h, "Peer ties made during the run"); this is
 * the module's interface.
 */
#ifndef PW_SIM_TIES_H
#define PW_SIM_TIES_H

#include <stdint.h>

#include "sim_internal.h"

/* One agent's ties made during the run: n partners at xt_pool[off ..
 * off + n), oldest first, in a block of the size class that holds n; base
 * is the agent's degree in the initial CSR (0 for newcomers), kept here
 * so that counting a's ties or reading one made during the run touches
 * one 8-byte entry (it fits: a degree is below ties.neighbourhood_size,
 * at most 4096). */
typedef struct pwi_xt {
    uint32_t off;
    uint16_t n, base;
} pwi_xt;

/* Block size classes of xt_pool: 1, 2, 3, 4, 6, 8, 12, ... 65536 halves
 * (see class_cap in ties.c). */
enum { PWI_XT_CLASSES = 32 };

/* Builds the peer-tie CSR (tie_off, tie) of the initial agents. */
int pwi_build_ties(pwi_world *w);
/* Agent a has left (death or emigration): each living partner gets an
 * open stub in its block, for a newcomer to take (sets w->error). a's own
 * list of ties made during the run is dropped (nothing reads a departed
 * person's ties; its partners keep theirs). */
void pwi_ties_vacate(pwi_world *w, uint32_t a);
/* Gives newcomer c (born or arrived at `week`) peer ties in its block
 * (w->newblk; UINT32_MAX: an immigrant, who settles in the immigrants'
 * block, chosen here). */
int pwi_ties_join(pwi_world *w, uint32_t c, int week);
/* Grows the per-agent extra-tie entries after w->cap grew from old_cap. */
int pwi_ties_grow(pwi_world *w, uint32_t old_cap);
/* Neighbourhood block of agent a. */
uint32_t pwi_block_of(const pwi_world *w, uint32_t a);
/* Peer ties of a (initial and made during the run, living or not). */
uint32_t pwi_tie_count(const pwi_world *w, uint32_t a);
/* The k-th of a's peer ties (k < pwi_tie_count): the initial ones in CSR
 * order, then the ones made during the run, newest first. */
uint32_t pwi_tie_at(const pwi_world *w, uint32_t a, uint32_t k);

/* Deep copy of src's ties made during the run (the per-agent entries,
 * the pool, the open stubs, the newcomers' blocks) into dst, a world of
 * the same agents (dst->cap == src->cap): dst gets its own copy and the
 * two evolve apart from then on; the initial CSR stays shared. dst's tie
 * store fields are overwritten, not freed (a shallow struct copy of src
 * is the expected dst). On PW_ENOMEM dst's store is left empty and
 * pwi_ties_free-able. */
int pwi_ties_copy(pwi_world *dst, const pwi_world *src);
/* Drops the initial ties of departed agents from the CSR when they are
 * an eighth of it or more (a world that owns its CSR only; no-op
 * otherwise): nothing reads them again, and by the end of a run that
 * starts in 2011 they are a third of it. */
int pwi_ties_compact(pwi_world *w);
/* Frees w's ties made during the run (not the shared CSR). */
void pwi_ties_free(pwi_world *w);

#endif
