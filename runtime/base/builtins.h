/* builtins.h: the built-in functions of builtins.def as the checker knows
 * them (names, arities, summaries). The VM's implementations over lists are
 * in vm/natives.c. */
#ifndef PLEDGE_BUILTINS_H
#define PLEDGE_BUILTINS_H
#include <stdint.h>

typedef enum BuiltinId {
#define BUILTIN(id, name, lo, hi, native, summary) BI_##id,
#include "base/builtins.def"
#undef BUILTIN
    BI__COUNT
} BuiltinId;

typedef struct BuiltinInfo {
    const char *name;
    uint8_t     min_args, max_args;
    const char *summary;
} BuiltinInfo;

extern const BuiltinInfo builtins[BI__COUNT];

#endif
