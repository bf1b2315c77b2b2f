/* pathways: not written yet (see the open issues). */
#include <stdio.h>

#include "cli.h"

int pw_cmd_registry_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "pathways: not implemented yet\n");
    return PW_EXIT_FAIL;
}
