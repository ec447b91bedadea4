/* vm.h: running the functions of a BcProgram.
 *
 * A Vm evaluates one function at a time (vm_call). Pledge calls do not use
 * the C stack: frames live on the Vm's own stack, so the depth limit, not
 * the machine, bounds recursion. Every evaluation is bounded in steps,
 * memory and depth; hitting a bound stops it with VM_LIMIT and a message
 * naming the function and the source line. */
#ifndef PLEDGE_VM_H
#define PLEDGE_VM_H
#include "vm/bytecode.h"
#include <stdio.h>

typedef struct Vm Vm;

typedef struct VmLimits {
    uint64_t max_steps;         /* instructions per vm_call */
    size_t   max_memory;        /* bytes of lists, texts and frames */
    uint32_t max_depth;         /* nested calls */
} VmLimits;

enum { VM_DEFAULT_STEPS = 1000000000, VM_DEFAULT_DEPTH = 10000 };
#define VM_DEFAULT_MEMORY ((size_t)1 << 30)
#define VM_DEFAULT_LIMITS ((VmLimits){ VM_DEFAULT_STEPS, VM_DEFAULT_MEMORY, VM_DEFAULT_DEPTH })

/* What an assessment provides: rows for aggregates and host functions
 * (item statuses, across, counts of classes). Without one, both give
 * missing: a round evaluated with no data knows nothing. */
typedef struct VmHost {
    void *ud;
    Value (*aggregate)(void *ud, Vm *vm, uint32_t agg, Value window);
    Value (*call)(void *ud, Vm *vm, HostFn fn, const Value *args, unsigned nargs);
} VmHost;

typedef enum VmStatus {
    VM_OK,
    VM_LIMIT,           /* steps, memory or depth: exit 4 */
    VM_REFUSED,         /* a native library not allowed: exit 3 */
    VM_FAILED           /* a native call failed: exit 3 */
} VmStatus;

/* allowed: the --allow-native libraries (may be NULL when nallowed is 0). */
Vm  *vm_new(const BcProgram *p, VmLimits limits, const char *const *allowed, size_t nallowed);
void vm_free(Vm *vm);
/* The bounds it was made with: a VM made to help it (a second thread's)
 * gets the same. */
VmLimits vm_limits(const Vm *vm);
void vm_set_host(Vm *vm, VmHost host);

/* Calls function fn with args (its nparams of them). The result's lists and
 * texts stay valid until vm_reset. */
VmStatus vm_call(Vm *vm, uint32_t fn, const Value *args, Value *result);
const char *vm_message(const Vm *vm);  /* what went wrong, after a failed call */
VmStatus    vm_failure(const Vm *vm);  /* and how: VM_LIMIT, VM_REFUSED, VM_FAILED */

/* Frees the values of earlier calls (not the cache of lets). */
void vm_reset(Vm *vm);

/* The window metrics are judged over when no WINDOW instruction set one. */
void vm_set_window(Vm *vm, Value window);

/* vm_call with metrics judged over `window` for the call's duration: also
 * from a host function, inside an evaluation whose own window differs. */
VmStatus vm_call_window(Vm *vm, uint32_t fn, const Value *args, Value window, Value *result);

/* The window in force now (for a host function evaluating across systems). */
Value vm_current_window(const Vm *vm);

/* Trace each instruction (pledge --trace). */
void vm_set_trace(Vm *vm, FILE *out);      /* each instruction executed, or NULL */

/* Tells fn the result of each instruction of the outermost call's own
 * function that sets a register, with the window in force, and for a
 * comparison (EQ .. GE) its two sides as they were before it ran (sides
 * NULL for any other instruction): pledge explain shows the parts of a
 * check's condition, the assessment keeps a check's comparisons. NULL
 * stops it. */
typedef void (*VmObserver)(void *ud, const Instr *in, uint32_t pc, Value result, Value window,
                           const Value *sides);
void vm_set_observer(Vm *vm, VmObserver fn, void *ud);
/* Whether a call is under way (an evaluation asked for from inside another). */
bool vm_running(const Vm *vm);

#endif
