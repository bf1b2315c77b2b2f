/*
 * Costs: every charge is discounted to the start of the run and added to
 * its bucket and to the total of the year.
 */
#include "model.h"

void pwi_add_cost(world *w, double kzt, double *bucket)
{
    double c = kzt * w->discount;
    *bucket += c;
    w->yc.cost += c;
}
