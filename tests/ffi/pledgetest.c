/* pledgetest.c: a small shared library for tests/unit/test_ffi.c, which
 * loads it by path with dlopen. One function per type the FFI passes, and
 * a few that return what Pledge must turn into missing or refuse. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

double pt_scale(double x, double k);
int64_t pt_add(int64_t a, int64_t b);
int pt_is_even(int64_t n);
int pt_not(int b);
const char *pt_greet(const char *name);
double pt_nan(void);
const char *pt_null(void);
const char *pt_bad_utf8(void);
int64_t pt_int64_min(void);

double pt_scale(double x, double k) { return x * k; }

int64_t pt_add(int64_t a, int64_t b) { return a + b; }

int pt_is_even(int64_t n) { return n % 2 == 0; }

/* Any non-zero int is true; 2 checks the FFI does not compare with 1. */
int pt_not(int b) { return b ? 0 : 2; }

/* The caller copies the result before the next call overwrites it. */
const char *pt_greet(const char *name)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "hello, %s", name);
    return buf;
}

double pt_nan(void) { return NAN; }

const char *pt_null(void) { return NULL; }

/* A lone continuation byte between valid text. */
const char *pt_bad_utf8(void) { return "ab\x80" "cd"; }

int64_t pt_int64_min(void) { return INT64_MIN; }
