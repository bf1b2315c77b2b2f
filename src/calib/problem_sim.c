/*
 * Society scenarios as calibration problems: not available until the
 * simulator (include/pathways/sim.h) is implemented; see docs/calibration.md.
 */
#include "pathways/calib.h"
#include "calib_internal.h"

int pwi_problem_sim_new(const pw_problem_opts *o, const char *const *outputs, size_t n_out,
                        void **state, pw_space **space, int *start_year, pw_error *err)
{
    (void)outputs;
    (void)n_out;
    (void)state;
    (void)space;
    (void)start_year;
    return pw_error_set(err, PW_ENOTFOUND, NULL, 0, "scenario",
                        "'%s' is not a mean-field LH/LHY scenario, and calibrating society "
                        "scenarios needs the simulator, which is not built in yet",
                        o->scenario);
}

void pwi_problem_sim_free(void *state)
{
    (void)state;
}

int pwi_problem_sim_eval(void *state, const double *x, uint64_t index, double *y)
{
    (void)state;
    (void)x;
    (void)index;
    (void)y;
    return PW_EINVAL;
}
