/* natives.h: the built-in functions of runtime/builtins.def, as the VM
 * calls them over lists (NATIVE). Over a feed column the compiler emits AGG
 * instead; the entries that only the compiler or the assessment implement
 * (change, across, share) have no function here. */
#ifndef PLEDGE_NATIVES_H
#define PLEDGE_NATIVES_H
#include "value.h"
#include "mem.h"

typedef enum BuiltinId {
#define BUILTIN(id, name, lo, hi, native, summary) BI_##id,
#include "builtins.def"
#undef BUILTIN
    BI__COUNT
} BuiltinId;

typedef Value (*NativeFn)(Arena *arena, const Value *args, unsigned nargs);

typedef struct NativeInfo {
    const char *name;
    uint8_t     min_args, max_args;
    NativeFn    fn;         /* NULL: not callable with NATIVE */
} NativeInfo;

extern const NativeInfo natives[BI__COUNT];

#endif
