/*
 * What every public header of pathways opens and closes with.
 *
 * PW_BEGIN_DECLS / PW_END_DECLS wrap a header's declarations: in C++ they
 * give them C linkage (extern "C"), and with GCC or Clang they give them
 * default visibility. The library is compiled with -fvisibility=hidden, so
 * exactly the functions and objects declared in the public headers are
 * exported from libpathways.so; everything else (the pwi_ internals, the
 * helpers in src/) stays inside it and may change without breaking a
 * program built against it (tests/build/test_symbols.sh checks both).
 */
#ifndef PATHWAYS_EXPORT_H
#define PATHWAYS_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define PW_VISIBLE_BEGIN_ _Pragma("GCC visibility push(default)")
#define PW_VISIBLE_END_ _Pragma("GCC visibility pop")
#define PW_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PW_VISIBLE_BEGIN_
#define PW_VISIBLE_END_
#define PW_PRINTF(fmt, args)
#endif

#ifdef __cplusplus
#define PW_BEGIN_DECLS extern "C" { PW_VISIBLE_BEGIN_
#define PW_END_DECLS PW_VISIBLE_END_ }
#else
#define PW_BEGIN_DECLS PW_VISIBLE_BEGIN_
#define PW_END_DECLS PW_VISIBLE_END_
#endif

#endif /* PATHWAYS_EXPORT_H */
