/* builtins.c: the table of builtins.def, for the checker and the tools. */
#include "base/builtins.h"

#define SIG(a1, a2, result) { 0, { BA_##a1, BA_##a2 }, BRES_##result }
#define SIG_ALL(a1, a2, result) { BSIG_ALL_FIRST, { BA_##a1, BA_##a2 }, BRES_##result }
#define SPECIAL { 0, { BA_NONE, BA_NONE }, BRES_SPECIAL }

const BuiltinInfo builtins[BI__COUNT] = {
#define BUILTIN(id, name, lo, hi, native, sig, summary) [BI_##id] = { name, lo, hi, sig, summary },
#include "base/builtins.def"
#undef BUILTIN
};
