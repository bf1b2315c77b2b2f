/*
 * A progress bar on stderr for long runs.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pathways/core.h"

struct pw_progress {
    pthread_mutex_t mu;
    char label[64];
    double total, done;
    double started, last_draw;
    int visible;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void draw(pw_progress *p, int final)
{
    double frac = p->total > 0 ? p->done / p->total : 1.0;
    if (frac > 1)
        frac = 1;
    int width = 30, fill = (int)(frac * width + 0.5);
    double el = now() - p->started;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    if (frac > 0.02 && !final)
        fprintf(stderr, "\r%s [%s] %3.0f%%  %.0fs elapsed, ~%.0fs left ", p->label, bar,
                frac * 100, el, el / frac - el);
    else
        fprintf(stderr, "\r%s [%s] %3.0f%%  %.0fs elapsed          ", p->label, bar, frac * 100,
                el);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

pw_progress *pw_progress_start(const char *label, double total)
{
    pw_progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->mu, NULL);
    snprintf(p->label, sizeof p->label, "%s", label);
    p->total = total;
    p->started = p->last_draw = now();
    /* A bar in a log file or a pipe is noise; draw only on a terminal. */
    const char *force = getenv("PW_PROGRESS");
    p->visible = force ? strcmp(force, "1") == 0 : isatty(STDERR_FILENO);
    if (p->visible)
        draw(p, 0);
    return p;
}

void pw_progress_add(pw_progress *p, double amount)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->done += amount;
    double t = now();
    if (p->visible && t - p->last_draw >= 0.1) {
        p->last_draw = t;
        draw(p, 0);
    }
    pthread_mutex_unlock(&p->mu);
}

void pw_progress_finish(pw_progress *p)
{
    if (!p)
        return;
    if (p->visible) {
        p->done = p->total;
        draw(p, 1);
    }
    pthread_mutex_destroy(&p->mu);
    free(p);
}
