/*
 * Police detection, limited by capacity (enforcement swamping). The
 * capacity factor itself is updated once a week in world.c (pwi_week_step).
 */
#include "model.h"

/* Whether police detect an offence with base probability p, limited by
 * capacity (Kleiman's enforcement swamping: P = p min(1, E / N)). */
int pwi_detected(world *w, double u, double p)
{
    w->expected_detections += p;
    return u < p * w->detect_factor;
}
