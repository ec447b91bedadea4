/* natives_ffi.h: calling native functions declared
 * `extern "LIB" fn …` through libffi. A library is opened (dlopen) only if
 * the user allowed it with --allow-native LIB, and only when one of its
 * functions is first called.
 *
 * Not named ffi.h, and not ffi_*: libffi's own header is <ffi.h> and it
 * declares ffi_call and FFI_OK, which ours would clash with. */
#ifndef PLEDGE_NATIVE_H
#define PLEDGE_NATIVE_H
#include "vm/bytecode.h"

typedef struct Native Native;

/* allowed: the library names given with --allow-native, as written in the
 * extern declarations ("libm.so.6"); the strings, and the program, must
 * outlive the Native. */
Native *native_new(const BcProgram *p, const char *const *allowed, size_t nallowed);
void native_free(Native *n);

typedef enum NativeStatus { NATIVE_OK, NATIVE_REFUSED, NATIVE_FAILED } NativeStatus;

/* Calls extern `index` of the program with args (nparams of them, already
 * of the declared types). A missing argument gives a missing result without
 * calling. Text results are copied into `arena`. NATIVE_REFUSED: the library
 * was not allowed; NATIVE_FAILED: it could not be loaded or lacks the symbol,
 * or a count argument is not a whole number. why says which, naming the
 * function and the library. */
NativeStatus native_call(Native *n, uint16_t index, const Value *args, Arena *arena, Value *result,
                         char *why, size_t whycap);

#endif
