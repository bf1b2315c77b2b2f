/*
 * The fuzz harnesses' common entry points (libFuzzer's): each harness
 * defines LLVMFuzzerTestOneInput, and may define LLVMFuzzerInitialize.
 * Built with -DPW_FUZZ=ON (clang) they link libFuzzer, which grows the
 * corpus; otherwise replay_main.c runs them over the committed corpus
 * (docs/engine.md and docs/registry.md, "Fuzzing").
 *
 * A harness aborts on anything its oracle rejects (an answer without the
 * security headers, two parsers disagreeing); the sanitizers catch the
 * rest.
 */
#ifndef PW_FUZZ_H
#define PW_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with a message naming the harness's broken promise. */
#define FUZZ_CHECK(cond, what)                                                              \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "fuzz: %s (%s:%d)\n", what, __FILE__, __LINE__);               \
            abort();                                                                        \
        }                                                                                   \
    } while (0)

/* A scratch directory for the harness's files (created once). */
const char *pw_fuzz_dir(void);

#endif /* PW_FUZZ_H */
