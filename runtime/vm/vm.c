/* vm.c: the register machine.
 *
 * One loop runs every frame: CALL pushes a frame on the Vm's own stack and
 * RET pops it, so a recursive Pledge function never grows the C stack. The
 * dispatch table comes from opcodes.def; with GCC or Clang it is a table of
 * label addresses (computed goto), otherwise a switch. Every instruction
 * counts one step. All ways out of an evaluation that fails go through one
 * place, `fail`, which records the function and source line. */
#include "vm/vm.h"
#include "vm/natives.h"
#include "vm/natives_ffi.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { MAX_WINDOWS = 64 };      /* the verifier bounds a function's nesting by the same */

/* A call's frame: as little as a call must write. Its result goes to the
 * register below its first (base - 1: the CALL's A), or for the outermost
 * frame of a run to the caller of run; a let's result is kept. */
typedef struct Frame {
    const BcFunction *code;     /* its function, and where it is in its code: */
    const Instr *ip;            /* pointers, so a call and a return compute nothing */
    size_t   base;              /* its registers: stack[base ..] */
    int      windows;           /* the window stack's depth when it was entered */
} Frame;

struct Vm {
    const BcProgram *p;
    VmLimits limits;
    VmHost   host;
    Native  *natives;
    Arena    arena;             /* lists and texts made during calls */
    size_t   arena_bytes;
    Value   *stack;
    size_t   stack_cap;
    Frame   *frames;
    size_t   nframes, frame_cap;
    Value    windows[MAX_WINDOWS * 4];
    int      nwindows;
    Value    base_window;
    Value   *lets;              /* per function: the value of a let once known */
    uint8_t *let_known;
    uint64_t steps;
    VmStatus nested;            /* how a call made by a host function failed */
    FILE    *trace;         /* each instruction is written here, or NULL */
    VmObserver observer;        /* explain: the results of the outermost function's instructions */
    void    *observer_ud;
    int64_t  observed;          /* the pc whose result is reported next, or -1 */
    Value    observed_sides[2]; /* a comparison's: its two sides, as they were before it ran */
    char     message[512];
    VmStatus failed;        /* how the last failed call failed */
};

Vm *vm_new(const BcProgram *p, VmLimits limits, const char *const *allowed, size_t nallowed)
{
    Vm *vm = mem_calloc(1, sizeof *vm);
    vm->p = p;
    vm->limits = limits;
    vm->natives = native_new(p, allowed, nallowed);
    vm->lets = mem_calloc(p->nfns + 1, sizeof *vm->lets);
    vm->let_known = mem_calloc(p->nfns + 1, 1);
    return vm;
}

VmLimits vm_limits(const Vm *vm) { return vm->limits; }
VmStatus vm_failure(const Vm *vm) { return vm->failed; }

void vm_free(Vm *vm)
{
    if (!vm) return;
    native_free(vm->natives);
    arena_free(&vm->arena);
    mem_free(vm->stack);
    mem_free(vm->frames);
    mem_free(vm->lets);
    mem_free(vm->let_known);
    mem_free(vm);
}

void vm_set_host(Vm *vm, VmHost host) { vm->host = host; }
void vm_set_window(Vm *vm, Value window) { vm->base_window = window; }
void vm_set_trace(Vm *vm, FILE *out) { vm->trace = out; }
void vm_set_observer(Vm *vm, VmObserver fn, void *ud) { vm->observer = fn; vm->observer_ud = ud; }
bool vm_running(const Vm *vm) { return vm->nframes > 0; }
const char *vm_message(const Vm *vm) { return vm->message; }

void vm_reset(Vm *vm)
{
    /* a let's value may be a list in the arena: forget them with it */
    for (uint32_t i = 0; i < vm->p->nfns; i++)
        if (vm->let_known[i] && vm->lets[i].kind == V_LIST) vm->let_known[i] = 0;
    arena_free(&vm->arena);
    vm->arena_bytes = 0;
    /* no register may keep a list from the arena just freed */
    for (size_t i = 0; i < vm->stack_cap; i++) vm->stack[i] = val_missing();
}

/* "in `fib` at fib.pledge:3:5" for the instruction before pc */
static void where(const Vm *vm, const Frame *f, char *buf, size_t cap)
{
    const BcFunction *fn = f->code;
    uint32_t pc = f->ip > fn->code ? (uint32_t)(f->ip - fn->code) - 1 : 0;
    const LineInfo *li = pc < fn->ncode ? &fn->lines[pc] : NULL;
    const char *path = li && li->source < vm->p->nsources ? vm->p->sources[li->source].path : "?";
    if (li) snprintf(buf, cap, "in `%s` at %s:%u:%u", fn->name, path, li->line, li->column);
    else snprintf(buf, cap, "in `%s`", fn->name);
}

static VmStatus fail(Vm *vm, VmStatus status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static VmStatus fail(Vm *vm, VmStatus status, const char *fmt, ...)
{
    char what[256], at[256] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (vm->nframes) where(vm, &vm->frames[vm->nframes - 1], at, sizeof at);
    vm->failed = status;
    /* a limit says where it stopped after what; a refusal ends with the flag
     * to give, so the place goes first */
    if (status == VM_LIMIT || !at[0]) snprintf(vm->message, sizeof vm->message, "%s%s%s", what, at[0] ? " " : "", at);
    else snprintf(vm->message, sizeof vm->message, "%s: %s", at, what);
    return status;
}

static size_t memory_in_use(const Vm *vm)
{
    return vm->arena_bytes + vm->stack_cap * sizeof(Value) + vm->frame_cap * sizeof(Frame);
}

/* Room for a frame of nregs registers at base; false when over the limit. */
static bool reserve(Vm *vm, size_t base, size_t nregs)
{
    size_t need = base + nregs;
    if (need > vm->stack_cap) {
        size_t cap = vm->stack_cap ? vm->stack_cap : 256;
        while (cap < need) cap *= 2;
        if ((cap - vm->stack_cap) * sizeof(Value) + memory_in_use(vm) > vm->limits.max_memory) return false;
        vm->stack = mem_realloc(vm->stack, cap * sizeof *vm->stack);
        for (size_t i = vm->stack_cap; i < cap; i++) vm->stack[i] = val_missing();
        vm->stack_cap = cap;
    }
    if (vm->nframes == vm->frame_cap) {
        vm->frame_cap = vm->frame_cap ? vm->frame_cap * 2 : 64;
        vm->frames = mem_realloc(vm->frames, vm->frame_cap * sizeof *vm->frames);
    }
    return true;
}

static Value current_window(const Vm *vm)
{
    return vm->nwindows ? vm->windows[vm->nwindows - 1] : vm->base_window;
}

static Value make_list(Vm *vm, const Value *items, uint32_t n, bool *over)
{
    size_t bytes = sizeof(ValList) + (size_t)n * sizeof(Value);
    *over = memory_in_use(vm) + bytes > vm->limits.max_memory;
    if (*over) return val_missing();
    ValList *l = arena_alloc(&vm->arena, bytes);
    vm->arena_bytes += bytes;
    l->len = n;
    memcpy(l->items, items, (size_t)n * sizeof(Value));
    Value v = { .kind = V_LIST, .unit = n ? items[0].unit : T_NUMBER };
    v.as.list = l;
    return v;
}

/* Before each instruction when tracing or observing. An instruction's
 * result is known only once it has run, so the observer hears of it before
 * the next instruction of the same function (for a CALL, after the call). */
static void trace(Vm *vm, const Frame *f, long pc, Instr in, const Value *R)
{
    const OpInfo *info = &bc_ops[in.op];
    if (vm->trace)
        fprintf(vm->trace, "%-24s %4ld  %-11s %u %u %u\n", f->code->name, pc, info->name, in.a, instr_b(in), in.c);
    if (!vm->observer || vm->nframes != 1) return;
    const BcFunction *fn = f->code;
    if (vm->observed >= 0) {
        const Instr *done = &fn->code[vm->observed];
        bool compares = done->op >= OP_EQ && done->op <= OP_GE;
        vm->observer(vm->observer_ud, done, (uint32_t)vm->observed, R[done->a], current_window(vm),
                     compares ? vm->observed_sides : NULL);
    }
    bool sets = info->a == OPK_R && info->b != OPK_J && in.op != OP_WINDOW && in.op != OP_RET;
    vm->observed = sets ? pc : -1;
    if (in.op >= OP_EQ && in.op <= OP_GE) {     /* its result may overwrite a side */
        const Value *K = vm->p->consts;
        vm->observed_sides[0] = rk_is_constant(in.b) ? K[in.b & RK_MAX_CONSTANT] : R[in.b];
        vm->observed_sides[1] = rk_is_constant(in.c) ? K[in.c & RK_MAX_CONSTANT] : R[in.c];
    }
}

/* The integer fast path reads units number and count as adjacent. */
_Static_assert(T_COUNT == T_NUMBER + 1, "PLAIN_INT and INT_ARITH take count as number + 1");

/* Runs until the frame count drops back to `stop`. */
static VmStatus run(Vm *vm, size_t stop, Value *result)
{
    const BcProgram *p = vm->p;
    Frame *f = &vm->frames[vm->nframes - 1];
    const BcFunction *fn = f->code;
    Value *R = vm->stack + f->base;
    const Value *K = p->consts;
    const Instr *ip = f->ip;                /* kept here, saved to the frame only when it is left */
    const size_t max_frames = stop + vm->limits.max_depth;
    size_t frame_room = max_frames < vm->frame_cap ? max_frames : vm->frame_cap;   /* one test a call */
    size_t stack_room = vm->stack_cap;
    const uint64_t max_steps = vm->limits.max_steps;
    Instr in;

#define SAVE()   (f->ip = ip)
/* after anything that may have moved or grown the stack and the frames */
#define RELOAD() (f = &vm->frames[vm->nframes - 1], fn = f->code, R = vm->stack + f->base, ip = f->ip, \
                  stack_room = vm->stack_cap, frame_room = max_frames < vm->frame_cap ? max_frames : vm->frame_cap)

#if defined(__GNUC__)
    static const void *const labels[OP__COUNT] = {
#define OP(name, a, b, c, formula) [OP_##name] = &&L_##name,
#include "vm/opcodes.def"
#undef OP
    };
    /* when tracing, every instruction goes through L_trace first */
    static const void *const tracing[OP__COUNT] = {
#define OP(name, a, b, c, formula) [OP_##name] = &&L_trace,
#include "vm/opcodes.def"
#undef OP
    };
    const void *const *table = vm->trace || vm->observer ? tracing : labels;
#define CASE(name) L_##name:
#define DISPATCH() do { in = *ip++; goto *table[in.op]; } while (0)
#define UNTRACED (table == labels)
    DISPATCH();
L_trace:
    trace(vm, f, ip - fn->code - 1, in, R);
    goto *labels[in.op];
#else
#define CASE(name) case OP_##name:
#define DISPATCH() goto next
#define UNTRACED (!vm->trace && !vm->observer)
next:
    in = *ip++;
    if (vm->trace || vm->observer) trace(vm, f, ip - fn->code - 1, in, R);
    switch ((Opcode)in.op) {
#endif

/* Whole numbers counted or plain: the common case of arithmetic and
 * comparison, done here without the general path's unit table, gcd and
 * 128-bit products (value.c gives the same answers, only slower). */
#define PLAIN_INT(v) ((v).kind == V_NUM && (v).as.num.d == 1 && (uint8_t)((v).unit - T_NUMBER) <= 1)
#define RK(x) (rk_is_constant(x) ? &K[(x) & RK_MAX_CONSTANT] : &R[(x)])
#define INT_ARITH(builtin, slow) do { \
        const Value *x = RK(in.b), *y = RK(in.c); \
        int64_t r_; \
        if (PLAIN_INT(*x) && PLAIN_INT(*y) && !builtin(x->as.num.n, y->as.num.n, &r_) && r_ != INT64_MIN) { \
            uint8_t unit_ = (uint8_t)(T_NUMBER + ((x->unit - T_NUMBER) & (y->unit - T_NUMBER))); /* count: both are */ \
            R[in.a] = (Value){ .kind = V_NUM, .unit = unit_, .as.num = { r_, 1 } }; \
        } else { \
            R[in.a] = val_arith(slow, *x, *y); \
        } \
        DISPATCH(); \
    } while (0)
/* An if's test is followed by its JMPNOTTRUE on the result: with whole
 * numbers (never missing) that jump is taken here, a dispatch fewer. Not
 * when tracing or observing, which see every instruction. */
#define INT_TEST(rel, cmp) do { \
        const Value *x = RK(in.b), *y = RK(in.c); \
        if (PLAIN_INT(*x) && PLAIN_INT(*y)) { \
            bool t_ = x->as.num.n rel y->as.num.n; \
            R[in.a] = (Value){ .kind = V_BOOL, .as.boolean = t_ }; \
            if (ip->op == OP_JMPNOTTRUE && ip->a == in.a && UNTRACED) ip += 1 + (t_ ? 0 : instr_jump(*ip)); \
        } else { \
            R[in.a] = val_test(cmp, *x, *y); \
        } \
        DISPATCH(); \
    } while (0)

    CASE(MOVE)        R[in.a] = R[in.b]; DISPATCH();
    CASE(LOADK)       R[in.a] = K[instr_b(in)]; DISPATCH();
    CASE(LOADMISSING) R[in.a] = val_missing(); DISPATCH();
    CASE(ADD)         INT_ARITH(__builtin_add_overflow, AR_ADD);
    CASE(SUB)         INT_ARITH(__builtin_sub_overflow, AR_SUB);
    CASE(MUL)         INT_ARITH(__builtin_mul_overflow, AR_MUL);
    CASE(DIV)         R[in.a] = val_arith(AR_DIV, *RK(in.b), *RK(in.c)); DISPATCH();
    CASE(NEG)         R[in.a] = val_neg(R[in.b]); DISPATCH();
    CASE(NOT)         R[in.a] = R[in.b].kind == V_BOOL ? val_bool(!R[in.b].as.boolean) : val_missing(); DISPATCH();
    CASE(EQ)          INT_TEST(==, CMP_EQ);
    CASE(NE)          INT_TEST(!=, CMP_NE);
    CASE(LT)          INT_TEST(<, CMP_LT);
    CASE(LE)          INT_TEST(<=, CMP_LE);
    CASE(GT)          INT_TEST(>, CMP_GT);
    CASE(GE)          INT_TEST(>=, CMP_GE);
    CASE(AND)         R[in.a] = val_logic(false, R[in.b], R[in.c]); DISPATCH();
    CASE(OR)          R[in.a] = val_logic(true, R[in.b], R[in.c]); DISPATCH();
    CASE(STATUSES) {
        uint16_t bits = 0;
        for (int k = 0; k < 2; k++) {
            Value s = R[k ? in.c : in.b];
            bits |= s.kind == V_STATUS ? (uint16_t)(1u << s.status) : s.kind == V_STATUSES ? s.status : 0;
        }
        R[in.a] = (Value){ .kind = V_STATUSES, .unit = T_STATUSES, .status = bits };
        DISPATCH();
    }
    CASE(JMP)         ip += instr_jump(in); DISPATCH();
    CASE(JMPFALSE)    if (R[in.a].kind == V_BOOL && !R[in.a].as.boolean) ip += instr_jump(in); DISPATCH();
    CASE(JMPTRUE)     if (R[in.a].kind == V_BOOL && R[in.a].as.boolean) ip += instr_jump(in); DISPATCH();
    CASE(JMPMISSING)  if (R[in.a].kind == V_MISSING) ip += instr_jump(in); DISPATCH();
    CASE(JMPNOTTRUE)  if (R[in.a].kind != V_BOOL || !R[in.a].as.boolean) ip += instr_jump(in); DISPATCH();
    CASE(CALL) {
        uint32_t fi = instr_b(in);
        const BcFunction *callee = &p->fns[fi];
        if (callee->kind == FK_LET && vm->let_known[fi]) { R[in.a] = vm->lets[fi]; DISPATCH(); }
        SAVE();
        if (vm->nframes >= frame_room) {        /* the limit, or the frames must grow */
            if (vm->nframes >= max_frames) goto too_deep;
            if (!reserve(vm, f->base + in.a + 1, callee->nregs)) goto out_of_memory;
            RELOAD();
        }
        /* Steps are counted when a function is entered, as its length: jumps
         * only go forward (the verifier sees to it), so no activation runs
         * longer. */
        vm->steps += callee->ncode;
        if (vm->steps > max_steps) goto too_many_steps;
        /* Lua's convention: the callee's frame starts at its arguments, so
         * nothing is copied; the compiler leaves nothing live above them.
         * Registers are not cleared either: the stack only ever holds valid
         * values (reserve and vm_reset see to it), so even a hostile program
         * reading a register it never wrote gets a value, not garbage. */
        size_t base = f->base + in.a + 1;
        if (base + callee->nregs > stack_room) {
            if (!reserve(vm, base, callee->nregs)) goto out_of_memory;
            RELOAD();
        }
        R += in.a + 1;
        f = &vm->frames[vm->nframes++];
        *f = (Frame){ callee, callee->code, base, vm->nwindows };
        fn = callee;
        ip = callee->code;
        DISPATCH();
    }
    CASE(NATIVE) {
        NativeFn native = native_fns[in.b];
        if (in.c && R[in.a + 1].kind == V_LIST) {      /* a built-in reads every item */
            vm->steps += R[in.a + 1].as.list->len;
            if (vm->steps > vm->limits.max_steps) { SAVE(); goto too_many_steps; }
        }
        R[in.a] = native ? native(&vm->arena, R + in.a + 1, in.c) : val_missing();
        DISPATCH();
    }
    CASE(EXTERN) {
        char why[256];
        SAVE();
        NativeStatus s = native_call(vm->natives, in.b, R + in.a + 1, &vm->arena, &R[in.a], why, sizeof why);
        if (s == NATIVE_REFUSED) return fail(vm, VM_REFUSED, "%s", why);
        if (s != NATIVE_OK) return fail(vm, VM_FAILED, "%s", why);
        DISPATCH();
    }
    CASE(HOST) {
        Value r = val_missing();
        SAVE();
        if (vm->host.call) {
            r = vm->host.call(vm->host.ud, vm, (HostFn)in.b, R + in.a + 1, in.c);
            if (vm->nested != VM_OK) return vm->nested;   /* its message is already set */
            RELOAD();                                     /* it may have grown the stack */
        }
        R[in.a] = r;
        DISPATCH();
    }
    CASE(LIST) {
        bool over;
        SAVE();
        vm->steps += in.c;
        if (vm->steps > vm->limits.max_steps) goto too_many_steps;
        R[in.a] = make_list(vm, R + in.b, in.c, &over);
        if (over) goto out_of_memory;
        DISPATCH();
    }
    CASE(RETYPE)
        R[in.a] = R[in.b];
        if (val_is_number(R[in.a])) R[in.a].unit = (uint8_t)in.c;
        DISPATCH();
    CASE(NUMBERS) {
        Value v = R[in.b];
        if (v.kind == V_LIST) {
            bool over;
            SAVE();
            vm->steps += v.as.list->len;
            if (vm->steps > vm->limits.max_steps) goto too_many_steps;
            Value copy = make_list(vm, v.as.list->items, v.as.list->len, &over);
            if (over) goto out_of_memory;
            for (uint32_t i = 0; i < copy.as.list->len; i++)
                if (val_is_number(copy.as.list->items[i])) copy.as.list->items[i].unit = T_NUMBER;
            copy.unit = T_NUMBER;
            v = copy;
        }
        R[in.a] = v;
        DISPATCH();
    }
    CASE(RANGE) {
        Value a = R[in.b], b = R[in.c];
        if (a.kind != V_PERIOD || b.kind != V_PERIOD) { R[in.a] = val_missing(); DISPATCH(); }
        Value r = { .kind = V_RANGE, .unit = a.unit };
        r.as.range.from = a.as.period;
        r.as.range.to = b.as.period;
        R[in.a] = r;
        DISPATCH();
    }
    CASE(WINDOW)
        SAVE();
        if (vm->nwindows == (int)(sizeof vm->windows / sizeof vm->windows[0])) goto too_deep;
        vm->windows[vm->nwindows++] = R[in.a];
        DISPATCH();
    CASE(ENDWINDOW)
        if (vm->nwindows > f->windows) vm->nwindows--;
        DISPATCH();
    CASE(AGG)
        SAVE();
        R[in.a] = vm->host.aggregate ? vm->host.aggregate(vm->host.ud, vm, instr_b(in), current_window(vm)) : val_missing();
        RELOAD();
        DISPATCH();
    CASE(RET) {
        Value r = R[in.a];
        vm->nwindows = f->windows;
        if (fn->kind == FK_LET) {
            size_t i = (size_t)(fn - p->fns);
            vm->lets[i] = r;
            vm->let_known[i] = 1;
        }
        vm->nframes--;
        if (vm->nframes == stop) { *result = r; return VM_OK; }
        R[-1] = r;                  /* the CALL's A */
        f--;                        /* the caller's frame: nothing moved since it called */
        fn = f->code;
        R = vm->stack + f->base;
        ip = f->ip;
        DISPATCH();
    }
#if !defined(__GNUC__)
    default:
        break;
    }
#endif
    return fail(vm, VM_FAILED, "unknown instruction %u", in.op);     /* the verifier rules this out */

too_many_steps:
    return fail(vm, VM_LIMIT, "the evaluation took more than %llu steps (raise it with --max-steps)",
                (unsigned long long)vm->limits.max_steps);
too_deep:
    return fail(vm, VM_LIMIT, "calls nested more than %u deep (raise it with --max-depth)", vm->limits.max_depth);
out_of_memory:
    return fail(vm, VM_LIMIT, "the evaluation needed more than %zu bytes (raise it with --max-memory)",
                vm->limits.max_memory);
#undef CASE
#undef DISPATCH
#undef SAVE
#undef RELOAD
#undef INT_ARITH
#undef INT_TEST
#undef UNTRACED
#undef RK
#undef PLAIN_INT
}

VmStatus vm_call(Vm *vm, uint32_t fn, const Value *args, Value *result)
{
    const BcFunction *f = &vm->p->fns[fn];
    *result = val_missing();
    if (vm->nframes == 0) {             /* an outermost call: a fresh budget */
        vm->failed = VM_OK;
        vm->steps = 0;
        vm->nested = VM_OK;
        vm->message[0] = '\0';
        vm->observed = -1;
    }
    if (f->kind == FK_LET && vm->let_known[fn]) { *result = vm->lets[fn]; return VM_OK; }
    size_t stop = vm->nframes;
    size_t base = stop ? vm->frames[stop - 1].base + vm->frames[stop - 1].code->nregs : 0;
    if (!reserve(vm, base, f->nregs)) {
        /* no frame of its own yet to say where: name the function */
        const LineInfo *li = f->ncode ? &f->lines[0] : NULL;
        const char *path = li && li->source < vm->p->nsources ? vm->p->sources[li->source].path : "?";
        return fail(vm, VM_LIMIT, "the evaluation needed more than %zu bytes (raise it with --max-memory) "
                    "in `%s` at %s:%u:%u", vm->limits.max_memory, f->name, path, li ? li->line : 0,
                    li ? li->column : 0);
    }
    for (uint32_t k = 0; k < f->nregs; k++) vm->stack[base + k] = k < f->nparams ? args[k] : val_missing();
    vm->frames[vm->nframes++] = (Frame){ f, f->code, base, vm->nwindows };
    vm->steps += f->ncode;
    VmStatus s = vm->steps > vm->limits.max_steps
               ? fail(vm, VM_LIMIT, "the evaluation took more than %llu steps (raise it with --max-steps)",
                      (unsigned long long)vm->limits.max_steps)
               : run(vm, stop, result);
    if (s != VM_OK) {
        vm->nframes = stop;             /* unwind: the frames above belong to the failed call */
        if (stop == 0) vm->nwindows = 0;
        else vm->nested = s;            /* for the HOST instruction that made this call */
    }
    return s;
}

VmStatus vm_call_window(Vm *vm, uint32_t fn, const Value *args, Value window, Value *result)
{
    if (vm->nwindows == (int)(sizeof vm->windows / sizeof vm->windows[0])) {
        *result = val_missing();
        return fail(vm, VM_LIMIT, "windows nested too deep in `%s`", vm->p->fns[fn].name);
    }
    int depth = vm->nwindows;
    vm->windows[vm->nwindows++] = window;
    VmStatus s = vm_call(vm, fn, args, result);
    vm->nwindows = depth;
    return s;
}

Value vm_current_window(const Vm *vm) { return current_window(vm); }
