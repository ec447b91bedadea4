/* natives_ffi.c: extern functions called through libffi (natives_ffi.h).
 *
 * Nothing is opened until a function of an allowed library is called; then
 * the library handle, the symbol and the call interface are each made once
 * and kept until native_free. Values cross the boundary as four C types:
 * number as double, count as int64_t, bool as int, text as const char *. */
/* dladdr and dlinfo: which library a symbol was found in (resolve) */
#define _GNU_SOURCE
#include "vm/natives_ffi.h"
#include "base/utf8.h"
#include "base/why.h"

#include <ffi.h>        /* libffi's: ours is not named ffi.h, so this finds it */
#include <dlfcn.h>
#include <link.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct Lib {
    const char *name;       /* as written in the extern declaration */
    bool        allowed;
    void       *handle;     /* NULL until first opened */
} Lib;

/* One argument in the form libffi reads it from. */
typedef union Slot { double d; int64_t i64; int i; const char *s; } Slot;

typedef struct Fn {
    const BcExtern *ext;
    Lib        *lib;
    void      (*code)(void);    /* NULL until resolved */
    bool        prepared;       /* cif, atypes, slots, avalues are ready */
    ffi_cif     cif;
    ffi_type  **atypes;
    Slot       *slots;
    void      **avalues;        /* avalues[i] == &slots[i] */
} Fn;

struct Native {
    Lib    *libs;
    size_t  nlibs;
    Fn     *fns;
    size_t  nfns;
};

/* The checker allows only these four types in an extern; anything else can
 * only come from a damaged program, and gets NULL. */
static ffi_type *c_type(uint8_t t)
{
    switch (t) {
    case T_NUMBER: return &ffi_type_double;
    case T_COUNT:  return &ffi_type_sint64;
    case T_BOOL:   return &ffi_type_sint;
    case T_TEXT:   return &ffi_type_pointer;
    default:       return NULL;
    }
}

static const char *type_word(uint8_t t)
{
    switch (t) {
    case T_NUMBER: return "number";
    case T_COUNT:  return "count";
    case T_BOOL:   return "bool";
    case T_TEXT:   return "text";
    default:       return "an unsupported type";
    }
}

Native *native_new(const BcProgram *p, const char *const *allowed, size_t nallowed)
{
    Native *n = mem_calloc(1, sizeof *n);
    n->nfns = p->nexterns;
    n->fns = mem_calloc(p->nexterns, sizeof *n->fns);
    /* At most one library per extern; each distinct name gets one handle. */
    n->libs = mem_calloc(p->nexterns, sizeof *n->libs);
    for (size_t i = 0; i < p->nexterns; i++) {
        const BcExtern *e = &p->externs[i];
        Lib *lib = NULL;
        for (size_t j = 0; j < n->nlibs && !lib; j++)
            if (strcmp(n->libs[j].name, e->lib) == 0) lib = &n->libs[j];
        if (!lib) {
            lib = &n->libs[n->nlibs++];
            lib->name = e->lib;
            for (size_t k = 0; k < nallowed && !lib->allowed; k++)
                lib->allowed = strcmp(allowed[k], e->lib) == 0;
        }
        n->fns[i].ext = e;
        n->fns[i].lib = lib;
    }
    return n;
}

void native_free(Native *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->nlibs; i++)
        if (n->libs[i].handle) dlclose(n->libs[i].handle);
    for (size_t i = 0; i < n->nfns; i++) {
        mem_free(n->fns[i].atypes);
        mem_free(n->fns[i].slots);
        mem_free(n->fns[i].avalues);
    }
    mem_free(n->libs);
    mem_free(n->fns);
    mem_free(n);
}

/* Builds the call interface once; the arrays it points to live as long as
 * the Fn, as libffi requires. */
static bool prepare(Fn *fn, char *why, size_t whycap)
{
    if (fn->prepared) return true;
    const BcExtern *e = fn->ext;
    ffi_type *rtype = c_type(e->result);
    if (!rtype) {
        why_say(why, whycap, "native function `%s` returns %s, which libffi cannot pass", e->name,
            type_word(e->result));
        return false;
    }
    for (unsigned i = 0; i < e->nparams; i++)
        if (!c_type(e->param_types[i])) {
            why_say(why, whycap, "argument %u of %s is %s, which libffi cannot pass", i + 1, e->name,
                type_word(e->param_types[i]));
            return false;
        }
    if (!fn->atypes) {      /* not after a failed ffi_prep_cif: reuse those */
        fn->atypes = mem_calloc(e->nparams, sizeof *fn->atypes);
        fn->slots = mem_calloc(e->nparams, sizeof *fn->slots);
        fn->avalues = mem_calloc(e->nparams, sizeof *fn->avalues);
    }
    for (unsigned i = 0; i < e->nparams; i++) {
        fn->atypes[i] = c_type(e->param_types[i]);
        fn->avalues[i] = &fn->slots[i];
    }
    ffi_status st = ffi_prep_cif(&fn->cif, FFI_DEFAULT_ABI, e->nparams, rtype, fn->atypes);
    if (st != FFI_OK) {
        why_say(why, whycap, "libffi cannot prepare a call to %s in %s (status %d)", e->name, fn->lib->name,
            (int)st);
        return false;
    }
    fn->prepared = true;
    return true;
}

/* The library is opened and the symbol looked up on the first call only.
 * A failure is not remembered: the next call tries again and says why again. */
static bool resolve(Fn *fn, char *why, size_t whycap)
{
    if (fn->code) return true;
    Lib *lib = fn->lib;
    if (!lib->handle) {
        lib->handle = dlopen(lib->name, RTLD_NOW | RTLD_LOCAL);
        if (!lib->handle) {
            const char *err = dlerror();
            why_say(why, whycap, "cannot load library %s for native function `%s`: %s", lib->name,
                fn->ext->name, err ? err : "unknown error");
            return false;
        }
    }
    dlerror();      /* a symbol may legitimately be NULL: only dlerror tells */
    void *sym = dlsym(lib->handle, fn->ext->name);
    const char *err = dlerror();
    if (err || !sym) {
        why_say(why, whycap, "library %s has no function `%s`: %s", lib->name, fn->ext->name,
            err ? err : "the symbol is NULL");
        return false;
    }
    /* dlsym also searches the library's dependencies: through libm's handle
     * it finds libc's getenv. Only a function of the library named, as the
     * user allowed it, may run. */
    Dl_info info = { 0 };
    struct link_map *lm = NULL;
    if (!dladdr(sym, &info) || dlinfo(lib->handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm || !info.dli_fname ||
        !lm->l_name || strcmp(info.dli_fname, lm->l_name) != 0) {
        why_say(why, whycap, "library %s has no function `%s` of its own (%s is from %s)", lib->name, fn->ext->name,
                fn->ext->name, info.dli_fname ? info.dli_fname : "another library");
        return false;
    }
    /* ISO C has no object-to-function pointer conversion; POSIX guarantees
     * the representations agree, so copy the bits. */
    memcpy(&fn->code, &sym, sizeof fn->code);
    return true;
}

/* Puts argument i (0-based) into its slot, or says why it cannot. */
static bool convert_arg(Fn *fn, unsigned i, Value v, Arena *arena, char *why, size_t whycap)
{
    const BcExtern *e = fn->ext;
    Slot *slot = &fn->slots[i];
    switch (e->param_types[i]) {
    case T_NUMBER:
        if (v.kind == V_NUM) { slot->d = num_to_double(v.as.num); return true; }
        if (v.kind == V_REAL) { slot->d = v.as.real; return true; }
        break;
    case T_COUNT:
        if (v.kind == V_NUM) {
            if (num_is_int(v.as.num)) { slot->i64 = v.as.num.n; return true; }
            char text[64];
            num_format(v.as.num, text, sizeof text);
            why_say(why, whycap, "argument %u of %s must be a whole number, got %s", i + 1, e->name, text);
            return false;
        }
        if (v.kind == V_REAL) {
            /* a count that overflowed into a double: fine if whole and in range */
            double d = v.as.real;
            if (d == trunc(d) && d >= -0x1p63 && d < 0x1p63) { slot->i64 = (int64_t)d; return true; }
            why_say(why, whycap, "argument %u of %s must be a whole number, got %.15g", i + 1, e->name, d);
            return false;
        }
        break;
    case T_BOOL:
        if (v.kind == V_BOOL) { slot->i = v.as.boolean ? 1 : 0; return true; }
        break;
    case T_TEXT:
        if (v.kind == V_TEXT) {
            const Text *t = &v.as.text;
            if (t->len && memchr(t->bytes, '\0', t->len)) {
                why_say(why, whycap, "argument %u of %s contains a NUL byte, which a C string cannot hold",
                    i + 1, e->name);
                return false;
            }
            char *s = arena_alloc(arena, (size_t)t->len + 1);   /* zeroed: terminated */
            if (t->len) memcpy(s, t->bytes, t->len);
            slot->s = s;
            return true;
        }
        break;
    default:
        break;
    }
    why_say(why, whycap, "argument %u of %s is not a %s", i + 1, e->name, type_word(e->param_types[i]));
    return false;
}


NativeStatus native_call(Native *n, uint16_t index, const Value *args, Arena *arena, Value *result,
                         char *why, size_t whycap)
{
    Value v = { 0 };
    *result = v;            /* missing, also on every failure */
    if (index >= n->nfns) {
        why_say(why, whycap, "there is no native function number %u", (unsigned)index);
        return NATIVE_FAILED;
    }
    Fn *fn = &n->fns[index];
    const BcExtern *e = fn->ext;
    /* Refused before anything else, so a run without --allow-native fails
     * the same way whatever the data. */
    if (!fn->lib->allowed) {
        why_say(why, whycap, "native function `%s` needs library %s, which is not allowed: "
            "run with --allow-native %s", e->name, fn->lib->name, fn->lib->name);
        return NATIVE_REFUSED;
    }
    for (unsigned i = 0; i < e->nparams; i++)
        if (args[i].kind == V_MISSING) return NATIVE_OK;

    if (!prepare(fn, why, whycap)) return NATIVE_FAILED;
    for (unsigned i = 0; i < e->nparams; i++)
        if (!convert_arg(fn, i, args[i], arena, why, whycap)) return NATIVE_FAILED;
    if (!resolve(fn, why, whycap)) return NATIVE_FAILED;

    /* libffi widens small integer results to a full ffi_arg. */
    union { ffi_arg word; ffi_sarg sword; double d; int64_t i64; const char *s; } r;
    memset(&r, 0, sizeof r);
    ffi_call(&fn->cif, fn->code, &r, fn->avalues);

    switch (e->result) {
    case T_NUMBER:
        if (!isfinite(r.d)) return NATIVE_OK;      /* NaN and infinities are missing */
        v.kind = V_REAL;
        v.unit = T_NUMBER;
        v.as.real = r.d;
        break;
    case T_COUNT:
        v.unit = T_COUNT;
        if (r.i64 == INT64_MIN) {   /* a Num never holds INT64_MIN: fall back as arithmetic does */
            v.kind = V_REAL;
            v.as.real = (double)r.i64;
        } else {
            v.kind = V_NUM;
            v.as.num = (Num){ r.i64, 1 };
        }
        break;
    case T_BOOL:
        v.kind = V_BOOL;
        v.as.boolean = (int)r.sword != 0;
        break;
    case T_TEXT: {
        if (!r.s) return NATIVE_OK;
        size_t len = strlen(r.s);
        if (len > UINT32_MAX) {
            why_say(why, whycap, "native function `%s` in %s returned text too long to hold (%zu bytes)",
                e->name, fn->lib->name, len);
            return NATIVE_FAILED;
        }
        if (!utf8_valid(r.s, len, NULL)) {
            why_say(why, whycap, "native function `%s` in %s returned text that is not valid UTF-8",
                e->name, fn->lib->name);
            return NATIVE_FAILED;
        }
        char *copy = arena_alloc(arena, len + 1);
        memcpy(copy, r.s, len);
        v.kind = V_TEXT;
        v.unit = T_TEXT;
        v.as.text = (Text){ (uint32_t)len, copy };
        break;
    }
    default:
        break;              /* prepare() refused any other result type */
    }
    *result = v;
    return NATIVE_OK;
}
