/* pathways regimes: not written yet (see the open issues). */
#include <stdio.h>

#include "cli.h"

int pw_cmd_regimes(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "pathways regimes: not implemented yet\n");
    return PW_EXIT_FAIL;
}
