/* report.c: what every report writer shares: the names of statuses,
 * values rounded for people, and the dispatch to the
 * writer of each format (report_text.c, report_data.c, report_html.c). */
#include "report/report.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

__extension__ typedef __int128 i128;

const char *report_status(uint8_t status)
{
    return status < ST__COUNT ? status_name[status] : "unknown";
}

const char *report_cmp_name(uint8_t cmp)
{
    return cmp < sizeof cmp_text / sizeof *cmp_text ? cmp_text[cmp] : "?";
}

const char *report_arm_condition(const Report *r, const ReportRating *ra)
{
    if (ra->rating >= r->nrating_decls || ra->arm < 0) return NULL;
    const ReportRatingDecl *d = &r->rating_decls[ra->rating];
    return (size_t)ra->arm < d->narms ? d->arms[ra->arm].when : NULL;
}

/* ---- rounding --------------------------------------------------------------- */

/* Displayed values stay below this many units of their last digit, so the
 * longest (sign, 15 digits, separators, decimals, unit) fits in 64 bytes. */
#define DISPLAY_LIMIT 1000000000000000LL

static i128 pow10_i128(int e)
{
    i128 p = 1;
    while (e-- > 0) p *= 10;
    return p;
}

/* v * 10^shift rounded half away from zero into *out: exactly for an exact
 * number, so 94.25% shows as 94.3% whatever binary floating point would
 * make of it. False when the result would pass DISPLAY_LIMIT. */
static bool scaled_round(Value v, int shift, int64_t *out)
{
    if (v.kind == V_NUM) {
        i128 num = v.as.num.n, den = v.as.num.d;
        if (shift >= 0) num *= pow10_i128(shift);
        else den *= pow10_i128(-shift);
        bool neg = num < 0;
        if (neg) num = -num;
        i128 q = (2 * num + den) / (2 * den);
        if (q >= DISPLAY_LIMIT) return false;
        *out = (int64_t)(neg ? -q : q);
        return true;
    }
    double y = v.as.real * pow(10, shift);
    if (!(fabs(y) < (double)DISPLAY_LIMIT)) return false;
    *out = (int64_t)llround(y);
    return true;
}

static bool is_whole(Value v)
{
    return v.kind == V_NUM ? v.as.num.d == 1 : v.as.real == floor(v.as.real);
}

/* Appends to buf[*k .. cap), always NUL-terminated, never past cap. */
static void put(char *buf, size_t cap, size_t *k, const char *s)
{
    size_t n = strlen(s);
    if (*k + 1 >= cap) return;
    if (n > cap - 1 - *k) n = cap - 1 - *k;
    memcpy(buf + *k, s, n);
    *k += n;
    buf[*k] = '\0';
}

/* |q| / 10^decimals with thousands separators: "1,234.5". strip drops
 * trailing zeros of the fraction (and its point when nothing is left). */
static void put_fixed(char *buf, size_t cap, size_t *k, int64_t q, int decimals, bool strip)
{
    uint64_t mag = q < 0 ? (uint64_t)0 - (uint64_t)q : (uint64_t)q;
    uint64_t scale = 1;
    for (int i = 0; i < decimals; i++) scale *= 10;
    char whole[32], grouped[48], frac[32];
    int n = snprintf(whole, sizeof whole, "%llu", (unsigned long long)(mag / scale));
    size_t g = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) grouped[g++] = ',';
        grouped[g++] = whole[i];
    }
    grouped[g] = '\0';
    put(buf, cap, k, grouped);
    if (decimals <= 0) return;
    if (decimals > 18) decimals = 18;       /* bounds the digits for the compiler, too */
    snprintf(frac, sizeof frac, "%0*llu", decimals, (unsigned long long)(mag % scale));
    int len = decimals;
    while (strip && len > 0 && frac[len - 1] == '0') len--;
    frac[len] = '\0';
    if (len == 0) return;
    put(buf, cap, k, ".");
    put(buf, cap, k, frac);
}

/* A number too large to round to its usual digits: 3 significant digits. */
static void put_huge(char *buf, size_t cap, size_t *k, Value v, double scale)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%.3g", fabs(val_to_double(v)) * scale);
    put(buf, cap, k, tmp);
}

static bool negative(Value v)
{
    return v.kind == V_NUM ? v.as.num.n < 0 : v.as.real < 0;
}

/* ---- display of each unit ----------------------------------------------------- */

/* 94.2%, 0.5pp: points with one decimal, and `extra` more when asked. */
static void display_points(char *buf, size_t cap, size_t *k, Value v, int extra, const char *unit)
{
    int64_t q;
    int decimals = 1 + extra;
    if (!scaled_round(v, 2 + decimals, &q)) {
        if (negative(v)) put(buf, cap, k, "-");
        put_huge(buf, cap, k, v, 100);
    } else {
        if (q < 0) put(buf, cap, k, "-");
        put_fixed(buf, cap, k, q, decimals, false);
    }
    put(buf, cap, k, unit);
}

/* £1,234 below £10k, then £350k, £1.5m, £2bn with one decimal at most;
 * pence only under £1,000 and when there are any. `extra` asks for the
 * exact pounds and pence. */
static void display_money(char *buf, size_t cap, size_t *k, Value v, int extra)
{
    static const struct { int exp; const char *suffix; } scales[] = { { 3, "k" }, { 6, "m" }, { 9, "bn" } };
    int64_t q;
    if (negative(v)) put(buf, cap, k, "-");
    put(buf, cap, k, "\xC2\xA3");
    double mag = fabs(val_to_double(v));
    if (extra || (mag < 1000 && !is_whole(v))) {
        int decimals = is_whole(v) ? 0 : 2;
        if (scaled_round(v, decimals, &q)) put_fixed(buf, cap, k, q, decimals, false);
        else put_huge(buf, cap, k, v, 1);
        return;
    }
    if (mag < 10000 && scaled_round(v, 0, &q)) {
        put_fixed(buf, cap, k, q, 0, false);
        return;
    }
    for (size_t i = 0; i < sizeof scales / sizeof *scales; i++) {
        bool last = i + 1 == sizeof scales / sizeof *scales;
        if (scaled_round(v, 1 - scales[i].exp, &q) && (last || (q < 10000 && q > -10000))) {
            put_fixed(buf, cap, k, q, 1, true);
            put(buf, cap, k, scales[i].suffix);
            return;
        }
    }
    put_huge(buf, cap, k, v, 1e-9);
    put(buf, cap, k, "bn");
}

/* Counts and plain numbers: whole ones with separators, others with one
 * decimal from 100 up and three below (a relative change of -0.052). */
static void display_number(char *buf, size_t cap, size_t *k, Value v, int extra)
{
    int decimals = is_whole(v) && !extra ? 0 : fabs(val_to_double(v)) >= 100 ? 1 + extra : 3 + extra;
    int64_t q;
    if (!scaled_round(v, decimals, &q)) {
        if (negative(v)) put(buf, cap, k, "-");
        put_huge(buf, cap, k, v, 1);
        return;
    }
    if (q < 0) put(buf, cap, k, "-");
    put_fixed(buf, cap, k, q, decimals, true);
}

/* Cuts a text at cap without splitting a UTF-8 character. */
static void put_text(char *buf, size_t cap, size_t *k, const char *s, size_t n)
{
    if (!cap) return;
    size_t room = cap - 1 - *k;
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    memcpy(buf + *k, s, n);
    *k += n;
    buf[*k] = '\0';
}

static size_t display(Value v, int extra, char *buf, size_t cap)
{
    size_t k = 0;
    if (!cap) return 0;
    buf[0] = '\0';
    switch (v.kind) {
    case V_MISSING: put(buf, cap, &k, "-"); break;
    case V_NUM: case V_REAL:
        if (v.unit == T_PERCENT) display_points(buf, cap, &k, v, extra, "%");
        else if (v.unit == T_PP) display_points(buf, cap, &k, v, extra, "pp");
        else if (v.unit == T_MONEY) display_money(buf, cap, &k, v, extra);
        else display_number(buf, cap, &k, v, extra);
        break;
    case V_TEXT: put_text(buf, cap, &k, v.as.text.bytes, v.as.text.len); break;
    default: {
        char tmp[256];
        size_t n = val_format(v, false, tmp, sizeof tmp);
        put_text(buf, cap, &k, tmp, n < sizeof tmp ? n : strlen(tmp));
        break;
    }
    }
    return k;
}

size_t report_display(Value v, char *buf, size_t cap)
{
    return display(v, 0, buf, cap);
}

size_t report_display_vs(Value v, Value ref, char *buf, size_t cap)
{
    size_t n = display(v, 0, buf, cap);
    bool missing;
    if (!val_is_number(v) || !val_is_number(ref) || val_compare(v, ref, &missing) == 0) return n;
    for (int extra = 0; extra <= 4; extra++) {
        char mine[64], theirs[64];
        display(v, extra, mine, sizeof mine);
        display(ref, extra, theirs, sizeof theirs);
        if (strcmp(mine, theirs) != 0) return display(v, extra, buf, cap);
    }
    return n;
}

size_t report_gap(Value gap, char *buf, size_t cap)
{
    if (!val_is_number(gap) || !cap) return report_display(gap, buf, cap);
    Value zero = val_num(num_int(0), (TypeKind)gap.unit);
    bool missing;
    int sign = val_compare(gap, zero, &missing);
    Value mag = sign < 0 ? val_neg(gap) : gap;
    mag.unit = gap.unit;
    int extra = 0;                      /* enough decimals that a gap is not shown as none */
    for (char shown[64], none[64]; sign && extra < 4; extra++) {
        display(mag, extra, shown, sizeof shown);
        display(zero, extra, none, sizeof none);
        if (strcmp(shown, none) != 0) break;
    }
    size_t k = 0;
    if (sign && cap > 1) buf[k++] = sign < 0 ? '-' : '+';
    return k + display(mag, extra, buf + k, cap - k);
}

size_t report_needed(const ReportItem *it, const ReportNeeded *n, char *buf, size_t cap)
{
    if (!cap) return 0;
    buf[0] = '\0';
    if (!val_is_number(n->change) || !it->needed_of) return 0;
    bool missing, mean = it->needed_shape && strcmp(it->needed_shape, "mean") == 0;
    bool up = val_compare(n->change, val_num(num_int(0), (TypeKind)n->change.unit), &missing) > 0;
    char mag[64], per[64] = "";
    Value m = up ? n->change : val_neg(n->change);
    m.unit = n->change.unit;
    report_display(m, mag, sizeof mag);
    if (val_is_number(n->per_period)) {
        Value q = up ? n->per_period : val_neg(n->per_period);
        q.unit = n->per_period.unit;
        report_display(q, per, sizeof per);
    }
    int k = mean ? snprintf(buf, cap, "%s %s %s", it->needed_of, mag, up ? "higher" : "lower")
                 : snprintf(buf, cap, "%s %s %s", mag, up ? "more" : "fewer", it->needed_of);
    if (k >= 0 && (size_t)k < cap && per[0])
        k += snprintf(buf + k, cap - (size_t)k, " (%s a %s)", per, grain_name((Grain)n->grain));
    return k < 0 ? 0 : (size_t)k;
}

size_t report_window(Value w, char *buf, size_t cap)
{
    return display(w, 0, buf, cap);
}

/* ---- dispatch ------------------------------------------------------------------- */

const char *report_variation_what(const ReportVariation *v, char *buf, size_t cap)
{
    if (v->exempt) snprintf(buf, cap, "exempt: %s", v->exempt);
    else snprintf(buf, cap, "target %s", v->target_text ? v->target_text : "");
    return buf;
}

bool report_write(const Report *r, ReportFormat f, FILE *out, ReportStyle style)
{
    switch (f) {
    case FORMAT_JSON: return report_json(r, out);
    case FORMAT_CSV:  return report_csv(r, out);
    case FORMAT_HTML: return report_html(r, out);
    default:          return report_text(r, out, style);
    }
}
