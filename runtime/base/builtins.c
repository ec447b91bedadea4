/* builtins.c: the table of builtins.def, for the checker and the tools. */
#include "base/builtins.h"

const BuiltinInfo builtins[BI__COUNT] = {
#define BUILTIN(id, name, lo, hi, native, summary) [BI_##id] = { name, lo, hi, summary },
#include "base/builtins.def"
#undef BUILTIN
};
