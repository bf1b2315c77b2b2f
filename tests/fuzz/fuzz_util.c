/* Helpers shared by the harnesses (fuzz.h). */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

static char dir[64];

/* Removes the scratch directory when the process exits. */
static void rm_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", dir);
}

const char *pw_fuzz_dir(void)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/pw_fuzz_XXXXXX");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            abort();
        }
        atexit(rm_dir);
    }
    return dir;
}
