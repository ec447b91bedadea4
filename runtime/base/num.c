/* num.c: exact rationals.
 *
 * Each operation forms its exact result in 128 bits, where a product of two
 * int64 values cannot overflow, then reduces it and checks that it fits.
 * On failure *out is left untouched. */
#include "base/num.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

/* Euclid, dividing in 128 bits only while it has to: once b fits in 64
 * bits, one more step brings a there too, and native division is far
 * cheaper than the 128-bit library call. */
static u128 gcd(u128 a, u128 b)
{
    while (b > UINT64_MAX) {
        u128 r = a % b;
        a = b;
        b = r;
    }
    if (b == 0)
        return a;
    uint64_t x = (uint64_t)b, y = (uint64_t)(a % b);
    while (y != 0) {
        uint64_t r = x % y;
        x = y;
        y = r;
    }
    return x;
}

/* n/d in lowest terms. Callers pass |n|, |d| < 2^127, so negation is safe. */
static NumStatus make(i128 n, i128 d, Num *out)
{
    if (d == 0)
        return NUM_DIV_ZERO;
    if (d < 0) {
        n = -n;
        d = -d;
    }
    u128 mag = n < 0 ? (u128)-n : (u128)n;
    u128 g = gcd(mag, (u128)d);
    u128 num = mag / g, den = (u128)d / g;
    /* Refusing a magnitude of 2^63 keeps INT64_MIN out, so num_neg is total. */
    if (num > INT64_MAX || den > INT64_MAX)
        return NUM_OVERFLOW;
    out->n = n < 0 ? -(int64_t)num : (int64_t)num;
    out->d = (int64_t)den;
    return NUM_OK;
}

Num num_int(int64_t i)
{
    assert(i != INT64_MIN);
    return (Num){ i, 1 };
}

NumStatus num_make(int64_t n, int64_t d, Num *out)
{
    return make(n, d, out);
}

NumStatus num_add(Num a, Num b, Num *out)
{
    if (a.d == b.d)                 /* integers, and sums of like amounts */
        return make((i128)a.n + b.n, a.d, out);
    return make((i128)a.n * b.d + (i128)b.n * a.d, (i128)a.d * b.d, out);
}

NumStatus num_sub(Num a, Num b, Num *out)
{
    return num_add(a, num_neg(b), out);
}

NumStatus num_mul(Num a, Num b, Num *out)
{
    return make((i128)a.n * b.n, (i128)a.d * b.d, out);
}

NumStatus num_div(Num a, Num b, Num *out)
{
    return make((i128)a.n * b.d, (i128)a.d * b.n, out);
}

Num num_neg(Num a)
{
    return (Num){ -a.n, a.d };
}

int num_cmp(Num a, Num b)
{
    i128 l = (i128)a.n * b.d, r = (i128)b.n * a.d;
    return (l > r) - (l < r);
}

bool num_is_int(Num a)
{
    return a.d == 1;
}

double num_to_double(Num a)
{
    return (double)a.n / (double)a.d;
}

/* ---- decimal text ------------------------------------------------------ */

/* A numeral read so far is worth mant * 10^zeros / 10^places. Zeros are
 * held back until a nonzero digit follows, so that "1.000000000000000000000"
 * reaches 1 without passing through a mantissa too big to hold. */
typedef struct Decimal {
    u128   mant;
    size_t zeros;       /* zeros held back after mant */
    size_t places;      /* digits after the point */
    bool   big;         /* mant outgrew 128 bits */
} Decimal;

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void push_digit(Decimal *dec, unsigned digit)
{
    if (digit == 0) {
        if (dec->mant != 0)         /* leading zeros are worth nothing */
            dec->zeros++;
        return;
    }
    for (size_t i = 0; i <= dec->zeros && !dec->big; i++)
        dec->big = __builtin_mul_overflow(dec->mant, 10u, &dec->mant);
    if (!dec->big)
        dec->big = __builtin_add_overflow(dec->mant, digit, &dec->mant);
    dec->zeros = 0;
}

/* One or more digits, with single '_'s between digits, from s[*i]. */
static bool read_digits(const char *s, size_t len, size_t *i, Decimal *dec,
                        bool after_point)
{
    size_t j = *i;
    for (;;) {
        if (j == len || !is_digit(s[j]))
            return false;           /* no digit, or a '_' without one after */
        do {
            push_digit(dec, (unsigned)(s[j] - '0'));
            if (after_point)
                dec->places++;
            j++;
        } while (j < len && is_digit(s[j]));
        if (j == len || s[j] != '_')
            break;
        j++;
    }
    *i = j;
    return true;
}

/* *x *= base^times; false as soon as *x exceeds INT64_MAX. */
static bool scale(u128 *x, unsigned base, size_t times)
{
    if (*x > INT64_MAX)
        return false;
    for (; times > 0; times--) {
        *x *= base;
        if (*x > INT64_MAX)
            return false;
    }
    return true;
}

NumStatus num_parse_decimal(const char *s, size_t len, int exp10, Num *out)
{
    Decimal dec = { 0 };
    size_t i = 0;
    if (!read_digits(s, len, &i, &dec, false))
        return NUM_SYNTAX;
    if (i < len && s[i] == '.') {
        i++;
        if (!read_digits(s, len, &i, &dec, true))
            return NUM_SYNTAX;
    }
    if (i != len)
        return NUM_SYNTAX;
    /* 39 or more significant digits: the value could only fit in the rare
     * case of a long exact binary fraction (0.5^62 written out), which no
     * one writes in a rule. */
    if (dec.big)
        return NUM_OVERFLOW;
    if (dec.mant == 0) {
        *out = num_int(0);
        return NUM_OK;
    }

    /* The value is mant * 10^up / 10^down; cancel the common powers. */
    size_t up = dec.zeros, down = dec.places;
    if (exp10 >= 0)
        up += (size_t)exp10;
    else
        down += (size_t)-(long long)exp10;
    if (up >= down) {
        up -= down;
        down = 0;
    } else {
        down -= up;
        up = 0;
    }

    /* Cancelling the 2s and 5s that n shares with 10^down leaves n/d in
     * lowest terms: no other prime divides d. */
    u128 n = dec.mant, d = 1;
    size_t twos = 0, fives = 0;
    while (twos < down && n % 2 == 0) {
        n /= 2;
        twos++;
    }
    while (fives < down && n % 5 == 0) {
        n /= 5;
        fives++;
    }
    if (!scale(&n, 10, up) || !scale(&d, 2, down - twos) || !scale(&d, 5, down - fives))
        return NUM_OVERFLOW;
    out->n = (int64_t)n;
    out->d = (int64_t)d;
    return NUM_OK;
}

static size_t wanted(int len)
{
    return len < 0 ? 0 : (size_t)len;
}

size_t num_format(Num a, char *buf, size_t cap)
{
    /* The value is a terminating decimal exactly when d = 2^twos 5^fives,
     * and then it has max(twos, fives) places. */
    int64_t rest = a.d;
    int twos = 0, fives = 0;
    while (rest > 1 && rest % 2 == 0) {
        rest /= 2;
        twos++;
    }
    while (rest > 1 && rest % 5 == 0) {
        rest /= 5;
        fives++;
    }
    int places = twos > fives ? twos : fives;
    if (rest != 1 || places > 18)
        return wanted(snprintf(buf, cap, "%.15g", num_to_double(a)));

    uint64_t pow10 = 1;
    for (int i = 0; i < places; i++)
        pow10 *= 10;
    /* |n| < 2^63 and the factor is at most 10^18, so 128 bits hold the
     * product. The factor is a power of 2 or of 5 alone, and n shares no
     * prime with d, so the last digit is never 0. */
    uint64_t mag = (uint64_t)(a.n < 0 ? -a.n : a.n);
    u128 scaled = (u128)mag * (pow10 / (uint64_t)a.d);
    uint64_t whole = (uint64_t)(scaled / pow10), frac = (uint64_t)(scaled % pow10);
    const char *sign = a.n < 0 ? "-" : "";
    if (places == 0)
        return wanted(snprintf(buf, cap, "%s%" PRIu64, sign, whole));
    return wanted(snprintf(buf, cap, "%s%" PRIu64 ".%0*" PRIu64, sign, whole, places, frac));
}
