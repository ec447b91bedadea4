/* ae_rollup.c: the Pledge side of the feed benchmark (bench/feeds/run.sh).
 *
 *   bench/feeds/ae_rollup RULES AE.csv LOOKUP.csv
 *
 * Compiles the rule file in-process (as `pledge` does), loads the `stp`
 * hierarchy from LOOKUP.csv and the `ae` feed from AE.csv, and prints each
 * system's four-hour performance per financial year,
 *
 *     1 - sum(breaches) / sum(attendances)
 *
 * over every row of the system's providers in the twelve months of the year,
 * as CSV `system,fy,performance` (15 significant digits), ordered by system
 * code and then year. The sums come from feed_aggregate, as an assessment's
 * would, with an as-of date far in the future so that every month counts.
 * Standard error gets how long each phase took (wall clock).
 * Built on demand only: `make bench/feeds/ae_rollup`. */
#include "config.h"
#include "lang/front.h"
#include "vm/compile.h"
#include "data/feed.h"
#include "vm/vm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { FIRST_FY = 1000, LAST_FY = 9999 };      /* the years calendar.h accepts */

static int find_feed(const BcProgram *bc, const char *name)
{
    for (uint16_t i = 0; i < bc->nfeeds; i++)
        if (strcmp(bc->feeds[i].name, name) == 0) return i;
    return -1;
}

static int find_hier(const BcProgram *bc, const char *name)
{
    for (uint16_t i = 0; i < bc->nhiers; i++)
        if (strcmp(bc->hiers[i].name, name) == 0) return i;
    return -1;
}

/* The compiled aggregate sum(FEED.COLUMN) with no `where`, or -1. */
static int64_t find_sum(const BcProgram *bc, uint16_t feed, const char *column)
{
    for (uint32_t g = 0; g < bc->naggs; g++) {
        const BcAggregate *a = &bc->aggs[g];
        if (a->feed == feed && a->func == AGG_SUM && a->filter < 0 &&
            strcmp(bc->feeds[feed].columns[a->column].name, column) == 0)
            return g;
    }
    return -1;
}

/* The financial years (by the calendar year they start in) that hold rows. */
typedef struct Years { bool present[LAST_FY + 1]; } Years;

static void mark_year(void *ud, uint32_t org, Period p, Day vintage, uint32_t rows)
{
    (void)org, (void)vintage;
    if (!rows) return;
    int y, m, d;
    cal_ymd(period_first_day(p), &y, &m, &d);
    int fy = m >= 4 ? y : y - 1;
    if (fy >= FIRST_FY && fy <= LAST_FY) ((Years *)ud)->present[fy] = true;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* 1 - b/a, exactly while it fits, as a double for printing; false if a is 0. */
static bool performance(Value b, Value a, double *out)
{
    if (a.kind == V_MISSING || b.kind == V_MISSING) return false;
    if (a.kind == V_NUM && b.kind == V_NUM) {
        Num q, r;
        if (a.as.num.n == 0) return false;
        if (num_div(b.as.num, a.as.num, &q) == NUM_OK && num_sub(num_int(1), q, &r) == NUM_OK) {
            *out = num_to_double(r);
            return true;
        }
    }
    double x = val_to_double(a), y = val_to_double(b);
    if (x == 0) return false;
    *out = 1 - y / x;
    return true;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fputs("usage: ae_rollup RULES AE.csv LOOKUP.csv\n", stderr);
        return 2;
    }
    double t0 = now();
    BcProgram bc = { 0 };
    Program prog = { 0 };
    bool ok = front_load(&prog, argv[1]) && comp_program(&prog, &bc);
    diag_print(&prog.diags, stderr, false);
    front_free(&prog);
    if (!ok) return 3;

    int feed = find_feed(&bc, "ae"), hier = find_hier(&bc, "stp");
    int64_t breaches = feed < 0 ? -1 : find_sum(&bc, (uint16_t)feed, "breaches");
    int64_t attendances = feed < 0 ? -1 : find_sum(&bc, (uint16_t)feed, "attendances");
    if (feed < 0 || hier < 0 || breaches < 0 || attendances < 0) {
        fprintf(stderr, "ae_rollup: %s must declare feed `ae`, hierarchy `stp`, and use "
                        "sum(ae.breaches) and sum(ae.attendances)\n", argv[1]);
        bc_free(&bc);
        return 3;
    }

    char why[1024];
    Orgs *orgs = orgs_new();
    Vm *vm = vm_new(&bc, VM_DEFAULT_LIMITS, NULL, 0);
    double t1 = now();
    Hierarchy *h = hier_load(&bc, (uint16_t)hier, DATA_PATH(argv[3]), orgs, NULL, why, sizeof why);
    double t2 = now();
    FeedData *f = h ? feed_load(&bc, (uint16_t)feed, DATA_PATH(argv[2]), orgs, vm, NULL, why, sizeof why) : NULL;
    double t3 = now();
    int rc = 0;
    if (!h || !f) {
        fprintf(stderr, "ae_rollup: %s\n", why);
        rc = 3;
    } else {
        Years *years = calloc(1, sizeof *years);
        feed_each_key(f, mark_year, years);
        Day as_of = cal_day(9000, 1, 1);
        puts("system,fy,performance");
        for (uint32_t i = 0; i < hier_parent_count(h); i++) {
            uint32_t parent = hier_parent_at(h, i);
            const uint32_t *members;
            size_t nmembers = hier_members(h, parent, &members);
            for (int fy = FIRST_FY; fy < LAST_FY; fy++) {
                if (!years->present[fy]) continue;
                Day from = cal_day(fy, 4, 1), to = cal_day(fy + 1, 3, 31);
                uint32_t cover;
                Value b = feed_aggregate(f, (uint32_t)breaches, members, nmembers, from, to, as_of, &cover);
                Value a = feed_aggregate(f, (uint32_t)attendances, members, nmembers, from, to, as_of, &cover);
                double perf;
                if (performance(b, a, &perf))
                    printf("%s,%d/%02d,%.15g\n", orgs_code(orgs, parent), fy, (fy + 1) % 100, perf);
            }
        }
        free(years);
        fprintf(stderr, "ae_rollup: compile %.3f s, hierarchy %.3f s, feed %.3f s, queries %.3f s\n", t1 - t0,
                t2 - t1, t3 - t2, now() - t3);
    }
    feed_free(f);
    hier_free(h);
    vm_free(vm);
    orgs_free(orgs);
    bc_free(&bc);
    if (fflush(stdout) != 0) rc = 5;
    return rc;
}
