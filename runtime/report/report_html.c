/* report_html.c: the report as one self-contained HTML page (issue 5).
 *
 * The page carries its own CSS and a little JS and loads nothing, so it can
 * be mailed or archived beside a manifest and still open years later. The
 * charts are inline SVG written here, not drawn by the script: they render
 * with scripts off and in print, and the bytes depend only on the Report
 * (spec §8). The script only sorts and filters.
 *
 * Every string that comes from data or from the rule file goes through
 * put_esc (spec §9): a provider called <script>…</script> is shown as text.
 * Numbers in SVG coordinates are written by fixed1 with integer arithmetic,
 * so neither the C library's locale nor a negative zero can change a byte. */
#include "report/report.h"
#include "report/escape.h"
#include <math.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- the status palette --------------------------------------------------
 * Colour is never the only signal: every badge also carries its name. */
typedef struct StatusStyle {
    const char *label;          /* as people read it */
    const char *bg, *fg, *line; /* badge fill, badge text, strong colour */
    int rank;                   /* sort order: worst first */
} StatusStyle;

static const StatusStyle status_styles[ST__COUNT] = {
    [ST_MET]       = { "met",       "#007f3b", "#ffffff", "#007f3b", 6 },
    [ST_MISSED]    = { "missed",    "#d5281b", "#ffffff", "#d5281b", 0 },
    [ST_ON_TRACK]  = { "on track",  "#cce5d8", "#00401e", "#007f3b", 5 },
    [ST_OFF_TRACK] = { "off track", "#ffb81c", "#212b32", "#c87000", 1 },
    [ST_NOT_DUE]   = { "not due",   "#e8edee", "#425563", "#768692", 4 },
    [ST_NO_DATA]   = { "no data",   "#ffffff", "#4c6272", "#768692", 3 },
    [ST_PASS]      = { "pass",      "#007f3b", "#ffffff", "#007f3b", 6 },
    [ST_FAIL]      = { "fail",      "#d5281b", "#ffffff", "#d5281b", 0 },
    [ST_EXEMPT]    = { "exempt",    "#e8edee", "#005eb8", "#005eb8", 4 },
};

static const StatusStyle *style_of(uint8_t s)
{
    return &status_styles[s < ST__COUNT ? s : ST_NO_DATA];
}

/* ---- small writers --------------------------------------------------------- */

/* Text from input, in the page: escape.h's one HTML escaper. */
static void put_esc_n(FILE *out, const char *s, size_t n)
{
    esc_html(out, s, n);
}

static void put_esc(FILE *out, const char *s)
{
    if (s) put_esc_n(out, s, strlen(s));
}

/* Lower-cased (ASCII) and escaped: the text the filter box matches. */
static void put_esc_lower(FILE *out, const char *s)
{
    /* in pieces, so a UTF-8 character is never split between two calls */
    char buf[256];
    while (s && *s) {
        size_t n = 0;
        for (; *s && n < sizeof buf - 4; s++) buf[n++] = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
        for (int k = 0; k < 3 && ((unsigned char)*s & 0xC0) == 0x80; k++) buf[n++] = *s++;  /* a character's rest */
        put_esc_n(out, buf, n);
    }
}

typedef struct Fixed { char s[32]; } Fixed;

/* x with `dec` decimals (0 to 3), rounded half away from zero, without
 * printf's %f: no locale's decimal comma, no "-0.0". */
static Fixed fixed(double x, int dec)
{
    Fixed f;
    dec = dec < 0 ? 0 : dec > 3 ? 3 : dec;
    long long scale = dec == 0 ? 1 : dec == 1 ? 10 : dec == 2 ? 100 : 1000;
    if (!isfinite(x)) x = 0;
    if (x > 1e12) x = 1e12;
    if (x < -1e12) x = -1e12;
    long long v = llround(x * (double)scale);
    const char *sign = v < 0 ? "-" : "";
    if (v < 0) v = -v;
    if (dec == 0) snprintf(f.s, sizeof f.s, "%s%lld", sign, v);
    else snprintf(f.s, sizeof f.s, "%s%lld.%0*lld", sign, v / scale, dec, v % scale);
    return f;
}

static Fixed fixed1(double x) { return fixed(x, 1); }

/* 12345 -> "12,345" */
static Fixed grouped(uint64_t n)
{
    char digits[24];
    Fixed f;
    int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n), k = 0;
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0) f.s[k++] = ',';
        f.s[k++] = digits[i];
    }
    f.s[k] = '\0';
    return f;
}

static const char *plural(size_t n) { return n == 1 ? "" : "s"; }

static void put_day(FILE *out, Day d)
{
    char buf[16];
    period_format((Period){ GRAIN_DAY, d }, buf, sizeof buf);
    fputs(buf, out);
}

static void put_value(FILE *out, Value v)
{
    char buf[64];
    report_display(v, buf, sizeof buf);
    put_esc(out, buf);
}

/* v beside its threshold: enough decimals that a near miss does not read
 * as the threshold itself */
static void put_value_vs(FILE *out, Value v, Value ref)
{
    char buf[64];
    report_display_vs(v, ref, buf, sizeof buf);
    put_esc(out, buf);
}

static void put_window(FILE *out, Value w)
{
    char buf[64];
    report_window(w, buf, sizeof buf);
    put_esc(out, buf);
}

static const char *cmp_entity(uint8_t cmp)
{
    static const char *const s[] = { "=", "&ne;", "&lt;", "&le;", "&gt;", "&ge;" };
    return cmp < 6 ? s[cmp] : "?";
}

/* "≥ 95% in 2023/24", "= true by 2019-09-27" (word: report_window_word's) */
static void put_mark(FILE *out, const ReportMark *m, const char *word)
{
    fprintf(out, "%s ", cmp_entity(m->cmp));
    put_value(out, m->threshold);
    if (!word) return;
    fputs(word, out);
    if (m->plan) put_esc(out, m->plan);     /* each system's own */
    else put_window(out, m->window);
}

/* A displayed value with a true minus sign: "−£18m". */
static void put_signed(FILE *out, const char *shown)
{
    if (shown[0] == '-') { fputs("&minus;", out); shown++; }
    put_esc(out, shown);
}

/* A check's comparisons in words, as its condition reads them: "−£18m,
 * needs ≥ £0" each, "; " between them; "no value" for a left side without
 * one. */
static void put_operands(FILE *out, const ReportResult *res)
{
    for (size_t i = 0; i < res->noperands; i++) {
        const ReportOperands *o = &res->operands[i];
        char buf[64];
        if (i) fputs("; ", out);
        if (val_is_missing(o->left)) fputs("no value", out);
        else { report_display_vs(o->left, o->right, buf, sizeof buf); put_signed(out, buf); }
        fprintf(out, ", needs %s ", cmp_entity(o->cmp));
        if (val_is_missing(o->right)) fputs("a value", out);
        else { report_display(o->right, buf, sizeof buf); put_signed(out, buf); }
    }
}

static void put_badge(FILE *out, uint8_t status)
{
    fprintf(out, "<span class=\"st st-%s\">%s</span>", report_status(status), style_of(status)->label);
}

/* A result's badge, and beside it, when the verdict does not stand on all
 * the data it needs, a mark that says so in words. */
static void put_result_badge(FILE *out, const Report *r, const ReportResult *res)
{
    put_badge(out, res->status);
    if (res->no_plan_date) fputs("<span class=\"inc\">no date in the plan</span>", out);
    const ReportVariation *v = report_variation(r, res);
    if (v) {
        /* under a variation: which, why, who, until, and the round's own verdict */
        char what[512], until[16];
        period_format((Period){ GRAIN_DAY, v->until }, until, sizeof until);
        fputs("<span class=\"inc\" title=\"", out);
        put_esc(out, report_variation_what(v, what, sizeof what));
        fputs("; reason: ", out);
        put_esc(out, v->reason);
        fputs("; agreed by ", out);
        put_esc(out, v->agreed_by);
        fprintf(out, "; until %s; by the round&rsquo;s rule: %s\">variation ", until, report_status(res->unvaried));
        put_esc(out, v->name);
        fputs("</span>", out);
    }
    if (res->judged == JUDGED_NONE || result_complete(res)) return;
    fputs("<span class=\"inc\" title=\"", out);
    if (res->cells_present < res->cells_expected)
        fprintf(out, "%" PRIu64 " of %" PRIu64 " returns in", res->cells_present, res->cells_expected);
    if (res->across_missing)
        fprintf(out, "%s%" PRIu32 " system%s without a value left out", res->cells_present < res->cells_expected ? "; " : "",
                res->across_missing, res->across_missing == 1 ? "" : "s");
    fputs("\">incomplete data</span>", out);
}

/* The first and last day of a window value; false when it is not one. */
static bool window_days(Value w, Day *from, Day *to)
{
    if (w.kind == V_PERIOD) {
        *from = period_first_day(w.as.period);
        *to = period_last_day(w.as.period);
        return true;
    }
    if (w.kind == V_RANGE) {
        *from = period_first_day(w.as.range.from);
        *to = period_last_day(w.as.range.to);
        return true;
    }
    return false;
}

/* ---- lookups ----------------------------------------------------------------- */

typedef struct Html {
    FILE *out;
    const Report *r;
    const ReportResult **cell;      /* [system * nitems + item] */
    const ReportResult **national;  /* [item] */
    const ReportRating **rating;    /* [system * nrating_decls + decl] */
    size_t ncommitments, nchecks, nnational;   /* a system's commitments and checks; national checks */
    size_t nnational_commitments;
} Html;

static const ReportResult *cell(const Html *h, size_t sys, size_t item)
{
    return h->cell[sys * h->r->nitems + item];
}

static const char *system_label(const Report *r, uint32_t s)
{
    const ReportSystem *sy = &r->systems[s];
    return sy->name && *sy->name ? sy->name : sy->code;
}

/* ---- the page's fixed parts ----------------------------------------------- */

static const char *const css[] = {
    ":root{--blue:#005eb8;--dark:#003087;--ink:#212b32;--muted:#4c6272;--line:#d8dde0;--bg:#f0f4f5}\n",
    "*{box-sizing:border-box}\n",
    "[hidden]{display:none!important}\n",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\n",
    "html{background:var(--bg)}\n",
    "body{margin:0;color:var(--ink);font:16px/1.5 Frutiger,Arial,\"Helvetica Neue\",Helvetica,sans-serif}\n",
    ".top{background:var(--blue);color:#fff;padding:20px 0 22px}\n",
    ".wrap{max-width:1240px;margin:0 auto;padding:0 24px}\n",
    ".brand{display:inline-block;font-weight:700;letter-spacing:.04em;background:#fff;color:var(--blue);padding:1px 8px;border-radius:3px;font-size:14px}\n",
    ".top h1{margin:8px 0 2px;font-size:28px;line-height:1.2}\n",
    ".top p{margin:0;opacity:.92}\n",
    "nav.toc{background:var(--dark)}\n",
    "nav.toc a{color:#fff;display:inline-block;padding:8px 14px 8px 0;margin-right:8px;font-size:15px;text-decoration:none}\n",
    "nav.toc a:hover,nav.toc a:focus{text-decoration:underline}\n",
    "main{padding:8px 0 32px}\n",
    "section.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:18px 22px;margin:18px 0}\n",
    "h2{font-size:22px;margin:0 0 12px;color:var(--dark)}\n",
    "h3{font-size:18px;margin:0 0 4px}\n",
    "h3 code{font-size:15px;color:var(--muted);font-weight:400;margin-left:6px}\n",
    "code{font-family:Consolas,\"DejaVu Sans Mono\",monospace;font-size:.9em}\n",
    ".facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:0 0 14px}\n",
    ".facts dt{color:var(--muted)}.facts dd{margin:0}\n",
    "table{border-collapse:collapse;width:100%;font-size:15px}\n",
    "th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}\n",
    "thead th{border-bottom:2px solid var(--blue);font-size:14px;color:var(--dark);vertical-align:bottom}\n",
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n",
    ".scroll{overflow-x:auto}\n",
    ".counts{display:flex;flex-wrap:wrap;gap:6px 18px;margin:6px 0 0}\n",
    ".counts>div{display:flex;flex-wrap:wrap;align-items:center;gap:6px}\n",
    ".counts b{margin-right:2px}\n",
    ".st{display:inline-block;min-width:66px;text-align:center;padding:1px 8px;border-radius:10px;font-size:13px;font-weight:700;white-space:nowrap;border:1px solid transparent}\n",
    ".st-met,.st-pass{background:#007f3b;color:#fff}\n",
    ".st-missed,.st-fail{background:#d5281b;color:#fff}\n",
    ".st-on_track{background:#cce5d8;color:#00401e;border-color:#007f3b}\n",
    ".st-off_track{background:#ffb81c;color:#212b32}\n",
    ".st-not_due{background:#e8edee;color:#425563}\n",
    ".st-no_data{background:#fff;color:#4c6272;border:1px dashed #768692}\n",
    ".v{display:block;color:var(--muted);font-size:13px;margin-top:2px;font-variant-numeric:tabular-nums}\n",
    ".controls{display:flex;flex-wrap:wrap;gap:10px 22px;align-items:end;margin:0 0 12px}\n",
    ".controls label{display:flex;flex-direction:column;font-size:14px;font-weight:700}\n",
    ".controls input,.controls select{font:inherit;font-weight:400;padding:4px 8px;border:2px solid var(--ink);border-radius:0;min-width:220px;background:#fff}\n",
    ".controls input:focus,.controls select:focus,th button:focus{outline:3px solid #ffeb3b;outline-offset:0;box-shadow:0 4px 0 var(--ink)}\n",
    "#shown{color:var(--muted);font-size:14px;padding-bottom:6px}\n",
    "th button{all:unset;cursor:pointer;color:var(--blue);text-decoration:underline;text-underline-offset:3px}\n",
    "th button::after{content:\" \\2195\";color:var(--muted);text-decoration:none;display:inline-block;margin-left:2px}\n",
    "th[aria-sort=ascending] button::after{content:\" \\2191\"}\n",
    "th[aria-sort=descending] button::after{content:\" \\2193\"}\n",
    "th small{display:block;font-weight:400;color:var(--muted);font-size:12px}\n",
    "table.grid tbody tr:hover{background:#f7f9fa}\n",
    "table.grid td,table.grid tbody th{white-space:nowrap}\n",

    "table.grid tbody th{font-weight:400}\n",
    "table.grid tbody th .code{display:inline;margin-left:6px}\n",
    ".code{display:block;color:var(--muted);font-size:12px}\n",
    ".doc{white-space:pre-line;color:var(--muted);margin:4px 0 8px}\n",
    ".inc{display:inline-block;font-size:11px;font-weight:700;color:#212b32;border:1px dashed #212b32;border-radius:3px;padding:0 4px;margin-left:4px}\n",
    ".chip{display:inline-block;font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.05em;color:var(--blue);border:1px solid var(--blue);border-radius:3px;padding:0 6px;margin-left:8px;vertical-align:3px}\n",
    ".item{border-top:1px solid var(--line);padding-top:16px;margin-top:16px}\n",
    ".item:first-of-type{border-top:0;padding-top:0;margin-top:0}\n",
    ".legend{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:13px;color:var(--muted);margin:10px 0}\n",
    ".legend span{display:inline-flex;align-items:center;gap:6px}\n",
    ".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:12px}\n",
    /* subgrid: captions of one row share a height, so the charts line up */
    "figure.chart{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px 10px 6px;background:#fff;"
    "display:grid;grid-template-rows:subgrid;grid-row:span 3;row-gap:0}\n",
    "figure.chart figcaption{font-size:14px;font-weight:700;line-height:1.3}\n",
    "figure.chart figcaption .code{font-weight:400;display:inline;margin-left:4px}\n",
    "figure.chart svg{display:block;width:100%;height:auto;margin-top:4px}\n",
    "figure.chart p{margin:0;font-size:12.5px;color:var(--muted);line-height:1.4}\n",
    ".msg{color:#8a1538}\n",
    ".closest summary{cursor:pointer;margin:10px 0 4px;font-size:14px}\n",
    ".gaps{list-style:none;margin:0 0 12px;padding:0;font-size:13px;max-width:900px}\n",
    ".gaps li{display:grid;grid-template-columns:minmax(8em,18em) 1fr 1fr 5.5em 76px;align-items:center;gap:0 8px;"
    "border-bottom:1px solid #e8edee}\n",
    ".gaps .who{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}\n",
    ".gaps .neg,.gaps .pos{display:flex;height:16px;align-items:center}\n",
    ".gaps .neg{justify-content:flex-end;border-right:2px solid #212b32}\n",
    ".gaps i{display:block;height:10px}.gaps .neg i{background:#d5281b}.gaps .pos i{background:#007f3b}\n",
    ".gaps .g{text-align:right;font-variant-numeric:tabular-nums}\n",
    ".gaps li.line{display:block;border-bottom:0;border-top:2px solid #212b32;color:var(--muted);font-size:12px;padding:0 0 2px}\n",
    ".ops{font-variant-numeric:tabular-nums;white-space:nowrap}\n",
    "footer{color:var(--muted);font-size:13px;padding:8px 0 32px}\n",
    "@media print{.controls,nav.toc{display:none}section.card{break-inside:avoid-page}}\n"
};

/* Sorting and filtering, and nothing else: the page is complete without it.
 * window.onerror counts errors into data-errors and data-ready says the
 * script ran to its end, so a headless browser's dumped DOM can show both.
 * With #selftest in the address it also sorts and filters once and writes
 * the outcome into data-selftest. */
static const char *const script[] = {
    "(function(){\n",
    "'use strict';\n",
    "var body=document.body,errors=0;\n",
    "body.setAttribute('data-errors','0');\n",
    "window.onerror=function(){errors++;body.setAttribute('data-errors',String(errors));};\n",
    "var grid=document.getElementById('grid');\n",
    "var q=document.getElementById('q'),fs=document.getElementById('fs'),shown=document.getElementById('shown');\n",
    "var each=function(list,f){Array.prototype.forEach.call(list,f);};\n",
    "var tb=grid?grid.tBodies[0]:null,heads=grid?grid.tHead.rows[0].cells:[];\n",
    "var keyOf=function(row,c){var x=row.cells[c];return x?(x.getAttribute('data-v')||''):'';};\n",
    "var sortBy=function(c,dir){\n",
    "  var num=heads[c].getAttribute('data-type')==='num';\n",
    "  var rows=Array.prototype.slice.call(tb.rows);\n",
    "  rows.sort(function(a,b){\n",
    "    var x=keyOf(a,c),y=keyOf(b,c);\n",
    "    var d=num?(parseFloat(x)-parseFloat(y)):(x<y?-1:x>y?1:0);\n",
    "    return dir*d||(+a.getAttribute('data-i'))-(+b.getAttribute('data-i'));\n",
    "  });\n",
    "  rows.forEach(function(r){tb.appendChild(r);});\n",
    "  each(heads,function(h,i){if(i===c)h.setAttribute('aria-sort',dir>0?'ascending':'descending');else h.removeAttribute('aria-sort');});\n",
    "};\n",
    "each(heads,function(h,i){\n",
    "  var b=h.querySelector('button');\n",
    "  if(b)b.addEventListener('click',function(){sortBy(i,h.getAttribute('aria-sort')==='ascending'?-1:1);});\n",
    "});\n",
    "var apply=function(){\n",
    "  var t=q?q.value.trim().toLowerCase():'',s=fs?fs.value:'',n=0,all=0;\n",
    "  each(document.querySelectorAll('[data-name]'),function(el){\n",
    "    var st=el.getAttribute('data-status');\n",
    "    var ok=(!t||el.getAttribute('data-name').indexOf(t)>=0)&&\n",
    "      (!s||(st!==null?st===s:!!el.querySelector('[data-status=\"'+s+'\"]')));\n",
    "    el.hidden=!ok;\n",
    "    if(el.parentNode===tb){all++;if(ok)n++;}\n",
    "  });\n",
    "  if(shown)shown.textContent=n+' of '+all+' systems shown';\n",
    "};\n",
    "if(q)q.addEventListener('input',apply);\n",
    "if(fs)fs.addEventListener('change',apply);\n",
    "if(tb)apply();\n",
    "if(location.hash==='#selftest'){\n",
    "  var res='pass';\n",
    "  try{\n",
    "    if(!tb||!q)throw new Error('no grid');\n",
    "    var names=function(){return Array.prototype.map.call(tb.rows,function(r){return keyOf(r,0);});};\n",
    "    sortBy(0,-1);var d=names();\n",
    "    for(var i=1;i<d.length;i++)if(d[i-1]<d[i])res='fail: sort';\n",
    "    sortBy(0,1);d=names();\n",
    "    for(i=1;i<d.length;i++)if(d[i-1]>d[i])res='fail: sort';\n",
    "    if(tb.rows.length){q.value=tb.rows[0].getAttribute('data-name');apply();\n",
    "      if(tb.rows[0].hidden)res='fail: filter';}\n",
    "    q.value='\\u0001 none';apply();\n",
    "    each(tb.rows,function(r){if(!r.hidden)res='fail: filter';});\n",
    "    q.value='';apply();\n",
    "    each(tb.rows,function(r){if(r.hidden)res='fail: reset';});\n",
    "  }catch(e){res='fail: '+e.message;}\n",
    "  body.setAttribute('data-selftest',res);\n",
    "}\n",
    "body.setAttribute('data-ready','1');\n",
    "})();\n"
};

/* ---- the summary --------------------------------------------------------- */

static void write_summary(Html *h)
{
    FILE *out = h->out;
    const Report *r = h->r;
    fputs("<section class=\"card\" id=\"summary\" aria-labelledby=\"h-summary\">\n"
          "<h2 id=\"h-summary\">Summary</h2>\n<dl class=\"facts\">\n", out);
    if (r->round) {
        fputs("<dt>Round</dt><dd><code>", out);
        put_esc(out, r->round);
        fputs("</code>", out);
        if (r->round_title) { fputs(" ", out); put_esc(out, r->round_title); }
        fputs("</dd>\n", out);
    }
    fputs("<dt>As of</dt><dd>", out);
    put_day(out, r->as_of);
    fputs("</dd>\n<dt>Rules</dt><dd><code>", out);
    put_esc(out, r->rules);
    fputs("</code></dd>\n<dt>Engine</dt><dd>", out);
    put_esc(out, r->engine);
    fprintf(out, "</dd>\n<dt>Assessed</dt><dd>%zu system%s, %zu commitment%s, %zu check%s, %zu national check%s",
            r->nsystems, plural(r->nsystems), h->ncommitments, plural(h->ncommitments),
            h->nchecks, plural(h->nchecks), h->nnational, plural(h->nnational));
    if (h->nnational_commitments)
        fprintf(out, ", %zu national commitment%s", h->nnational_commitments, plural(h->nnational_commitments));
    fputs("</dd>\n</dl>\n", out);

    /* counts per status, commitments and checks apart: their statuses differ */
    static const uint8_t order[] = { ST_MET, ST_ON_TRACK, ST_OFF_TRACK, ST_MISSED, ST_NOT_DUE, ST_NO_DATA, ST_PASS, ST_FAIL };
    size_t counts[2][ST__COUNT] = { { 0 } };
    for (size_t i = 0; i < r->nresults; i++) {
        const ReportResult *res = &r->results[i];
        if (res->item >= r->nitems || res->status >= ST__COUNT) continue;
        counts[r->items[res->item].kind != ITEM_COMMITMENT][res->status]++;
    }
    fputs("<div class=\"counts\">\n", out);
    static const char *const heads[2] = { "Commitments", "Checks" };
    for (int k = 0; k < 2; k++) {
        if (k == 0 ? !(h->ncommitments + h->nnational_commitments) : !(h->nchecks + h->nnational)) continue;
        fprintf(out, "<div><b>%s</b>", heads[k]);
        for (size_t j = 0; j < sizeof order; j++) {
            uint8_t s = order[j];
            bool check_status = s == ST_PASS || s == ST_FAIL;
            /* a check is pass, fail or no_data; a commitment never pass or fail */
            if (k == 0 ? check_status : !(check_status || s == ST_NO_DATA)) continue;
            fputs(" ", out);
            put_badge(out, s);
            fprintf(out, " <span class=\"n\">%zu</span>", counts[k][s]);
        }
        fputs("</div>\n", out);
    }
    fputs("</div>\n", out);

    if (r->ninputs) {
        fputs("<h3 style=\"margin-top:18px\">Inputs</h3>\n<div class=\"scroll\"><table>\n"
              "<thead><tr><th>Name</th><th>Kind</th><th>Path</th><th class=\"n\">Rows</th>"
              "<th class=\"n\">Unmapped rows</th><th class=\"n\">Unmapped organisations</th><th>SHA-256</th></tr></thead>\n<tbody>\n", out);
        for (size_t i = 0; i < r->ninputs; i++) {
            const ReportInput *in = &r->inputs[i];
            bool feed = in->kind && strcmp(in->kind, "feed") == 0;
            fputs("<tr><td><code>", out);
            put_esc(out, in->name);
            fputs("</code></td><td>", out);
            put_esc(out, in->kind);
            fputs("</td><td><code>", out);
            put_esc(out, in->path);
            fprintf(out, "</code></td><td class=\"n\">%s", grouped(in->rows).s);
            /* bad rows left out (--on-bad-row=skip), beside the rows read */
            if (in->skipped_rows) fprintf(out, " (%s skipped)", grouped(in->skipped_rows).s);
            fputs("</td>", out);
            if (feed)
                fprintf(out, "<td class=\"n\">%s</td><td class=\"n\">%s</td>",
                        grouped(in->unmapped_rows).s, grouped(in->unmapped_orgs).s);
            else
                fputs("<td class=\"n\">&ndash;</td><td class=\"n\">&ndash;</td>", out);
            /* the first 12 digits identify a file to a person; the whole
             * hash is in the title and in the JSON report */
            if (in->sha256[0]) {
                fputs("<td><code title=\"", out);
                put_esc_n(out, in->sha256, strnlen(in->sha256, 64));
                fputs("\">", out);
                put_esc_n(out, in->sha256, strnlen(in->sha256, 12));
                fputs("&hellip;</code></td></tr>\n", out);
            } else {
                fputs("<td>&ndash;</td></tr>\n", out);
            }
        }
        fputs("</tbody></table></div>\n", out);
    }
    fputs("</section>\n", out);
}

/* ---- the status grid ------------------------------------------------------- */

/* What each rating's labels mean: its branches in order, each with the
 * condition that gives it, so "advanced" beside two failed checks says why. */
static void write_rating_key(FILE *out, const Report *r)
{
    for (size_t d = 0; d < r->nrating_decls; d++) {
        const ReportRatingDecl *rd = &r->rating_decls[d];
        fputs("<h3 style=\"margin-top:14px\">", out);
        put_esc(out, rd->title && *rd->title ? rd->title : rd->id);
        fputs(" <code>", out);
        put_esc(out, rd->id);
        fputs("</code></h3>\n<p class=\"doc\">The first branch that holds gives the label.</p>\n<dl class=\"facts rating-key\">\n", out);
        for (size_t a = 0; a < rd->narms; a++) {
            fputs("<dt><b>", out);
            put_esc(out, rd->arms[a].label);
            fputs("</b></dt><dd>", out);
            if (rd->arms[a].when) { fputs("when <code>", out); put_esc(out, rd->arms[a].when); fputs("</code>", out); }
            else fputs("otherwise (no branch above held)", out);
            fputs("</dd>\n", out);
        }
        fputs("</dl>\n", out);
    }
}

static void write_grid(Html *h)
{
    FILE *out = h->out;
    const Report *r = h->r;
    fputs("<section class=\"card\" id=\"status\" aria-labelledby=\"h-status\">\n"
          "<h2 id=\"h-status\">Status by system</h2>\n"
          "<div class=\"controls\" role=\"search\">\n"
          "<label for=\"q\">Filter systems<input id=\"q\" type=\"search\" placeholder=\"name or code\" autocomplete=\"off\"></label>\n"
          "<label for=\"fs\">Status<select id=\"fs\"><option value=\"\">any status</option>", out);
    for (int s = 0; s < ST__COUNT; s++)
        fprintf(out, "<option value=\"%s\">%s</option>", report_status((uint8_t)s), status_styles[s].label);
    fprintf(out, "</select></label>\n<span id=\"shown\" aria-live=\"polite\">%zu systems</span>\n</div>\n", r->nsystems);

    fputs("<div class=\"scroll\"><table class=\"grid\" id=\"grid\">\n<caption class=\"sr\">Status of each commitment and check, by system. "
          "Select a column heading to sort.</caption>\n<thead><tr><th scope=\"col\"><button type=\"button\">System</button></th>", out);
    for (size_t d = 0; d < r->nrating_decls; d++) {
        fputs("<th scope=\"col\"><button type=\"button\" title=\"", out);
        put_esc(out, r->rating_decls[d].title);
        fputs("\">", out);
        put_esc(out, r->rating_decls[d].id);
        fputs("</button><small>rating</small></th>", out);
    }
    for (size_t i = 0; i < r->nitems; i++) {
        const ReportItem *it = &r->items[i];
        if (report_item_national(it)) continue;
        fputs("<th scope=\"col\" data-type=\"num\"><button type=\"button\" title=\"", out);
        put_esc(out, it->title);
        fputs("\">", out);
        put_esc(out, it->id);
        fprintf(out, "</button><small>%s</small></th>",
                it->kind == ITEM_CHECK ? "check" : class_name(it->cls) ? class_name(it->cls) : "commitment");
    }
    fputs("</tr></thead>\n<tbody>\n", out);

    for (size_t s = 0; s < r->nsystems; s++) {
        const ReportSystem *sy = &r->systems[s];
        fprintf(out, "<tr data-i=\"%zu\" data-name=\"", s);
        put_esc_lower(out, sy->name);
        fputs(" ", out);
        put_esc_lower(out, sy->code);
        fputs("\"><th scope=\"row\" data-v=\"", out);
        put_esc_lower(out, system_label(r, (uint32_t)s));
        fputs("\">", out);
        put_esc(out, system_label(r, (uint32_t)s));
        fputs("<span class=\"code\">", out);
        put_esc(out, sy->code);
        fputs("</span></th>", out);
        for (size_t d = 0; d < r->nrating_decls; d++) {
            const ReportRating *rt = h->rating[s * r->nrating_decls + d];
            const char *label = rt && rt->label ? rt->label : NULL;
            /* labels sort by name; "no label" after every label */
            /* why: the branch that held, in the rule file's words (its title,
             * and the key under the grid) */
            const char *cond = rt ? report_arm_condition(r, rt) : NULL;
            fputs("<td data-v=\"", out);
            if (label) put_esc(out, label); else fputs("~", out);
            fputs("\" class=\"branch\" title=\"", out);
            if (cond) { fputs("held: ", out); put_esc(out, cond); }
            else fputs(label ? "otherwise: no branch above it held" : "no branch held", out);
            fputs("\">", out);
            if (label) { fputs("<b>", out); put_esc(out, label); fputs("</b>", out); }
            else fputs("<span class=\"v\">no label</span>", out);
            fputs("</td>", out);
        }
        for (size_t i = 0; i < r->nitems; i++) {
            if (report_item_national(&r->items[i])) continue;
            const ReportResult *res = cell(h, s, i);
            if (!res) { fputs("<td data-v=\"9\"></td>", out); continue; }
            fprintf(out, "<td data-v=\"%d\" data-status=\"%s\">", style_of(res->status)->rank, report_status(res->status));
            put_result_badge(out, r, res);
            if (val_is_number(res->value)) {
                fputs("<span class=\"v\">", out);
                put_value_vs(out, res->value, res->threshold);
                if (!val_is_missing(res->window)) { fputs(" in ", out); put_window(out, res->window); }
                fputs("</span>", out);
            }
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table></div>\n", out);
    write_rating_key(out, r);
    fputs("</section>\n", out);
}

/* ---- charts ------------------------------------------------------------------- */

/* The chart's frame, in SVG user units. */
enum { CW = 300, CH = 186, PL = 44, PR = 292, PT = 38, PB = 158 };

typedef struct Scale Scale;
struct Scale {
    double d0, d1;              /* days */
    double v0, v1, step;        /* values: the axis ends and the tick step */
    int    unit;                /* TypeKind of the values */
};

static double xpos(const Scale *sc, double day)
{
    double x = PL + (day - sc->d0) / (sc->d1 - sc->d0) * (PR - PL);
    return x < PL ? PL : x > PR ? PR : x;
}

static double ypos(const Scale *sc, double v)
{
    double y = PB - (v - sc->v0) / (sc->v1 - sc->v0) * (PB - PT);
    return y < PT ? PT : y > PB ? PB : y;
}

static void widen(double *lo, double *hi, double v)
{
    if (!isfinite(v)) return;
    if (v < *lo) *lo = v;
    if (v > *hi) *hi = v;
}

/* The band of slack a milestone allows: below a >= threshold, above a <=. */
static bool band(const ReportMark *m, Value tol, double *lo, double *hi)
{
    if (!val_is_number(tol) || !val_is_number(m->threshold)) return false;
    double t = val_to_double(m->threshold), w = fabs(val_to_double(tol));
    if (!(w > 0)) return false;
    if (m->cmp == CMP_GE || m->cmp == CMP_GT) { *lo = t - w; *hi = t; return true; }
    if (m->cmp == CMP_LE || m->cmp == CMP_LT) { *lo = t; *hi = t + w; return true; }
    return false;
}

/* A tick's text: percents in points, money in £ with k/m/bn, counts plain;
 * as many decimals as the step needs. */
static void put_tick(FILE *out, const Scale *sc, double v)
{
    double mult = 1, step = sc->step;
    const char *pre = "", *suf = "";
    if (sc->unit == T_PERCENT || sc->unit == T_PP) {
        mult = 100;
        suf = sc->unit == T_PERCENT ? "%" : "pp";
    } else {
        double big = fmax(fabs(sc->v0), fabs(sc->v1));
        if (big >= 1e9) { mult = 1e-9; suf = "bn"; }
        else if (big >= 1e6) { mult = 1e-6; suf = "m"; }
        else if (big >= 1e4) { mult = 1e-3; suf = "k"; }
        if (sc->unit == T_MONEY) pre = "\xC2\xA3";
    }
    double s = step * mult;
    int dec = 0;
    while (dec < 3 && fabs(s * pow(10, dec) - nearbyint(s * pow(10, dec))) > 1e-6) dec++;
    Fixed f = fixed(v * mult, dec);
    if (f.s[0] == '-') fprintf(out, "&minus;%s%s%s", pre, f.s + 1, suf);
    else fprintf(out, "%s%s%s", pre, f.s, suf);
}

static void include_mark(double *d0, double *d1, double *lo, double *hi, const ReportMark *m, Value tol)
{
    if (m->to >= m->from) { widen(d0, d1, m->from); widen(d0, d1, m->to + 1.0); }
    if (val_is_number(m->threshold)) widen(lo, hi, val_to_double(m->threshold));
    double a, b;
    if (band(m, tol, &a, &b)) { widen(lo, hi, a); widen(lo, hi, b); }
}

/* One scale for an item's charts, every system's alike, so a near miss
 * looks near beside a far one. Time runs from the first thing drawn (the
 * first value of any system's series, a mark, a judged window) to the
 * as-of date or the target's end, not from the earliest period of a feed
 * the item does not read. */
static Scale item_scale(const Html *h, size_t item)
{
    const Report *r = h->r;
    const ReportItem *it = &r->items[item];
    Scale sc = { .unit = T_NUMBER };
    double d0 = INFINITY, d1 = -INFINITY, lo = INFINITY, hi = -INFINITY;
    include_mark(&d0, &d1, &lo, &hi, &it->target, val_missing());
    bool any_value = false;
    for (size_t s = 0; s < r->nsystems; s++) {
        const ReportResult *res = cell(h, s, item);
        if (!res) continue;
        for (size_t i = 0; i < res->nmarks; i++) include_mark(&d0, &d1, &lo, &hi, &res->marks[i], it->tolerance);
        for (size_t i = 0; i < res->nseries; i++) {
            const ReportPoint *p = &res->series[i];
            if (!val_is_number(p->value) || p->to < p->from) continue;
            widen(&d0, &d1, p->from);
            widen(&d0, &d1, p->to + 1.0);
            widen(&lo, &hi, val_to_double(p->value));
        }
        Day wf, wt;
        if (window_days(res->window, &wf, &wt)) { widen(&d0, &d1, wf); widen(&d0, &d1, wt + 1.0); }
        if (val_is_number(res->value)) widen(&lo, &hi, val_to_double(res->value)), any_value = true;
        if (val_is_number(res->spc.centre)) {
            widen(&lo, &hi, val_to_double(res->spc.lower));
            widen(&lo, &hi, val_to_double(res->spc.upper));
        }
    }
    /* the as-of line on the right, not a start; nor an end after the
     * target's window (a past year's chart is not stretched to today) */
    if (d1 >= d0 && (it->target.to < it->target.from || r->as_of <= it->target.to)) widen(&d0, &d1, r->as_of + 1.0);

    if (val_is_number(it->target.threshold)) sc.unit = it->target.threshold.unit;
    else if (any_value)
        for (size_t s = 0; s < r->nsystems; s++)
            if (cell(h, s, item) && val_is_number(cell(h, s, item)->value)) { sc.unit = cell(h, s, item)->value.unit; break; }

    if (!(d1 > d0)) { d0 = r->as_of - 365; d1 = r->as_of + 365; }
    double pad = (d1 - d0) * 0.02;
    sc.d0 = d0 - pad;
    sc.d1 = d1 + pad;

    if (!(hi >= lo)) { lo = 0; hi = 1; }
    double data_lo = lo, data_hi = hi;
    if (hi - lo < 1e-9) {
        double w = fabs(lo) > 1e-9 ? fabs(lo) * 0.05 : (sc.unit == T_PERCENT ? 0.05 : 1);
        lo -= w;
        hi += w;
    }
    /* a "nice" step (1, 2, 2.5 or 5 times a power of ten) for about four
     * intervals, with a little air above and below the data */
    double air = (hi - lo) * 0.06;
    lo -= air;
    hi += air;
    double raw = (hi - lo) / 4, mag = pow(10, floor(log10(raw))), n = raw / mag;
    sc.step = mag * (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10);
    sc.v0 = floor(lo / sc.step) * sc.step;
    sc.v1 = ceil(hi / sc.step) * sc.step;
    /* a share's axis stops at 100% and 0% unless the data pass them */
    if (sc.unit == T_PERCENT && sc.v1 > 1 && data_hi <= 1 + 1e-9) sc.v1 = 1;
    if (sc.unit == T_PERCENT && sc.v0 < 0 && data_lo >= -1e-9) sc.v0 = 0;
    if (sc.v1 - sc.v0 < sc.step) sc.v1 = sc.v0 + sc.step;
    return sc;
}

static void svg_hline(FILE *out, const Scale *sc, Day from, Day to, double v, const char *attrs)
{
    fprintf(out, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" %s/>\n",
            fixed1(xpos(sc, from)).s, fixed1(ypos(sc, v)).s, fixed1(xpos(sc, to + 1.0)).s, fixed1(ypos(sc, v)).s, attrs);
}

/* Milestones: dashed, thick enough to see, with a cap at each end of the
 * window so a short one (a quarter) still reads as a mark. */
#define MILESTONE_STROKE "stroke=\"#005eb8\" stroke-width=\"2.5\" stroke-dasharray=\"5 3\""

static void svg_caps(FILE *out, const Scale *sc, Day from, Day to, double v)
{
    double y = ypos(sc, v), xs[2] = { xpos(sc, from), xpos(sc, to + 1.0) };
    for (int i = 0; i < 2; i++)
        fprintf(out, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"#005eb8\" stroke-width=\"2\"/>\n",
                fixed1(xs[i]).s, fixed1(y - 4).s, fixed1(xs[i]).s, fixed1(y + 4).s);
}

/* A vertical line from the label strip above the plot to its bottom. */
static void svg_vline(FILE *out, double x, const char *attrs)
{
    fprintf(out, "<line x1=\"%s\" y1=\"%d\" x2=\"%s\" y2=\"%d\" %s/>\n", fixed1(x).s, PT - 12, fixed1(x).s, PB, attrs);
}

/* A line's label in the strip above the plot: `at` is the text's anchor,
 * x0..x1 its extent, estimated at 5.5 units a character of 10-unit Arial
 * (close enough to keep two labels apart). */
typedef struct Label { double at, x0, x1; bool end; int y; } Label;

static Label label_beside(double x, size_t chars, bool end, int y)
{
    double w = 5.5 * (double)chars;
    Label l = { .end = end, .y = y };
    l.at = end ? x - 3 : x + 3;
    l.x0 = end ? l.at - w : l.at;
    l.x1 = end ? l.at : l.at + w;
    return l;
}

static bool label_fits(Label l, const Label *other)
{
    if (l.x0 < 2 || l.x1 > CW - 2) return false;
    return !other || l.y != other->y || l.x1 + 4 <= other->x0 || other->x1 + 4 <= l.x0;
}

/* The deadline's label first, on the side with room; then the as-of
 * label on whichever side does not collide, or inside the plot if neither. */
static void svg_line_labels(FILE *out, double xd, bool has_deadline, double xa, bool has_as_of)
{
    Label d = { 0 }, a;
    const Label *pd = NULL;
    if (has_deadline) {
        d = label_beside(xd, 8, true, PT - 4);
        if (!label_fits(d, NULL)) d = label_beside(xd, 8, false, PT - 4);
        pd = &d;
        fprintf(out, "<text x=\"%s\" y=\"%d\" text-anchor=\"%s\" font-size=\"10\" fill=\"#003087\">deadline</text>\n",
                fixed1(d.at).s, d.y, d.end ? "end" : "start");
    }
    if (!has_as_of) return;
    a = label_beside(xa, 5, true, PT - 4);
    if (!label_fits(a, pd)) a = label_beside(xa, 5, false, PT - 4);
    if (!label_fits(a, pd)) a = label_beside(xa, 5, xa > (PL + PR) / 2.0, PT + 10);
    fprintf(out, "<text x=\"%s\" y=\"%d\" text-anchor=\"%s\" font-size=\"10\" fill=\"#ae2573\">as of</text>\n",
            fixed1(a.at).s, a.y, a.end ? "end" : "start");
}

/* ---- process control icons ---------------------------------------------------
 * In the manner of NHS England's "Making Data Count": a circle per verdict,
 * blue for improvement or assurance, orange for concern or failure, grey
 * for common cause or hit and miss, with a letter that says which (H or L:
 * the side of the special cause; P pass, F fail, ? hit and miss), so
 * colour is never the only signal. Drawn here, not copied. */
#define SPC_CENTRE_STROKE "stroke=\"#768692\" stroke-width=\"1\""
#define SPC_LIMIT_STROKE "stroke=\"#768692\" stroke-width=\"1\" stroke-dasharray=\"1 2\""

typedef struct SpcIcon { const char *colour, *letter, *words; } SpcIcon;

static SpcIcon variation_icon(const ReportSpc *spc)
{
    bool improving = strcmp(spc->variation, "improving") == 0, concerning = strcmp(spc->variation, "concerning") == 0;
    /* the side of the special cause: improving is high unless lower is better */
    bool high = improving != spc->lower_better;
    if (improving) return (SpcIcon){ "#005eb8", high ? "H" : "L", high ? "improving: special cause, higher" : "improving: special cause, lower" };
    if (concerning) return (SpcIcon){ "#ed8b00", high ? "H" : "L", high ? "concerning: special cause, higher" : "concerning: special cause, lower" };
    return (SpcIcon){ "#768692", "~", "common cause variation" };
}

static SpcIcon assurance_icon(const ReportSpc *spc)
{
    const char *a = spc->assurance ? spc->assurance : "";
    if (strcmp(a, "consistently meets") == 0) return (SpcIcon){ "#005eb8", "P", "consistently meets the target" };
    if (strcmp(a, "consistently fails") == 0) return (SpcIcon){ "#ed8b00", "F", "consistently fails the target" };
    return (SpcIcon){ "#768692", "?", "hit and miss: may meet or fail the target" };
}

static void svg_icon(FILE *out, const char *kind, SpcIcon icon, double cx, double cy)
{
    fprintf(out, "<g class=\"spc-icon\" data-spc=\"%s\"><title>%s: %s</title>"
            "<circle cx=\"%s\" cy=\"%s\" r=\"8\" fill=\"#ffffff\" stroke=\"%s\" stroke-width=\"2\"/>"
            "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\" font-size=\"10\" font-weight=\"700\" fill=\"%s\">%s</text></g>\n",
            kind, kind, icon.words, fixed1(cx).s, fixed1(cy).s, icon.colour, fixed1(cx).s, fixed1(cy + 3.5).s, icon.colour,
            icon.letter);
}

/* The variation icon, then (when there is a target) the assurance icon,
 * from x on, in the strip above the plot. */
static void svg_spc_icons(FILE *out, const ReportSpc *spc, double x)
{
    svg_icon(out, "variation", variation_icon(spc), x + 10, 11.5);
    if (spc->assurance) svg_icon(out, "assurance", assurance_icon(spc), x + 30, 11.5);
}

/* " To reach it: 59,541 fewer sum(ae.breaches) (4,962 a month),
 * sum(ae.attendances) held at 875,901." (results.h: needed) */
static void put_needed(FILE *out, const ReportItem *it, const ReportResult *res)
{
    char needed[320];
    if (!report_needed(it, &res->needed, needed, sizeof needed)) return;
    fputs(" To reach it: <span class=\"needed\">", out);
    put_esc(out, needed);
    fputs("</span>", out);
    if (it->needed_held && val_is_number(res->needed.held)) {
        fputs(", ", out);
        put_esc(out, it->needed_held);
        fputs(" held at ", out);
        put_value(out, res->needed.held);
    }
    fputs(".", out);
}

static void write_chart(Html *h, const ReportItem *it, const ReportResult *res, uint32_t s, const Scale *scale)
{
    FILE *out = h->out;
    const Report *r = h->r;
    const ReportSystem *sys = &r->systems[s];
    const StatusStyle *st = style_of(res->status);
    Scale sc = *scale;

    fprintf(out, "<figure class=\"chart\" data-status=\"%s\" data-name=\"", report_status(res->status));
    put_esc_lower(out, sys->name);
    fputs(" ", out);
    put_esc_lower(out, sys->code);
    fputs("\">\n<figcaption><span>", out);
    put_esc(out, system_label(r, s));
    fputs("<span class=\"code\">", out);
    put_esc(out, sys->code);
    fputs("</span></span></figcaption>\n", out);

    /* the title is the chart's accessible name: what it shows, in words */
    /* data-axis: the ranges drawn (values in base units, then days), one per item (tests/html.test) */
    fprintf(out, "<svg role=\"img\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" font-family=\"Arial, sans-serif\" "
            "data-axis=\"%s %s %s %s\">\n<title>", CW, CH, CW, CH, fixed(sc.v0, 3).s, fixed(sc.v1, 3).s, fixed(sc.d0, 0).s,
            fixed(sc.d1, 0).s);
    put_esc(out, it->id);
    fputs(" for ", out);
    put_esc(out, system_label(r, s));
    fprintf(out, ": %s", st->label);
    if (val_is_number(res->value)) {
        fputs(", ", out);
        put_value_vs(out, res->value, res->threshold);
        if (!val_is_missing(res->window)) { fputs(" in ", out); put_window(out, res->window); }
    }
    fputs("; target ", out);
    put_mark(out, &it->target, report_window_word(it->deadline, it->target.threshold));
    fputs("</title>\n", out);

    /* plot area and value gridlines */
    fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f7f9fa\"/>\n", PL, PT, PR - PL, PB - PT);
    int nticks = (int)lround((sc.v1 - sc.v0) / sc.step);
    for (int i = 0; i <= nticks && i <= 12; i++) {
        double v = sc.v0 + i * sc.step, y = ypos(&sc, v);
        fprintf(out, "<line x1=\"%d\" y1=\"%s\" x2=\"%d\" y2=\"%s\" stroke=\"#d8dde0\" stroke-width=\"1\"/>\n",
                PL, fixed1(y).s, PR, fixed1(y).s);
        fprintf(out, "<text x=\"%d\" y=\"%s\" text-anchor=\"end\" font-size=\"10\" fill=\"#4c6272\">", PL - 4, fixed1(y + 3.5).s);
        put_tick(out, &sc, v);
        fputs("</text>\n", out);
    }

    /* financial years along the bottom: a tick at each 1 April, labels
     * centred in each year, every other year when they would crowd */
    int fy0 = period_containing(GRAIN_FY, (Day)ceil(sc.d0)).index;
    int fy1 = period_containing(GRAIN_FY, (Day)floor(sc.d1)).index;
    double px_year = 365.25 / (sc.d1 - sc.d0) * (PR - PL);
    int every = px_year >= 26 ? 1 : px_year >= 13 ? 2 : px_year >= 6 ? 4 : 8;
    bool full = px_year >= 46;
    for (int y = fy0; y <= fy1 && y - fy0 <= 400; y++) {
        Period p = { GRAIN_FY, y };
        double a = period_first_day(p), b = period_last_day(p) + 1.0;
        if (a > sc.d0) {
            fprintf(out, "<line x1=\"%s\" y1=\"%d\" x2=\"%s\" y2=\"%d\" stroke=\"#d8dde0\" stroke-width=\"1\"/>\n",
                    fixed1(xpos(&sc, a)).s, PT, fixed1(xpos(&sc, a)).s, PB + 4);
        }
        double ca = fmax(a, sc.d0), cb = fmin(b, sc.d1);
        if (y % every || (cb - ca) / (sc.d1 - sc.d0) * (PR - PL) < (full ? 34 : 20)) continue;
        fprintf(out, "<text x=\"%s\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\" fill=\"#4c6272\">",
                fixed1(xpos(&sc, (ca + cb) / 2)).s, PB + 14);
        if (full) fprintf(out, "%04d/%02d", y, (y + 1) % 100);
        else fprintf(out, "%02d/%02d", y % 100, (y + 1) % 100);
        fputs("</text>\n", out);
    }

    /* tolerance bands under everything else */
    for (size_t i = 0; i < res->nmarks; i++) {
        const ReportMark *m = &res->marks[i];
        double a, b;
        if (m->to < m->from || !band(m, it->tolerance, &a, &b)) continue;
        double x0 = xpos(&sc, m->from), x1 = xpos(&sc, m->to + 1.0), y0 = ypos(&sc, b), y1 = ypos(&sc, a);
        fprintf(out, "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"#005eb8\" fill-opacity=\"0.16\"/>\n",
                fixed1(x0).s, fixed1(y0).s, fixed1(x1 - x0).s, fixed1(y1 - y0).s);
    }
    /* milestones, then the target over its window */
    for (size_t i = 0; i < res->nmarks; i++) {
        const ReportMark *m = &res->marks[i];
        if (m->to < m->from || !val_is_number(m->threshold)) continue;
        svg_hline(out, &sc, m->from, m->to, val_to_double(m->threshold), MILESTONE_STROKE);
        svg_caps(out, &sc, m->from, m->to, val_to_double(m->threshold));
    }
    if (it->target.to >= it->target.from && val_is_number(it->target.threshold))
        svg_hline(out, &sc, it->target.from, it->target.to, val_to_double(it->target.threshold),
                  "stroke=\"#003087\" stroke-width=\"3\"");

    /* the deadline (end of the target window) and the as-of date */
    bool has_deadline = it->target.to >= it->target.from;
    double xd = xpos(&sc, it->target.to + 1.0), xa = xpos(&sc, r->as_of + 1.0);
    if (has_deadline) svg_vline(out, xd, "stroke=\"#003087\" stroke-width=\"1.5\" stroke-dasharray=\"3 3\"");
    bool has_as_of = r->as_of + 1.0 <= sc.d1;
    if (has_as_of) svg_vline(out, xa, "stroke=\"#ae2573\" stroke-width=\"1.5\"");
    svg_line_labels(out, xd, has_deadline, xa, has_as_of);

    /* process control: the centre line and the process limits over the series */
    if (val_is_number(res->spc.centre) && res->nseries) {
        Day from = res->series[0].from, to = res->series[res->nseries - 1].to;
        svg_hline(out, &sc, from, to, val_to_double(res->spc.centre), SPC_CENTRE_STROKE);
        svg_hline(out, &sc, from, to, val_to_double(res->spc.upper), SPC_LIMIT_STROKE);
        svg_hline(out, &sc, from, to, val_to_double(res->spc.lower), SPC_LIMIT_STROKE);
    }

    /* the measured series: one polyline per run of known values */
    bool open = false;
    for (size_t i = 0; i < res->nseries; i++) {
        const ReportPoint *p = &res->series[i];
        bool ok = val_is_number(p->value) && p->to >= p->from;
        if (ok && !open) { fputs("<polyline fill=\"none\" stroke=\"#212b32\" stroke-width=\"1.5\" stroke-linejoin=\"round\" points=\"", out); open = true; }
        else if (ok) fputs(" ", out);
        if (!ok && open) { fputs("\"/>\n", out); open = false; }
        if (ok)
            fprintf(out, "%s,%s", fixed1(xpos(&sc, (p->from + p->to + 1.0) / 2)).s, fixed1(ypos(&sc, val_to_double(p->value))).s);
    }
    if (open) fputs("\"/>\n", out);
    for (size_t i = 0; i < res->nseries; i++) {
        const ReportPoint *p = &res->series[i];
        if (!val_is_number(p->value) || p->to < p->from) continue;
        fprintf(out, "<circle cx=\"%s\" cy=\"%s\" r=\"2.2\" fill=\"#212b32\"><title>",
                fixed1(xpos(&sc, (p->from + p->to + 1.0) / 2)).s, fixed1(ypos(&sc, val_to_double(p->value))).s);
        put_window(out, p->window);
        fputs(": ", out);
        put_value(out, p->value);
        fputs("</title></circle>\n", out);
    }

    /* the value the status was judged on, ringed in the status's colour */
    Day wf, wt;
    if (val_is_number(res->value) && window_days(res->window, &wf, &wt)) {
        double x = xpos(&sc, (wf + wt + 1.0) / 2), y = ypos(&sc, val_to_double(res->value));
        fprintf(out, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\" stroke-width=\"3\" stroke-opacity=\"0.55\"/>\n",
                fixed1(xpos(&sc, wf)).s, fixed1(y).s, fixed1(xpos(&sc, wt + 1.0)).s, fixed1(y).s, st->line);
        fprintf(out, "<circle cx=\"%s\" cy=\"%s\" r=\"4.5\" fill=\"#ffffff\" stroke=\"%s\" stroke-width=\"2.5\"/>\n",
                fixed1(x).s, fixed1(y).s, st->line);
    }
    if (!res->nseries || !val_is_number(res->value)) {
        bool any = false;
        for (size_t i = 0; i < res->nseries; i++) any |= val_is_number(res->series[i].value);
        if (!any)
            fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\" fill=\"#4c6272\">no measurements</text>\n",
                    (PL + PR) / 2, (PT + PB) / 2 + 4);
    }

    /* the status, in words as well as colour, and whether it stands on
     * incomplete data; beside it the process control icons */
    bool incomplete = res->judged != JUDGED_NONE && !result_complete(res);
    int bw = incomplete ? 16 + (int)(6.6 * (double)(strlen(st->label) + 19)) : 70;
    fprintf(out, "<rect x=\"%d\" y=\"3\" width=\"%d\" height=\"17\" rx=\"8.5\" fill=\"%s\" stroke=\"%s\"%s/>\n",
            CW - bw - 4, bw, st->bg, st->line, res->status == ST_NO_DATA || incomplete ? " stroke-dasharray=\"3 2\"" : "");
    fprintf(out, "<text x=\"%d\" y=\"15.5\" text-anchor=\"middle\" font-size=\"11\" font-weight=\"700\" fill=\"%s\">%s%s</text>\n",
            CW - bw / 2 - 4, st->fg, st->label, incomplete ? " &middot; incomplete data" : "");
    if (val_is_number(res->spc.centre)) svg_spc_icons(out, &res->spc, CW - bw - 4 - 40);
    fputs("<text x=\"4\" y=\"15.5\" font-size=\"10\" fill=\"#4c6272\">", out);
    put_esc(out, it->measure ? it->measure : it->id);
    fputs("</text>\n</svg>\n<p>", out);

    /* the same facts in a sentence under the chart */
    if (res->status == ST_NOT_DUE) {
        fputs("Nothing due yet as of this date.", out);
    } else if (res->no_plan_date) {
        fputs("No value: the system&rsquo;s plan gives no date for the target", out);
        if (it->target.plan) { fputs(" (", out); put_esc(out, it->target.plan); fputs(")", out); }
        fputs(".", out);
    } else {
        /* a deadline's value is a day or a yes/no, judged by its day */
        const char *word = report_window_word(it->deadline, res->value);
        if (!val_is_missing(res->value) && (val_is_number(res->value) || it->deadline))
            put_value_vs(out, res->value, res->threshold);
        else fputs("No value", out);
        if (word && !val_is_missing(res->window)) { fputs(word, out); put_window(out, res->window); }
        if (val_is_number(res->threshold) || (it->deadline && !val_is_missing(res->threshold))) {
            const ReportMark *m = res->judged == JUDGED_MILESTONE && res->milestone >= 0 && (size_t)res->milestone < res->nmarks
                                  ? &res->marks[res->milestone] : NULL;
            fprintf(out, "; %s %s ", res->judged == JUDGED_MILESTONE ? "milestone" : "target",
                    cmp_entity(m ? m->cmp : it->target.cmp));
            put_value(out, res->threshold);
            if (m && val_is_number(it->tolerance)) { fputs(" (tolerance ", out); put_value(out, it->tolerance); fputs(")", out); }
        }
        if (val_is_number(res->gap) || res->gap.kind == V_DURATION) {     /* a date deadline's days to spare */
            char gap[72];
            report_gap(res->gap, gap, sizeof gap);
            fputs("; gap ", out);
            put_esc(out, gap);
        }
        fputs(".", out);
        put_needed(out, it, res);
    }
    if (res->keyed_by_system)
        fputs(" Figures for the system as a whole, not its organisations.", out);
    else if (res->members)
        fprintf(out, " Data from %u of %u organisations.", res->coverage, res->members);
    if (val_is_number(res->spc.centre))
        fprintf(out, " Over %" PRIu32 " points: %s variation, %s the target.", res->spc.points, res->spc.variation,
                res->spc.assurance ? res->spc.assurance : "no target to judge against:");
    if (res->judged != JUDGED_NONE && res->cells_present < res->cells_expected)
        fprintf(out, " <strong>Incomplete:</strong> %" PRIu64 " of %" PRIu64 " returns in.", res->cells_present,
                res->cells_expected);
    fputs("</p>\n</figure>\n", out);
}

/* One swatch of the legend: a small SVG drawn as the chart draws the mark. */
static void legend_entry(FILE *out, const char *mark, const char *svg, const char *words)
{
    fprintf(out, "<span data-mark=\"%s\"><svg aria-hidden=\"true\" viewBox=\"0 0 28 18\" width=\"28\" height=\"18\">%s</svg>%s</span>\n",
            mark, svg, words);
}

static void write_legend(FILE *out)
{
    fputs("<div class=\"legend\">\n", out);
    legend_entry(out, "series", "<polyline points=\"2,13 10,7 18,10 26,4\" fill=\"none\" stroke=\"#212b32\" stroke-width=\"1.5\"/>"
                 "<circle cx=\"10\" cy=\"7\" r=\"2.2\" fill=\"#212b32\"/>", "measured, per month (or quarter)");
    legend_entry(out, "target", "<line x1=\"2\" y1=\"9\" x2=\"26\" y2=\"9\" stroke=\"#003087\" stroke-width=\"3\"/>",
                 "target threshold, over its window");
    legend_entry(out, "milestone", "<line x1=\"3\" y1=\"9\" x2=\"25\" y2=\"9\" " MILESTONE_STROKE "/>"
                 "<line x1=\"3\" y1=\"5\" x2=\"3\" y2=\"13\" stroke=\"#005eb8\" stroke-width=\"2\"/>"
                 "<line x1=\"25\" y1=\"5\" x2=\"25\" y2=\"13\" stroke=\"#005eb8\" stroke-width=\"2\"/>",
                 "milestone threshold, over its window");
    legend_entry(out, "tolerance", "<rect x=\"2\" y=\"5\" width=\"24\" height=\"9\" fill=\"#005eb8\" fill-opacity=\"0.16\"/>",
                 "tolerance band below (or above) a milestone");
    legend_entry(out, "judged", "<line x1=\"2\" y1=\"9\" x2=\"26\" y2=\"9\" stroke=\"#d5281b\" stroke-width=\"3\" stroke-opacity=\"0.55\"/>"
                 "<circle cx=\"14\" cy=\"9\" r=\"4.5\" fill=\"#ffffff\" stroke=\"#d5281b\" stroke-width=\"2.5\"/>",
                 "the value judged, over its window, in the status&rsquo;s colour (not a threshold)");
    legend_entry(out, "deadline", "<line x1=\"14\" y1=\"1\" x2=\"14\" y2=\"17\" stroke=\"#003087\" stroke-width=\"1.5\" stroke-dasharray=\"3 3\"/>",
                 "deadline");
    legend_entry(out, "as-of", "<line x1=\"14\" y1=\"1\" x2=\"14\" y2=\"17\" stroke=\"#ae2573\" stroke-width=\"1.5\"/>", "as-of date");
    legend_entry(out, "spc-centre", "<line x1=\"2\" y1=\"9\" x2=\"26\" y2=\"9\" " SPC_CENTRE_STROKE "/>",
                 "process mean (15 points or more)");
    legend_entry(out, "spc-limits", "<line x1=\"2\" y1=\"4\" x2=\"26\" y2=\"4\" " SPC_LIMIT_STROKE "/>"
                 "<line x1=\"2\" y1=\"14\" x2=\"26\" y2=\"14\" " SPC_LIMIT_STROKE "/>",
                 "process limits (mean &plusmn; 2.66 mean moving ranges)");
    fputs("</div>\n<div class=\"legend\" data-mark=\"spc-icons\">\n", out);
    static const struct { const char *kind; SpcIcon icon; } icons[] = {
        { "variation", { "#005eb8", "H", "improving (special cause; H higher, L lower)" } },
        { "variation", { "#ed8b00", "L", "concerning (special cause)" } },
        { "variation", { "#768692", "~", "common cause variation" } },
        { "assurance", { "#005eb8", "P", "consistently meets the target" } },
        { "assurance", { "#ed8b00", "F", "consistently fails the target" } },
        { "assurance", { "#768692", "?", "hit and miss" } },
    };
    for (size_t i = 0; i < sizeof icons / sizeof *icons; i++) {
        fprintf(out, "<span data-mark=\"%s\"><svg aria-hidden=\"true\" viewBox=\"0 0 20 20\" width=\"20\" height=\"20\">", icons[i].kind);
        svg_icon(out, icons[i].kind, icons[i].icon, 10, 10);
        fprintf(out, "</svg>%s</span>\n", icons[i].icon.words);
    }
    fputs("</div>\n", out);
}

static void write_item_head(FILE *out, const ReportItem *it)
{
    fputs("<h3>", out);
    put_esc(out, it->title && *it->title ? it->title : it->id);
    fputs("<code>", out);
    put_esc(out, it->id);
    fputs("</code>", out);
    if (it->kind == ITEM_COMMITMENT && class_name(it->cls))
        fprintf(out, "<span class=\"chip\">%s</span>", class_name(it->cls));
    fputs("</h3>\n", out);
    if (it->doc && *it->doc) { fputs("<p class=\"doc\">", out); put_esc(out, it->doc); fputs("</p>\n", out); }
}

/* ---- closest to the line ----------------------------------------------------
 * For each commitment, its systems ordered by the Report's gap (never worked
 * out again here), furthest past the line first, with the line drawn where
 * the gap changes sign: the near misses sit just under it, the near passes
 * just over it. Ties keep the systems' order; systems without a gap (not
 * due, no value) are counted, not ranked. Drawn for two systems or more. */
typedef struct Ranked { Value gap; uint32_t system; } Ranked;

static int by_gap_descending(const void *a, const void *b)
{
    const Ranked *x = a, *y = b;
    bool missing = false;
    int c = val_compare(y->gap, x->gap, &missing);
    if (c) return c;
    return x->system < y->system ? -1 : x->system > y->system;
}

static void put_gap(FILE *out, Value gap)
{
    char buf[72];
    report_gap(gap, buf, sizeof buf);
    put_signed(out, buf);
}

static void write_closest(Html *h, size_t item)
{
    FILE *out = h->out;
    const Report *r = h->r;
    Ranked *rank = mem_calloc(r->nsystems + 1, sizeof *rank);
    size_t n = 0, short_of = 0;
    double widest = 0;
    for (size_t s = 0; s < r->nsystems; s++) {
        const ReportResult *res = cell(h, s, item);
        if (!res || !val_is_number(res->gap)) continue;
        rank[n++] = (Ranked){ res->gap, (uint32_t)s };
        double g = fabs(val_to_double(res->gap));
        if (isfinite(g) && g > widest) widest = g;
        short_of += val_to_double(res->gap) < 0;
    }
    if (n < 2) { mem_free(rank); return; }     /* one system: its chart's sentence says its gap */
    qsort(rank, n, sizeof *rank, by_gap_descending);

    fprintf(out, "<details class=\"closest\" data-item=\"");
    put_esc(out, r->items[item].id);
    fprintf(out, "\"%s>\n<summary><b>Closest to the line</b>: %zu system%s ordered by gap, %zu short of the line",
            r->nsystems <= 12 ? " open" : "", n, plural(n), short_of);
    /* the nearest miss and the nearest pass, named in the summary */
    if (short_of) {
        fputs("; nearest miss ", out);
        put_esc(out, system_label(r, rank[n - short_of].system));
        fputs(" (", out);
        put_gap(out, rank[n - short_of].gap);
        fputs(")", out);
    }
    if (short_of < n) {
        fputs("; nearest pass ", out);
        put_esc(out, system_label(r, rank[n - short_of - 1].system));
        fputs(" (", out);
        put_gap(out, rank[n - short_of - 1].gap);
        fputs(")", out);
    }
    fputs("</summary>\n<ol class=\"gaps\">\n", out);
    for (size_t k = 0; k < n; k++) {
        const ReportResult *res = cell(h, rank[k].system, item);
        double g = val_to_double(rank[k].gap);
        if (k == n - short_of)
            fputs("<li class=\"line\">the line: above it past the threshold, below it short of it</li>\n", out);
        char exact[256];
        val_format(rank[k].gap, true, exact, sizeof exact);
        fprintf(out, "<li data-system=\"");
        put_esc(out, r->systems[rank[k].system].code);
        fputs("\" data-gap=\"", out);
        put_esc(out, exact);
        fputs("\"><span class=\"who\">", out);
        put_esc(out, system_label(r, rank[k].system));
        fputs("</span>", out);
        /* a bar left of the line for a shortfall, right of it past the
         * line, on one scale for the item */
        Fixed w = fixed(widest > 0 && isfinite(g) ? fabs(g) / widest * 100 : 0, 1);
        if (g < 0) fprintf(out, "<span class=\"neg\"><i style=\"width:%s%%\"></i></span><span class=\"pos\"></span>", w.s);
        else fprintf(out, "<span class=\"neg\"></span><span class=\"pos\"><i style=\"width:%s%%\"></i></span>", w.s);
        fputs("<span class=\"g\">", out);
        put_gap(out, rank[k].gap);
        fputs("</span> ", out);
        put_badge(out, res->status);
        fputs("</li>\n", out);
    }
    if (short_of == 0)
        fputs("<li class=\"line\">the line: every system above it is past the threshold</li>\n", out);
    fputs("</ol>\n", out);
    if (n < r->nsystems)
        fprintf(out, "<p class=\"v\">%zu system%s without a gap (not yet due, or no value).</p>\n", r->nsystems - n,
                plural(r->nsystems - n));
    fputs("</details>\n", out);
    mem_free(rank);
}

/* A commitment or check judged by group: a table, a row per system, a
 * column per group, each cell the group's status and value (a check's
 * figures: its value is only true or false). */
static void write_groups(Html *h, size_t i)
{
    FILE *out = h->out;
    const Report *r = h->r;
    const ReportItem *it = &r->items[i];
    fputs("<div class=\"scroll\"><table class=\"groups\">\n<caption>Each system&rsquo;s result in each group of <code>", out);
    put_esc(out, it->by);
    fputs("</code></caption>\n<thead><tr><th>System</th>", out);
    for (uint32_t g = 0; g < it->ngroups; g++) {
        fputs("<th>", out);
        put_esc(out, it->groups[g]);
        fputs("</th>", out);
    }
    fputs("</tr></thead>\n<tbody>\n", out);
    for (size_t s = 0; s < r->nsystems; s++) {
        const ReportResult *res = cell(h, s, i);
        if (!res) continue;
        fputs("<tr><td>", out);
        put_esc(out, system_label(r, (uint32_t)s));
        fputs("<span class=\"code\">", out);
        put_esc(out, r->systems[s].code);
        fputs("</span></td>", out);
        for (uint32_t g = 0; g < it->ngroups; g++) {
            fputs("<td>", out);
            if (g < res->ngroups && it->kind != ITEM_COMMITMENT) {
                put_result_badge(out, r, &res->groups[g]);
                if (res->groups[g].noperands) {
                    fputs(" <span class=\"ops\">", out);
                    put_operands(out, &res->groups[g]);
                    fputs("</span>", out);
                }
            } else if (g < res->ngroups) {
                put_result_badge(out, r, &res->groups[g]);
                if (!val_is_missing(res->groups[g].value)) {
                    fputs(" ", out);
                    put_value(out, res->groups[g].value);
                }
            }
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table></div>\n", out);
}

static void write_commitments(Html *h)
{
    FILE *out = h->out;
    const Report *r = h->r;
    if (!h->ncommitments) return;
    fputs("<section class=\"card\" id=\"commitments\" aria-labelledby=\"h-commitments\">\n"
          "<h2 id=\"h-commitments\">Commitments</h2>\n"
          "<p class=\"doc\">Every system's chart of a commitment has the same axes, so a near miss looks near.</p>\n", out);
    write_legend(out);
    for (size_t i = 0; i < r->nitems; i++) {
        const ReportItem *it = &r->items[i];
        if (it->kind != ITEM_COMMITMENT || it->national) continue;   /* a national one: in the national card */
        fprintf(out, "<div class=\"item\" id=\"item-%zu\">\n", i);
        write_item_head(out, it);
        fputs("<dl class=\"facts\">\n<dt>Measure</dt><dd><code>", out);
        put_esc(out, it->measure);
        fputs("</code></dd>\n<dt>Target</dt><dd>", out);
        put_mark(out, &it->target, report_window_word(it->deadline, it->target.threshold));
        fputs("</dd>\n", out);
        if (it->nmilestones) {
            fputs("<dt>Milestones</dt><dd>", out);
            for (size_t m = 0; m < it->nmilestones; m++) {
                if (m) fputs("; ", out);
                put_mark(out, &it->milestones[m], " in ");
            }
            fputs("</dd>\n", out);
        }
        if (it->plan_milestones) fputs("<dt>Milestones</dt><dd>each system&rsquo;s own plan</dd>\n", out);
        if (val_is_number(it->tolerance)) { fputs("<dt>Tolerance</dt><dd>", out); put_value(out, it->tolerance); fputs("</dd>\n", out); }
        if (it->source) { fputs("<dt>Source</dt><dd>", out); put_esc(out, it->source); fputs("</dd>\n", out); }
        if (it->by) {
            fputs("<dt>By group</dt><dd><code>", out);
            put_esc(out, it->by);
            fputs("</code>: ", out);
            for (uint32_t g = 0; g < it->ngroups; g++) {
                if (g) fputs(", ", out);
                put_esc(out, it->groups[g]);
            }
            fputs("</dd>\n", out);
        }
        fputs("</dl>\n", out);
        if (it->by) write_groups(h, i);
        write_closest(h, i);
        fputs("<div class=\"charts\">\n", out);
        Scale sc = item_scale(h, i);
        for (size_t s = 0; s < r->nsystems; s++) {
            const ReportResult *res = cell(h, s, i);
            if (res) write_chart(h, it, res, (uint32_t)s, &sc);
        }
        fputs("</div>\n</div>\n", out);
    }
    fputs("</section>\n", out);
}

/* ---- checks ---------------------------------------------------------------------- */

/* A require that is a plain comparison says nothing the status does not:
 * only other values get a column. */
static bool shows_value(const ReportResult *res)
{
    return res->value.kind != V_BOOL && !val_is_missing(res->value);
}

static void write_check_value(FILE *out, const ReportResult *res)
{
    if (shows_value(res)) put_value(out, res->value);
}

static void write_checks(Html *h)
{
    FILE *out = h->out;
    const Report *r = h->r;
    if (h->nchecks) {
        fputs("<section class=\"card\" id=\"checks\" aria-labelledby=\"h-checks\">\n<h2 id=\"h-checks\">Checks</h2>\n", out);
        for (size_t i = 0; i < r->nitems; i++) {
            const ReportItem *it = &r->items[i];
            if (it->kind != ITEM_CHECK) continue;
            fprintf(out, "<div class=\"item\" id=\"item-%zu\">\n", i);
            write_item_head(out, it);
            bool values = false, figures = false;
            for (size_t s = 0; s < r->nsystems; s++) {
                values |= cell(h, s, i) && shows_value(cell(h, s, i));
                figures |= cell(h, s, i) && cell(h, s, i)->noperands;
            }
            fprintf(out, "<div class=\"scroll\"><table>\n<thead><tr><th>System</th><th>Status</th>%s%s<th>Message</th></tr></thead>\n<tbody>\n",
                    values ? "<th>Value</th>" : "", figures ? "<th>Figures</th>" : "");
            for (size_t s = 0; s < r->nsystems; s++) {
                const ReportResult *res = cell(h, s, i);
                if (!res) continue;
                fprintf(out, "<tr data-status=\"%s\" data-name=\"", report_status(res->status));
                put_esc_lower(out, r->systems[s].name);
                fputs(" ", out);
                put_esc_lower(out, r->systems[s].code);
                fputs("\"><td>", out);
                put_esc(out, system_label(r, (uint32_t)s));
                fputs("<span class=\"code\">", out);
                put_esc(out, r->systems[s].code);
                fputs("</span></td><td>", out);
                put_result_badge(out, r, res);
                fputs("</td><td>", out);
                if (values) { write_check_value(out, res); fputs("</td><td>", out); }
                if (figures) { fputs("<span class=\"ops\">", out); put_operands(out, res); fputs("</span></td><td>", out); }
                if (res->status == ST_FAIL && it->message) { fputs("<span class=\"msg\">", out); put_esc(out, it->message); fputs("</span>", out); }
                else if (res->status == ST_NO_DATA) fputs("<span class=\"v\">no data to decide</span>", out);
                fputs("</td></tr>\n", out);
            }
            fputs("</tbody></table></div>\n", out);
            if (it->by) write_groups(h, i);
            fputs("</div>\n", out);
        }
        fputs("</section>\n", out);
    }
    if (h->nnational_commitments) {
        fprintf(out, "<section class=\"card\" id=\"national-commitments\" aria-labelledby=\"h-national-commitments\">\n"
                     "<h2 id=\"h-national-commitments\">National commitments</h2>\n"
                     "<p class=\"doc\">Judged once for the round, over every system's members together.</p>\n"
                     "<div class=\"scroll\"><table>\n<thead><tr><th>Commitment</th><th>Status</th><th>Value</th>"
                     "<th>Gap</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < r->nitems; i++) {
            const ReportItem *it = &r->items[i];
            if (it->kind != ITEM_COMMITMENT || !it->national) continue;
            const ReportResult *res = h->national[i];
            fprintf(out, "<tr id=\"item-%zu\"><td><b>", i);
            put_esc(out, it->title && *it->title ? it->title : it->id);
            fputs("</b> <code>", out);
            put_esc(out, it->id);
            fputs("</code><span class=\"doc\" style=\"display:block\">target ", out);
            put_mark(out, &it->target, report_window_word(it->deadline, it->target.threshold));
            for (size_t m = 0; m < it->nmilestones; m++) {
                fputs(m ? "; " : "; milestones ", out);
                put_mark(out, &it->milestones[m], " in ");
            }
            fputs("</span></td><td>", out);
            if (res) put_result_badge(out, r, res);
            fputs("</td><td>", out);
            if (res && val_is_number(res->value)) {
                put_value_vs(out, res->value, res->threshold);
                if (!val_is_missing(res->window)) { fputs(" in ", out); put_window(out, res->window); }
            }
            fputs("</td><td>", out);
            if (res && val_is_number(res->gap)) put_value(out, res->gap);
            fputs("</td></tr>\n", out);
        }
        fputs("</tbody></table></div>\n</section>\n", out);
    }
    if (h->nnational) {
        bool values = false, figures = false;
        for (size_t i = 0; i < r->nitems; i++) {
            values |= h->national[i] && shows_value(h->national[i]);
            figures |= h->national[i] && h->national[i]->noperands;
        }
        fprintf(out, "<section class=\"card\" id=\"national\" aria-labelledby=\"h-national\">\n<h2 id=\"h-national\">National checks</h2>\n"
                "<div class=\"scroll\"><table>\n<thead><tr><th>Check</th><th>Status</th>%s%s<th>Message</th></tr></thead>\n<tbody>\n",
                values ? "<th>Value</th>" : "", figures ? "<th>Figures</th>" : "");
        for (size_t i = 0; i < r->nitems; i++) {
            const ReportItem *it = &r->items[i];
            if (it->kind != ITEM_NATIONAL_CHECK) continue;
            const ReportResult *res = h->national[i];
            fputs("<tr><td><b>", out);
            put_esc(out, it->title && *it->title ? it->title : it->id);
            fputs("</b> <code>", out);
            put_esc(out, it->id);
            fputs("</code>", out);
            if (it->doc && *it->doc) { fputs("<span class=\"doc\" style=\"display:block\">", out); put_esc(out, it->doc); fputs("</span>", out); }
            fputs("</td><td>", out);
            if (res) put_result_badge(out, r, res);
            fputs("</td><td>", out);
            if (values) {
                if (res) write_check_value(out, res);
                fputs("</td><td>", out);
            }
            if (figures) {
                fputs("<span class=\"ops\">", out);
                if (res) put_operands(out, res);
                fputs("</span></td><td>", out);
            }
            if (res && res->status == ST_FAIL && it->message) { fputs("<span class=\"msg\">", out); put_esc(out, it->message); fputs("</span>", out); }
            fputs("</td></tr>\n", out);
        }
        fputs("</tbody></table></div>\n</section>\n", out);
    }
}

/* ---- the page ----------------------------------------------------------------------- */

/* The variations given: a table of what each varies, for whom, why, who
 * agreed it, from when until when, and whether it is in force. */
static void write_variations(Html *h)
{
    FILE *out = h->out;
    const Report *r = h->r;
    if (!r->nvariations) return;
    fputs("<section class=\"card\" id=\"variations\" aria-labelledby=\"h-variations\">\n"
          "<h2 id=\"h-variations\">Variations</h2>\n"
          "<p class=\"doc\">Rules varied for named systems, as agreed. An exempted result is still judged and "
          "shown.</p>\n<div class=\"scroll\"><table>\n<thead><tr><th>Variation</th><th>Rule</th><th>Systems</th>"
          "<th>What</th><th>Reason</th><th>Agreed by</th><th>In force</th></tr></thead>\n<tbody>\n", out);
    for (size_t i = 0; i < r->nvariations; i++) {
        const ReportVariation *v = &r->variations[i];
        char what[512];
        fputs("<tr><td><b>", out);
        put_esc(out, v->title ? v->title : v->name);
        fputs("</b> <code>", out);
        put_esc(out, v->name);
        fputs("</code></td><td><code>", out);
        put_esc(out, v->rule_name);
        fputs("</code></td><td>", out);
        for (size_t k = 0; k < v->nsystems; k++) {
            if (k) fputs(", ", out);
            put_esc(out, v->systems[k]);
        }
        fputs("</td><td>", out);
        put_esc(out, report_variation_what(v, what, sizeof what));
        fputs("</td><td>", out);
        put_esc(out, v->reason);
        fputs("</td><td>", out);
        put_esc(out, v->agreed_by);
        fputs("</td><td>", out);
        put_day(out, v->agreed_on);
        fputs(" to ", out);
        put_day(out, v->until);
        fputs(v->in_force ? "" : " (not on this day)", out);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table></div>\n</section>\n", out);
}

bool report_html(const Report *r, FILE *out)
{
    Html h = { .out = out, .r = r };
    h.cell = mem_calloc(r->nsystems * (r->nitems ? r->nitems : 1) + 1, sizeof *h.cell);
    h.national = mem_calloc(r->nitems + 1, sizeof *h.national);
    h.rating = mem_calloc(r->nsystems * (r->nrating_decls ? r->nrating_decls : 1) + 1, sizeof *h.rating);
    for (size_t i = 0; i < r->nitems; i++) {
        uint8_t k = r->items[i].kind;
        h.ncommitments += k == ITEM_COMMITMENT && !r->items[i].national;
        h.nnational_commitments += k == ITEM_COMMITMENT && r->items[i].national;
        h.nchecks += k == ITEM_CHECK;
        h.nnational += k == ITEM_NATIONAL_CHECK;
    }
    for (size_t i = 0; i < r->nresults; i++) {
        const ReportResult *res = &r->results[i];
        if (res->item >= r->nitems) continue;
        if (res->system == REPORT_NATIONAL) h.national[res->item] = res;
        else if (res->system < r->nsystems) h.cell[res->system * r->nitems + res->item] = res;
    }
    for (size_t i = 0; i < r->nratings; i++) {
        const ReportRating *rt = &r->ratings[i];
        if (rt->system < r->nsystems && rt->rating < r->nrating_decls)
            h.rating[rt->system * r->nrating_decls + rt->rating] = rt;
    }

    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"", out);
    put_esc(out, r->engine);
    fputs("\">\n<title>", out);
    if (r->round) { put_esc(out, r->round_title ? r->round_title : r->round); fputs(" &ndash; ", out); }
    fputs("Pledge report as of ", out);
    put_day(out, r->as_of);
    fputs("</title>\n<style>\n", out);
    for (size_t i = 0; i < sizeof css / sizeof *css; i++) fputs(css[i], out);
    fputs("</style>\n</head>\n<body>\n", out);

    fputs("<header class=\"top\"><div class=\"wrap\">\n<span class=\"brand\">Pledge</span>\n<h1>", out);
    put_esc(out, r->round_title ? r->round_title : r->round ? r->round : "Assessment");
    fputs("</h1>\n<p>", out);
    if (r->round) { fputs("Round <code>", out); put_esc(out, r->round); fputs("</code> &middot; ", out); }
    fputs("assessed as of <b>", out);
    put_day(out, r->as_of);
    fprintf(out, "</b> &middot; %zu system%s</p>\n</div></header>\n", r->nsystems, plural(r->nsystems));

    fputs("<nav class=\"toc\" aria-label=\"Sections\"><div class=\"wrap\"><a href=\"#summary\">Summary</a><a href=\"#status\">Status by system</a>", out);
    if (h.ncommitments) fputs("<a href=\"#commitments\">Commitments</a>", out);
    if (h.nchecks) fputs("<a href=\"#checks\">Checks</a>", out);
    if (h.nnational_commitments) fputs("<a href=\"#national-commitments\">National commitments</a>", out);
    if (h.nnational) fputs("<a href=\"#national\">National checks</a>", out);
    if (r->nvariations) fputs("<a href=\"#variations\">Variations</a>", out);
    fputs("</div></nav>\n<main class=\"wrap\">\n", out);

    write_summary(&h);
    write_grid(&h);
    write_commitments(&h);
    write_checks(&h);
    write_variations(&h);

    fputs("</main>\n<footer class=\"wrap\">Written by ", out);
    put_esc(out, r->engine);
    fputs(" from <code>", out);
    put_esc(out, r->rules);
    fputs("</code>, as of ", out);
    put_day(out, r->as_of);
    fputs(". This page is self-contained: it loads nothing from the network.</footer>\n<script>\n", out);
    for (size_t i = 0; i < sizeof script / sizeof *script; i++) fputs(script[i], out);
    fputs("</script>\n</body>\n</html>\n", out);

    mem_free(h.cell);
    mem_free(h.national);
    mem_free(h.rating);
    return !ferror(out);
}
