/* natives.h: the built-in functions of runtime/builtins.def, as the VM
 * calls them over lists (NATIVE). Over a feed column the compiler emits AGG
 * instead; the entries that only the compiler or the assessment implement
 * (change, across, share) have no function here. */
#ifndef PLEDGE_NATIVES_H
#define PLEDGE_NATIVES_H
#include "base/value.h"
#include "base/mem.h"

#include "base/builtins.h"

typedef Value (*NativeFn)(Arena *arena, const Value *args, unsigned nargs);

/* The function of each built-in over lists; NULL for those only the
 * compiler or the assessment implements. */
extern const NativeFn native_fns[BI__COUNT];

#endif
