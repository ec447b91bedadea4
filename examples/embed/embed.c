/* embed.c: a system's data pipeline running a round through libpledge.
 *
 * The pipeline has its data in memory already (here it reads two CSV files
 * itself, as it might read a warehouse query); it pushes the rows to
 * Pledge, assesses every footprint as of a day, and writes the results as
 * CSV, the same bytes as `pledge assess RULES ... --format csv`.
 *
 *   cc embed.c $(pkg-config --cflags --libs pledge) -o embed
 *   ./embed examples/stp2016/stp2016.pledge \
 *       ae=examples/data/nhs/ae_attendances.csv \
 *       stp=examples/data/nhs/trust_stp_2016_2019.csv 2019-06-30
 */
#include <pledge.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each diagnostic of the rule file, as `pledge check` prints it. */
static void print_diagnostic(void *ud, const pledge_diagnostic *d)
{
    (void)ud;
    fputs(d->rendered, stderr);
}

/* ---- the pipeline's own CSV reading (RFC 4180: quotes, commas, CRLF) ---- */

typedef struct Record { char **cells; size_t n, cap; } Record;

/* An empty cell that was not quoted is missing (NULL), as in Pledge's own
 * reading; a quoted "" is empty text. */
static void add_cell(Record *r, const char *text, size_t len, int was_quoted)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 8;
        r->cells = realloc(r->cells, r->cap * sizeof *r->cells);
        if (!r->cells) { perror("embed"); exit(1); }
    }
    char *cell = NULL;
    if (len || was_quoted) {
        cell = malloc(len + 1);
        if (!cell) { perror("embed"); exit(1); }
        memcpy(cell, text, len);
        cell[len] = '\0';
    }
    r->cells[r->n++] = cell;
}

static void clear(Record *r)
{
    for (size_t i = 0; i < r->n; i++) free(r->cells[i]);
    r->n = 0;
}

/* Reads one record into r; 0 at the end of the file. */
static int read_record(FILE *f, Record *r)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int c, quoted = 0, was_quoted = 0, any = 0;
    clear(r);
    while ((c = getc(f)) != EOF) {
        any = 1;
        if (quoted) {
            if (c == '"') {
                int next = getc(f);
                if (next != '"') { quoted = 0; if (next != EOF) ungetc(next, f); continue; }
            }
        } else if (c == '"') { quoted = was_quoted = 1; continue; }
        else if (c == ',' || c == '\n') {
            if (len && buf[len - 1] == '\r' && c == '\n') len--;
            add_cell(r, buf ? buf : "", len, was_quoted);
            len = 0;
            was_quoted = 0;
            if (c == '\n') break;
            continue;
        }
        if (len + 1 >= cap) {
            cap = cap ? cap * 2 : 64;
            buf = realloc(buf, cap);
            if (!buf) { perror("embed"); exit(1); }
        }
        buf[len++] = (char)c;
    }
    if (c == EOF && any) add_cell(r, buf ? buf : "", len, was_quoted);
    free(buf);
    return any;
}

/* Pushes the rows of a CSV file to input `name` of the round. */
static int push_file(pledge_state *S, pledge_round *R, const char *name, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return 0; }
    /* a byte-order mark is not part of the first column's name */
    int b0 = getc(f), b1 = getc(f), b2 = getc(f);
    if (!(b0 == 0xEF && b1 == 0xBB && b2 == 0xBF)) rewind(f);
    Record header = { 0 }, row = { 0 };
    int ok = read_record(f, &header);
    pledge_rows *rows = ok ? pledge_rows_new(S, (const char *const *)header.cells, header.n) : NULL;
    while (rows && read_record(f, &row)) {
        if (row.n != header.n) {
            fprintf(stderr, "%s: a row has %zu cells, not %zu\n", path, row.n, header.n);
            ok = 0;
            break;
        }
        if (pledge_rows_add(rows, (const char *const *)row.cells) != PLEDGE_OK) { ok = 0; break; }
    }
    fclose(f);
    clear(&header);
    clear(&row);
    free(header.cells);
    free(row.cells);
    if (!rows) return 0;
    if (!ok) { pledge_rows_free(rows); return 0; }
    return pledge_bind_rows(R, name, path, rows) == PLEDGE_OK;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: embed RULES NAME=CSV... AS_OF\n");
        return 2;
    }
    pledge_config config;
    pledge_config_init(&config);
    config.diagnostic = print_diagnostic;
    pledge_state *S = pledge_new(&config);
    if (!S) { fputs("embed: out of memory\n", stderr); return 4; }

    pledge_round *R = NULL;
    pledge_status st = pledge_load(S, argv[1], &R);
    for (int i = 2; st == PLEDGE_OK && i < argc - 1; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) { fprintf(stderr, "embed: `%s` is not NAME=CSV\n", argv[i]); st = PLEDGE_ERR_USAGE; break; }
        *eq = '\0';
        if (!push_file(S, R, argv[i], eq + 1)) st = PLEDGE_ERR_INPUT;
    }

    pledge_report *rep = NULL;
    pledge_assess_options options = { .as_of = argv[argc - 1] };
    if (st == PLEDGE_OK) st = pledge_assess(R, &options, &rep);
    if (st == PLEDGE_OK) st = pledge_report_write(rep, PLEDGE_FORMAT_CSV, stdout, NULL);
    if (st != PLEDGE_OK && pledge_error(S)[0]) fprintf(stderr, "embed: %s\n", pledge_error(S));

    pledge_report_free(rep);
    pledge_round_free(R);
    pledge_free(S);
    return st == PLEDGE_OK && fflush(stdout) == 0 ? 0 : (int)(st ? st : 3);
}
