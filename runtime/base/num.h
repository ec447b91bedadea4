/* num.h: exact rational numbers, the numeric core of Pledge values.
 *
 * A Num is n/d with d > 0 and gcd(|n|, d) == 1. Every decimal literal
 * (3.25, 92.5%, £1.5m) and every ratio of counts is exact, so 95 of 100
 * compares equal to 95% and £0.10 + £0.20 == £0.30. Operations report
 * overflow instead of wrapping; the caller then falls back to binary floating
 * point and marks the value inexact. n is never INT64_MIN, so negation is
 * always safe. */
#ifndef PLEDGE_NUM_H
#define PLEDGE_NUM_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef struct Num { int64_t n, d; } Num;

typedef enum NumStatus {
    NUM_OK = 0,
    NUM_OVERFLOW,   /* the exact result does not fit in int64 n/d */
    NUM_DIV_ZERO,   /* division by zero */
    NUM_SYNTAX      /* num_parse_decimal: not a decimal numeral */
} NumStatus;

Num       num_int(int64_t i);                       /* i must not be INT64_MIN */
NumStatus num_make(int64_t n, int64_t d, Num *out); /* reduces; d == 0 is NUM_DIV_ZERO */
NumStatus num_add(Num a, Num b, Num *out);
NumStatus num_sub(Num a, Num b, Num *out);
NumStatus num_mul(Num a, Num b, Num *out);
NumStatus num_div(Num a, Num b, Num *out);
Num       num_neg(Num a);
int       num_cmp(Num a, Num b);                    /* -1, 0, 1; exact (128-bit) */
bool      num_is_int(Num a);
double    num_to_double(Num a);

/* Parses digits with an optional fraction and '_' separators between digits
 * ("1_000_000", "3.25", "0.5") and multiplies by 10^exp10 (exp10 from -18 to
 * 18: -2 for a percent, 3, 6, 9 for £k, £m, £bn). No sign, no exponent, no
 * leading/trailing/double '_', at least one digit before a '.' and after it. */
NumStatus num_parse_decimal(const char *s, size_t len, int exp10, Num *out);

/* Writes a canonical decimal: the exact value when the denominator divides a
 * power of ten up to 10^18 ("0.925", "-3", "1500000"), otherwise the value
 * rounded to 15 significant digits ("0.333333333333333"). Always
 * NUL-terminates; returns the length it wanted (like snprintf). */
size_t    num_format(Num a, char *buf, size_t cap);

#endif
