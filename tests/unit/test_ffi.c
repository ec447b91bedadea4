/* test_ffi.c: native functions through libffi (runtime/vm/natives_ffi.c), calling into
 * tests/ffi/libpledgetest.so and libm. */
#include "unit.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "vm/natives_ffi.h"

/* The externs of the hand-built program, by index. */
enum {
    X_SCALE, X_ADD, X_EVEN, X_NOT, X_GREET, X_NAN, X_NULL, X_BAD_UTF8, X_INT64_MIN,
    X_NO_SYMBOL, X_NO_LIBRARY, X_CBRT, X_REFUSED, X__COUNT
};

#define NO_LIBRARY "/nonexistent/pledge/libnope.so"

static const char *test_lib;        /* absolute path of libpledgetest.so */
static BcProgram prog;
static Native *nat;
static Arena arena;                 /* where texts go, one per test */
static char why[512];

/* automake runs tests from the build dir; PLEDGE_TEST_LIB overrides. */
static const char *find_test_lib(void)
{
    static char path[PATH_MAX];
    const char *lib = getenv("PLEDGE_TEST_LIB");
    if (!lib || !*lib) lib = "tests/ffi/libpledgetest.so";
    return realpath(lib, path) ? path : lib;
}

static void add_extern(unsigned index, const char *lib, const char *name, uint8_t result,
                       unsigned nparams, const uint8_t *params)
{
    BcExtern *e = &prog.externs[index];
    e->lib = lib;
    e->name = arena_strndup(&prog.arena, name, strlen(name));
    e->result = result;
    e->nparams = (uint16_t)nparams;
    e->param_types = arena_alloc(&prog.arena, nparams ? nparams : 1);
    if (nparams) memcpy(e->param_types, params, nparams);
}

#define EXTERN(index, lib, name, result, ...) do { \
        static const uint8_t params_[] = { 0, __VA_ARGS__ }; \
        add_extern(index, lib, name, result, sizeof params_ - 1, params_ + 1); \
    } while (0)

static void build_program(void)
{
    memset(&prog, 0, sizeof prog);
    test_lib = arena_strndup(&prog.arena, find_test_lib(), PATH_MAX);
    prog.nexterns = X__COUNT;
    prog.externs = arena_alloc(&prog.arena, X__COUNT * sizeof *prog.externs);
    EXTERN(X_SCALE, test_lib, "pt_scale", T_NUMBER, T_NUMBER, T_NUMBER);
    EXTERN(X_ADD, test_lib, "pt_add", T_COUNT, T_COUNT, T_COUNT);
    EXTERN(X_EVEN, test_lib, "pt_is_even", T_BOOL, T_COUNT);
    EXTERN(X_NOT, test_lib, "pt_not", T_BOOL, T_BOOL);
    EXTERN(X_GREET, test_lib, "pt_greet", T_TEXT, T_TEXT);
    EXTERN(X_NAN, test_lib, "pt_nan", T_NUMBER);
    EXTERN(X_NULL, test_lib, "pt_null", T_TEXT);
    EXTERN(X_BAD_UTF8, test_lib, "pt_bad_utf8", T_TEXT);
    EXTERN(X_INT64_MIN, test_lib, "pt_int64_min", T_COUNT);
    EXTERN(X_NO_SYMBOL, test_lib, "pt_no_such_function", T_NUMBER);
    EXTERN(X_NO_LIBRARY, NO_LIBRARY, "nope", T_NUMBER, T_NUMBER);
    EXTERN(X_CBRT, "libm.so.6", "cbrt", T_NUMBER, T_NUMBER);
    EXTERN(X_REFUSED, "libz.so.1", "zlibVersion", T_TEXT);
}

static void setup(void)
{
    build_program();
    const char *allowed[] = { "libm.so.6", test_lib, NO_LIBRARY };
    nat = native_new(&prog, allowed, sizeof allowed / sizeof *allowed);
    memset(&arena, 0, sizeof arena);
    why[0] = '\0';
}

static void teardown(void)
{
    native_free(nat);
    nat = NULL;
    arena_free(&arena);
    arena_free(&prog.arena);        /* not bc_free: only the arena is used */
}

/* ---- values, built directly from value.h's layout ---------------------- */

static Value missing(void) { Value v = { 0 }; return v; }

static Value real(double d)
{
    Value v = { .kind = V_REAL, .unit = T_NUMBER };
    v.as.real = d;
    return v;
}

static Value exact(int64_t n, int64_t d, uint8_t unit)
{
    Value v = { .kind = V_NUM, .unit = unit };
    v.as.num = (Num){ n, d };
    return v;
}

static Value count(int64_t n) { return exact(n, 1, T_COUNT); }

static Value boolean(bool b)
{
    Value v = { .kind = V_BOOL };
    v.as.boolean = b;
    return v;
}

static Value text(const char *s, uint32_t len)
{
    Value v = { .kind = V_TEXT, .unit = T_TEXT };
    v.as.text = (Text){ len, s };
    return v;
}

/* A call that must succeed; returns its result. */
static Value call_ok(unsigned index, const Value *args)
{
    Value r = real(-1);
    NativeStatus st = native_call(nat, (uint16_t)index, args, &arena, &r, why, sizeof why);
    ck_assert_msg(st == NATIVE_OK, "extern %u: status %d: %s", index, (int)st, why);
    return r;
}

/* A call that must fail with `want`; its result must be missing. */
static void call_fails(unsigned index, const Value *args, NativeStatus want)
{
    Value r = real(-1);
    NativeStatus st = native_call(nat, (uint16_t)index, args, &arena, &r, why, sizeof why);
    ck_assert_int_eq(st, want);
    ck_assert_int_eq(r.kind, V_MISSING);
}

#define ck_assert_real(v, want) do { \
        Value v_ = (v); \
        ck_assert_int_eq(v_.kind, V_REAL); \
        ck_assert_int_eq(v_.unit, T_NUMBER); \
        ck_assert_double_eq(v_.as.real, (want)); \
    } while (0)

#define ck_assert_count(v, want) do { \
        Value v_ = (v); \
        ck_assert_int_eq(v_.kind, V_NUM); \
        ck_assert_int_eq(v_.unit, T_COUNT); \
        ck_assert_int_eq(v_.as.num.n, (want)); \
        ck_assert_int_eq(v_.as.num.d, 1); \
    } while (0)

#define ck_assert_bool(v, want) do { \
        Value v_ = (v); \
        ck_assert_int_eq(v_.kind, V_BOOL); \
        ck_assert(v_.as.boolean == (want)); \
    } while (0)

#define ck_assert_text(v, want) do { \
        Value v_ = (v); \
        ck_assert_int_eq(v_.kind, V_TEXT); \
        ck_assert_int_eq(v_.unit, T_TEXT); \
        ck_assert_uint_eq(v_.as.text.len, strlen(want)); \
        ck_assert_mem_eq(v_.as.text.bytes, (want), strlen(want)); \
    } while (0)

/* ---- round trips ------------------------------------------------------- */

START_TEST(number_round_trip)
{
    ck_assert_real(call_ok(X_SCALE, (Value[]){ real(2.5), real(4) }), 10.0);
    ck_assert_real(call_ok(X_SCALE, (Value[]){ real(-0.5), real(3) }), -1.5);
    /* exact numbers arrive as their double: 1/4 * 8 */
    ck_assert_real(call_ok(X_SCALE, (Value[]){ exact(1, 4, T_NUMBER), exact(8, 1, T_NUMBER) }), 2.0);
    ck_assert_real(call_ok(X_SCALE, (Value[]){ exact(19, 20, T_NUMBER), real(100) }), 95.0);
}
END_TEST

START_TEST(count_round_trip)
{
    ck_assert_count(call_ok(X_ADD, (Value[]){ count(40), count(2) }), 42);
    ck_assert_count(call_ok(X_ADD, (Value[]){ count(-7), count(3) }), -4);
    ck_assert_count(call_ok(X_ADD, (Value[]){ count(INT64_MAX - 1), count(1) }), INT64_MAX);
    /* a whole count that overflowed into a double still passes */
    Value big = real(4e15);
    big.unit = T_COUNT;
    ck_assert_count(call_ok(X_ADD, (Value[]){ big, count(1) }), 4000000000000001);
}
END_TEST

START_TEST(count_result_int64_min)
{
    /* no Num holds INT64_MIN, so it comes back as a real count */
    Value r = call_ok(X_INT64_MIN, NULL);
    ck_assert_int_eq(r.kind, V_REAL);
    ck_assert_int_eq(r.unit, T_COUNT);
    ck_assert_double_eq(r.as.real, -0x1p63);
}
END_TEST

START_TEST(bool_round_trip)
{
    ck_assert_bool(call_ok(X_EVEN, (Value[]){ count(42) }), true);
    ck_assert_bool(call_ok(X_EVEN, (Value[]){ count(7) }), false);
    ck_assert_bool(call_ok(X_EVEN, (Value[]){ count(0) }), true);
    ck_assert_bool(call_ok(X_NOT, (Value[]){ boolean(true) }), false);
    ck_assert_bool(call_ok(X_NOT, (Value[]){ boolean(false) }), true);   /* C returned 2 */
}
END_TEST

START_TEST(text_round_trip)
{
    ck_assert_text(call_ok(X_GREET, (Value[]){ text("NHS", 3) }), "hello, NHS");
    ck_assert_text(call_ok(X_GREET, (Value[]){ text("Ynys M\xc3\xb4n", 9) }), "hello, Ynys M\xc3\xb4n");
    ck_assert_text(call_ok(X_GREET, (Value[]){ text("", 0) }), "hello, ");
    /* Text is not NUL-terminated: only len bytes cross */
    ck_assert_text(call_ok(X_GREET, (Value[]){ text("NHS England", 3) }), "hello, NHS");
}
END_TEST

START_TEST(text_result_is_a_copy)
{
    /* pt_greet reuses one static buffer: the first result must not change */
    Value a = call_ok(X_GREET, (Value[]){ text("Leeds", 5) });
    Value b = call_ok(X_GREET, (Value[]){ text("York", 4) });
    ck_assert_text(a, "hello, Leeds");
    ck_assert_text(b, "hello, York");
    ck_assert_ptr_ne(a.as.text.bytes, b.as.text.bytes);
}
END_TEST

/* glibc's cbrt is not correctly rounded: cbrt(27) is 3.0000000000000004. */
#define ck_assert_near(v, want) do { \
        Value w_ = (v); \
        ck_assert_int_eq(w_.kind, V_REAL); \
        ck_assert_int_eq(w_.unit, T_NUMBER); \
        ck_assert_double_eq_tol(w_.as.real, (want), 1e-12); \
    } while (0)

START_TEST(libm_cbrt)
{
    ck_assert_near(call_ok(X_CBRT, (Value[]){ real(27) }), 3.0);
    ck_assert_near(call_ok(X_CBRT, (Value[]){ count(27) }), 3.0);   /* cached handle and cif */
    ck_assert_near(call_ok(X_CBRT, (Value[]){ real(-8) }), -2.0);
}
END_TEST

/* ---- results that are missing ------------------------------------------ */

START_TEST(nan_is_missing)
{
    ck_assert_int_eq(call_ok(X_NAN, NULL).kind, V_MISSING);
}
END_TEST

START_TEST(infinity_is_missing)
{
    ck_assert_int_eq(call_ok(X_SCALE, (Value[]){ real(1e308), real(10) }).kind, V_MISSING);
    ck_assert_int_eq(call_ok(X_SCALE, (Value[]){ real(-1e308), real(10) }).kind, V_MISSING);
}
END_TEST

START_TEST(null_text_is_missing)
{
    ck_assert_int_eq(call_ok(X_NULL, NULL).kind, V_MISSING);
}
END_TEST

START_TEST(missing_argument_calls_nothing)
{
    /* The library does not exist: had it been opened, the call would fail. */
    ck_assert_int_eq(call_ok(X_NO_LIBRARY, (Value[]){ missing() }).kind, V_MISSING);
    ck_assert_int_eq(call_ok(X_ADD, (Value[]){ count(1), missing() }).kind, V_MISSING);
    /* missing wins over an argument that would be refused */
    ck_assert_int_eq(call_ok(X_ADD, (Value[]){ exact(5, 2, T_COUNT), missing() }).kind, V_MISSING);
    /* and with a value, the library is opened and is not there */
    call_fails(X_NO_LIBRARY, (Value[]){ real(1) }, NATIVE_FAILED);
}
END_TEST

/* ---- refusals and failures --------------------------------------------- */

START_TEST(refused_library)
{
    call_fails(X_REFUSED, NULL, NATIVE_REFUSED);
    ck_assert_str_eq(why, "native function `zlibVersion` needs library libz.so.1, which is not allowed: "
                          "run with --allow-native libz.so.1");
}
END_TEST

START_TEST(refused_without_any_allowed)
{
    native_free(nat);
    nat = native_new(&prog, NULL, 0);
    call_fails(X_CBRT, (Value[]){ real(27) }, NATIVE_REFUSED);
    ck_assert_str_eq(why, "native function `cbrt` needs library libm.so.6, which is not allowed: "
                          "run with --allow-native libm.so.6");
    /* refusal does not depend on the data */
    call_fails(X_CBRT, (Value[]){ missing() }, NATIVE_REFUSED);
}
END_TEST

START_TEST(missing_library)
{
    call_fails(X_NO_LIBRARY, (Value[]){ real(1) }, NATIVE_FAILED);
    ck_assert_msg(strstr(why, "cannot load library " NO_LIBRARY " for native function `nope`: ") == why,
                  "why: %s", why);
    ck_assert_msg(strstr(why, "No such file or directory"), "why: %s", why);
    /* a failure is not cached as success: it fails again, the same way */
    char first[sizeof why];
    strcpy(first, why);
    call_fails(X_NO_LIBRARY, (Value[]){ real(1) }, NATIVE_FAILED);
    ck_assert_str_eq(why, first);
}
END_TEST

START_TEST(missing_symbol)
{
    call_fails(X_NO_SYMBOL, NULL, NATIVE_FAILED);
    ck_assert_msg(strstr(why, "has no function `pt_no_such_function`"), "why: %s", why);
    ck_assert_msg(strstr(why, test_lib), "why: %s", why);
    /* the library itself opened: its other functions still work */
    ck_assert_real(call_ok(X_SCALE, (Value[]){ real(2), real(3) }), 6.0);
}
END_TEST

START_TEST(count_not_whole)
{
    call_fails(X_ADD, (Value[]){ count(1), exact(5, 2, T_COUNT) }, NATIVE_FAILED);
    ck_assert_str_eq(why, "argument 2 of pt_add must be a whole number, got 2.5");
    call_fails(X_EVEN, (Value[]){ exact(-1, 3, T_COUNT) }, NATIVE_FAILED);
    ck_assert_str_eq(why, "argument 1 of pt_is_even must be a whole number, got -0.333333333333333");
    Value r = real(2.5);
    r.unit = T_COUNT;
    call_fails(X_ADD, (Value[]){ r, count(1) }, NATIVE_FAILED);
    ck_assert_str_eq(why, "argument 1 of pt_add must be a whole number, got 2.5");
    r.as.real = 1e19;   /* whole, but not an int64 */
    call_fails(X_ADD, (Value[]){ r, count(1) }, NATIVE_FAILED);
    ck_assert_str_eq(why, "argument 1 of pt_add must be a whole number, got 1e+19");
}
END_TEST

START_TEST(text_with_nul_byte)
{
    call_fails(X_GREET, (Value[]){ text("a\0b", 3) }, NATIVE_FAILED);
    ck_assert_str_eq(why, "argument 1 of pt_greet contains a NUL byte, which a C string cannot hold");
}
END_TEST

START_TEST(result_not_utf8)
{
    call_fails(X_BAD_UTF8, NULL, NATIVE_FAILED);
    ck_assert_msg(strstr(why, "`pt_bad_utf8`") && strstr(why, "not valid UTF-8"), "why: %s", why);
}
END_TEST

START_TEST(wrong_kind_of_argument)
{
    call_fails(X_EVEN, (Value[]){ boolean(true) }, NATIVE_FAILED);
    ck_assert_str_eq(why, "argument 1 of pt_is_even is not a count");
}
END_TEST

START_TEST(bad_index)
{
    call_fails(X__COUNT, NULL, NATIVE_FAILED);
    ck_assert_str_eq(why, "there is no native function number 13");
}
END_TEST

START_TEST(why_is_optional_and_bounded)
{
    Value r;
    ck_assert_int_eq(native_call(nat, X_REFUSED, NULL, &arena, &r, NULL, 0), NATIVE_REFUSED);
    char small[8];
    memset(small, 'x', sizeof small);
    ck_assert_int_eq(native_call(nat, X_REFUSED, NULL, &arena, &r, small, sizeof small), NATIVE_REFUSED);
    ck_assert_str_eq(small, "native ");
}
END_TEST

START_TEST(unused_and_null)
{
    /* nothing is opened, so nothing needs closing */
    native_free(nat);
    nat = native_new(&prog, NULL, 0);
    native_free(nat);
    nat = NULL;
    native_free(NULL);

    BcProgram empty;
    memset(&empty, 0, sizeof empty);
    nat = native_new(&empty, NULL, 0);
    call_fails(0, NULL, NATIVE_FAILED);
}
END_TEST

static Suite *ffi_suite(void)
{
    Suite *s = suite_create("ffi");
    TCase *tc = tcase_create("round trips");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, number_round_trip);
    tcase_add_test(tc, count_round_trip);
    tcase_add_test(tc, count_result_int64_min);
    tcase_add_test(tc, bool_round_trip);
    tcase_add_test(tc, text_round_trip);
    tcase_add_test(tc, text_result_is_a_copy);
    tcase_add_test(tc, libm_cbrt);
    suite_add_tcase(s, tc);

    tc = tcase_create("missing");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, nan_is_missing);
    tcase_add_test(tc, infinity_is_missing);
    tcase_add_test(tc, null_text_is_missing);
    tcase_add_test(tc, missing_argument_calls_nothing);
    suite_add_tcase(s, tc);

    tc = tcase_create("failures");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, refused_library);
    tcase_add_test(tc, refused_without_any_allowed);
    tcase_add_test(tc, missing_library);
    tcase_add_test(tc, missing_symbol);
    tcase_add_test(tc, count_not_whole);
    tcase_add_test(tc, text_with_nul_byte);
    tcase_add_test(tc, result_not_utf8);
    tcase_add_test(tc, wrong_kind_of_argument);
    tcase_add_test(tc, bad_index);
    tcase_add_test(tc, why_is_optional_and_bounded);
    tcase_add_test(tc, unused_and_null);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(ffi_suite());
}
