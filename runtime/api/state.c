/* state.c: the state of include/pledge.h: its configuration, the objects it
 * hands out, errors, and entering and leaving a call. */
#include "config.h"
#include "api/api.h"
#include "base/calendar.h"
#include "report/escape.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *pledge_version(void) { return PACKAGE_VERSION; }

const char *pledge_error(const pledge_state *S) { return S ? S->error : "out of memory"; }

void pledge_config_init(pledge_config *c)
{
    memset(c, 0, sizeof *c);
    c->max_steps = VM_DEFAULT_STEPS;
    c->max_memory = VM_DEFAULT_MEMORY;
    c->max_depth = VM_DEFAULT_DEPTH;
    c->max_rows = DATA_DEFAULT_ROWS;
    c->max_columns = DATA_DEFAULT_COLUMNS;
    c->max_cell = DATA_DEFAULT_CELL;
    c->max_orgs = DATA_DEFAULT_ORGS;
    c->max_periods = DATA_DEFAULT_PERIODS;
}

static void *c_alloc(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, size);
}

static pledge_status copy_config(pledge_state *S)
{
    const pledge_config *c = &S->cfg;
    S->allowed = mem_calloc(c->nallow_native + 1, sizeof *S->allowed);
    for (size_t i = 0; i < c->nallow_native; i++)
        S->allowed[i] = mem_strndup(c->allow_native[i], strlen(c->allow_native[i]));
    S->cfg.allow_native = S->allowed;
    return PLEDGE_OK;
}

static pledge_status init_state(pledge_state *S)
{
    API_ENTER(S);
    API_RETURN(S, copy_config(S));
}

pledge_state *pledge_new(const pledge_config *c)
{
    pledge_config defaults;
    if (!c) pledge_config_init(&defaults), c = &defaults;
    pledge_alloc_fn alloc = c->alloc ? c->alloc : c_alloc;
    pledge_state *S = alloc(c->alloc_ud, NULL, sizeof *S);
    if (!S) return NULL;
    memset(S, 0, sizeof *S);
    S->cfg = *c;
    mem_ledger_init(&S->ledger);
    S->mem = (MemContext){ .alloc = alloc, .ud = c->alloc_ud, .ledger = &S->ledger };
    S->limits = (VmLimits){ c->max_steps ? c->max_steps : VM_DEFAULT_STEPS,
                            c->max_memory ? c->max_memory : VM_DEFAULT_MEMORY,
                            c->max_depth ? c->max_depth : VM_DEFAULT_DEPTH };
    S->data_limits = (DataLimits){ c->max_rows, c->max_columns, c->max_cell, c->max_orgs, c->max_periods };
    S->objects.prev = S->objects.next = &S->objects;
    if (init_state(S) != PLEDGE_OK) {
        mem_ledger_free(&S->mem);
        alloc(c->alloc_ud, S, 0);
        return NULL;
    }
    return S;
}

/* A sound state frees its objects as pledge_round_free and the like would;
 * the ledger then gives back whatever else is left (bytecode bytes not yet
 * pledge_release'd), and all of a broken state's. */
void pledge_free(pledge_state *S)
{
    if (!S) return;
    MemContext *prev = mem_enter(&S->mem);
    S->mem.oom = NULL;      /* freeing allocates nothing */
    if (!S->broken) {
        while (S->objects.next != &S->objects) {
            ApiObject *o = S->objects.next;
            api_untrack(o);
            o->destroy(o);
        }
        for (size_t i = 0; i < S->cfg.nallow_native; i++) mem_free((void *)S->allowed[i]);
        mem_free(S->allowed);
    }
    mem_ledger_free(&S->mem);
    mem_enter(prev);
    S->mem.alloc(S->mem.ud, S, 0);
}

/* ---- calls -------------------------------------------------------------------- */

void api_enter(pledge_state *S, jmp_buf *jump, ApiCall *call)
{
    call->prev_jump = S->mem.oom;
    S->mem.oom = jump;
    call->prev = mem_enter(&S->mem);
}

pledge_status api_leave(pledge_state *S, const ApiCall *call, pledge_status st)
{
    S->mem.oom = call->prev_jump;
    mem_enter(call->prev);
    return st;
}

pledge_status api_out_of_memory(pledge_state *S, const ApiCall *call)
{
    S->broken = true;
    snprintf(S->error, sizeof S->error, "out of memory (%zu bytes)", S->mem.failed_size);
    return api_leave(S, call, PLEDGE_ERR_LIMIT);
}

pledge_status api_broken(pledge_state *S)
{
    snprintf(S->error, sizeof S->error, "out of memory earlier: the state can only be freed");
    return PLEDGE_ERR_LIMIT;
}

pledge_status api_fail(pledge_state *S, pledge_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(S->error, sizeof S->error, fmt, ap);
    va_end(ap);
    /* messages quote input (a cell, a code, a path): shown on a terminal */
    esc_text_inplace(S->error);
    return st;
}

pledge_status api_status(AssessStatus st)
{
    static const pledge_status map[] = { [ASSESS_OK] = PLEDGE_OK, [ASSESS_USAGE] = PLEDGE_ERR_USAGE,
                                         [ASSESS_BAD_INPUT] = PLEDGE_ERR_INPUT, [ASSESS_LIMIT] = PLEDGE_ERR_LIMIT };
    return map[st];
}

void api_track(pledge_state *S, ApiObject *o, void (*destroy)(ApiObject *o))
{
    o->destroy = destroy;
    o->next = S->objects.next;
    o->prev = &S->objects;
    S->objects.next->prev = o;
    S->objects.next = o;
}

void api_untrack(ApiObject *o)
{
    if (!o->next) return;
    o->prev->next = o->next;
    o->next->prev = o->prev;
    o->prev = o->next = NULL;
}

void api_free(pledge_state *S, ApiObject *o)
{
    if (S->broken) return;
    MemContext *prev = mem_enter(&S->mem);
    api_untrack(o);
    o->destroy(o);
    mem_enter(prev);
}

/* ---- diagnostics -------------------------------------------------------------- */

typedef struct DiagTo { pledge_state *S; } DiagTo;

static void hand_one(void *ud, const Diag *g)
{
    pledge_state *S = ((DiagTo *)ud)->S;
    size_t n;
    if (g->src) source_line(g->src, g->span.first_line, &n);    /* its line index, made before the stream */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f) {
        diag_render(g, f, S->cfg.color);
        fclose(f);
    }
    static const pledge_severity severity[] = { [DIAG_ERROR] = PLEDGE_SEVERITY_ERROR,
                                                [DIAG_WARNING] = PLEDGE_SEVERITY_WARNING,
                                                [DIAG_NOTE] = PLEDGE_SEVERITY_NOTE };
    pledge_diagnostic d = { severity[g->level], g->src ? g->src->path : NULL, g->span.first_line,
                            g->span.first_column, g->span.last_line, g->span.last_column, g->msg, g->hint,
                            text ? text : g->msg };
    S->cfg.diagnostic(S->cfg.diagnostic_ud, &d);
    free(text);         /* open_memstream's buffer is the C library's */
}

void api_warn(pledge_state *S, const char *fmt, ...)
{
    if (!S->cfg.diagnostic) return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    Diag g = { .level = DIAG_WARNING, .msg = msg };
    hand_one(&(DiagTo){ S }, &g);
}

void api_diagnostics(pledge_state *S, const Diags *d)
{
    if (S->cfg.diagnostic) diag_each(d, hand_one, &(DiagTo){ S });
    if (d->errors)
        api_fail(S, PLEDGE_ERR_INPUT, "%d error%s in the rule file", d->errors, d->errors == 1 ? "" : "s");
}

/* ---- days ------------------------------------------------------------------------ */

Day api_today(void)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    return cal_day(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

pledge_status api_parse_day(pledge_state *S, const char *text, Day *out)
{
    if (!text) { *out = api_today(); return PLEDGE_OK; }
    char why[128];
    if (cal_parse_day(text, strlen(text), out, why, sizeof why)) return PLEDGE_OK;
    return api_fail(S, PLEDGE_ERR_USAGE, "`%s`: %s", text, why);
}

pledge_status pledge_check_date(pledge_state *S, const char *date)
{
    Day d;
    return date ? api_parse_day(S, date, &d) : api_fail(S, PLEDGE_ERR_USAGE, "no date");
}

pledge_status pledge_check_statuses(pledge_state *S, const char *s)
{
    bool any = false;
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, ",");
        bool found = false;
        for (int k = 0; k < ST__COUNT && !found; k++)
            found = strlen(status_name[k]) == n && strncmp(p, status_name[k], n) == 0;
        if (!found) return api_fail(S, PLEDGE_ERR_USAGE, "`%.*s` is not a status", (int)n, p);
        any = true;
        p += n + (p[n] == ',');
    }
    return any ? PLEDGE_OK : api_fail(S, PLEDGE_ERR_USAGE, "no status named");
}
