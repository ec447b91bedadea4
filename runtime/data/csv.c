/* csv.c: RFC 4180 records from bytes in memory (see csv.h for the rules).
 *
 * Speed: every scan is a loop over a 256-entry table of "bytes that need a
 * decision" with no bounds check per byte. That is safe because, for each
 * table, we know where the last such byte in the data is (safe_u, safe_q):
 * a scan that starts before it must stop at or before it, and from it on
 * there is nothing to find. So the bounds check is made once per field, not
 * once per byte, and no record allocates (the field array and the scratch
 * buffer are reused). Most records are read by a faster reader still
 * (plain_record, over an index of the data 64 bytes at a time), which hands
 * any record it does not handle to the general one (read_record). */
#define _DEFAULT_SOURCE     /* madvise(MADV_DONTNEED): POSIX has no way to drop mapped pages */
#include "data/csv.h"
#include "base/utf8.h"
#include "base/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef enum { READING, ENDED, FAILED } ReadState;

/* The fast reader's (plain_record) indexer of the block at base, for the
 * CPU it runs on. */
typedef void IndexBlock(CsvReader *r, const unsigned char *base);
static IndexBlock *choose_indexer(void);
static void release_read_pages(CsvReader *r, size_t every);

/* Where the fast reader is: its block and what of it is left. */
typedef struct BlockIndex {
    const unsigned char *base;  /* the block's first byte */
    uint64_t seps;              /* separators outside quotes not yet taken */
    uint64_t bad;               /* bytes a plain record may not hold, not yet checked */
    uint64_t in_quotes;         /* all ones if the block ends inside quotes */
    uint64_t sep_last;          /* 1 if its last byte is a separator */
    uint64_t need_sep;          /* 1 if the next block's first byte must end a field (a closing quote before) */
    uint64_t need_other;        /* 1 if it must not (a blank before, outside quotes) */
    uint64_t need_lf;           /* 1 if it must be a LF (a CR before, outside quotes) */
} BlockIndex;

struct CsvReader {
    const unsigned char *data;  /* after a BOM; never NULL */
    size_t len;
    size_t limit;               /* records start before this (len unless a slice) */
    size_t safe_u, safe_q;      /* one past the last byte that stops each scan */
    size_t pos;                 /* where the next record (or blank line) starts */
    uint64_t line;              /* the line pos is on */
    size_t rec_off;             /* the current record */
    uint64_t rec_line;
    ReadState state;
    bool ended_at_limit;
    IndexBlock *index;          /* the fast reader's (plain_record); NULL: every record by the general reader */
    BlockIndex ix;              /* the fast reader's index, where the last record it read ended */
    const unsigned char *ix_next;   /* where that record ended */

    CsvField *fields;
    size_t nfields;
    size_t *scratch_at;         /* per field: its offset in scratch, if unescaped there */
    size_t fields_cap;
    char *scratch;
    size_t scratch_len, scratch_cap;

    void *map;                  /* the file's mapping, or NULL */
    size_t map_len;
    MemHold *hold;              /* the mapping's; NULL for a slice, which shares its parent's */
    size_t released;            /* bytes of the mapping given back, from its start (a slice's: from its own) */
    unsigned char *owned;       /* owned copy (read, not mapped), or NULL */
    char *name;
    char err[160];
};

/* What stops a scan outside quotes: the separator, line ends, a stray
 * quote, a NUL. Inside quotes only the quote, LF (to count lines) and NUL
 * matter, so commas and CRs there cost nothing. */
static const unsigned char stop_u[256] = { [0] = 1, ['\n'] = 1, ['\r'] = 1, [','] = 1, ['"'] = 1 };
static const unsigned char stop_q[256] = { [0] = 1, ['\n'] = 1, ['"'] = 1 };
/* A line that starts with one of these may be blank. */
static const unsigned char line_start[256] = { [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1 };

static const unsigned char no_bytes[1];  /* data for an empty file: never NULL */

static size_t last_stop(const unsigned char *d, size_t len, const unsigned char *stop)
{
    while (len > 0 && !stop[d[len - 1]])
        len--;
    return len;
}

static CsvReader *new_reader(const unsigned char *data, size_t len, const char *name)
{
    CsvReader *r = mem_calloc(1, sizeof *r);
    /* The BOM is not data; csv_data and offsets start after it. */
    if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) {
        data += 3;
        len -= 3;
    }
    r->data = len ? data : no_bytes;
    r->len = len;
    r->limit = len;
    r->safe_u = last_stop(r->data, len, stop_u);
    r->safe_q = last_stop(r->data, len, stop_q);
    r->line = r->rec_line = 1;
    r->index = choose_indexer();
    if (!name)
        name = "";
    r->name = mem_strndup(name, strlen(name));
    return r;
}

CsvReader *csv_open_memory(const char *data, size_t len, const char *name)
{
    return new_reader(len ? (const unsigned char *)data : no_bytes, len, name);
}

static CsvReader *open_failed(MemHold *hold, int e, char *why, size_t whycap)
{
    mem_release(hold);
    if (why && whycap)
        snprintf(why, whycap, "%s", strerror(e));
    return NULL;
}

/* For pipes, odd file systems, or when mmap is refused: read to the end
 * rather than trusting st_size, which may be stale or 0. */
static unsigned char *read_all(int fd, size_t hint, size_t *len, int *err)
{
    size_t cap = hint ? hint + 1 : 1 << 16, n = 0;
    unsigned char *buf = mem_alloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap > SIZE_MAX / 2) {
                mem_free(buf);
                *err = EFBIG;
                return NULL;
            }
            buf = mem_realloc(buf, cap *= 2);
        }
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            *err = errno;
            mem_free(buf);
            return NULL;
        }
        if (k == 0)
            break;
        n += (size_t)k;
        /* a NUL is an error in any CSV: stop there, so /dev/zero or a binary
         * stream given as a feed is refused at its first record, not read
         * until memory runs out */
        if (memchr(buf + n - (size_t)k, 0, (size_t)k))
            break;
    }
    *len = n;
    return buf;
}

CsvReader *csv_open_file(const char *path, char *why, size_t whycap)
{
    /* the descriptor, then the mapping, held: running out of memory while
     * it is open gives them back (mem.h) */
    MemHold *hold = mem_hold();
    int fd = hold->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return open_failed(hold, errno, why, whycap);
    struct stat st;
    if (fstat(fd, &st) != 0)
        return open_failed(hold, errno, why, whycap);
    if (S_ISDIR(st.st_mode))
        return open_failed(hold, EISDIR, why, whycap);

    if (S_ISREG(st.st_mode) && st.st_size == 0) {
        /* mmap of length 0 fails; an empty file is simply no records. */
        mem_release(hold);
        return new_reader(no_bytes, 0, path);
    }
    if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size <= SIZE_MAX) {
        size_t size = (size_t)st.st_size;
        void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map != MAP_FAILED) {
            hold->map = map;
            hold->map_len = size;
            close(fd);  /* the mapping keeps the file */
            hold->fd = -1;
            posix_madvise(map, size, POSIX_MADV_SEQUENTIAL);
            CsvReader *r = new_reader(map, size, path);
            r->map = map;
            r->map_len = size;
            r->hold = hold;
            return r;
        }
    }
    size_t len = 0;
    int e = 0;
    size_t hint = S_ISREG(st.st_mode) && (uintmax_t)st.st_size < SIZE_MAX ? (size_t)st.st_size : 0;
    unsigned char *buf = read_all(fd, hint, &len, &e);
    if (!buf)
        return open_failed(hold, e, why, whycap);
    mem_release(hold);
    CsvReader *r = new_reader(buf, len, path);
    r->owned = buf;
    return r;
}

void csv_close(CsvReader *r)
{
    if (!r)
        return;
    /* a slice gives back the pages it read since it last did: a file read
     * in many slices would keep up to RELEASE_EVERY of each */
    if (!r->hold)
        release_read_pages(r, 1);
    mem_release(r->hold);      /* the mapping */
    mem_free(r->owned);
    mem_free(r->fields);
    mem_free(r->scratch_at);
    mem_free(r->scratch);
    mem_free(r->name);
    mem_free(r);
}

const char *csv_data(const CsvReader *r, size_t *len)
{
    *len = r->len;
    return (const char *)r->data;
}

CsvReader *csv_open_slice(const CsvReader *r, size_t from, size_t to, uint64_t first_line)
{
    /* Shares the parent's bytes (and owns none of them), so it must be
     * closed before the parent. Offsets stay in the parent's terms. */
    CsvReader *s = mem_calloc(1, sizeof *s);
    if (to > r->len)
        to = r->len;
    if (from > to)
        from = to;
    s->data = r->data;
    s->len = r->len;
    s->limit = to;
    s->safe_u = r->safe_u;
    s->safe_q = r->safe_q;
    s->pos = s->rec_off = from;
    s->line = s->rec_line = first_line;
    s->index = r->index;
    if (r->map) {
        /* it gives back the pages it has read, as its parent does */
        size_t start = (size_t)(s->data + from - (const unsigned char *)r->map);
        s->map = r->map;
        s->map_len = r->map_len;
        s->released = start - start % (size_t)sysconf(_SC_PAGESIZE);
    }
    s->name = mem_strndup(r->name, strlen(r->name));
    return s;
}

size_t csv_next_record_start(const CsvReader *r, size_t at)
{
    if (at >= r->len)
        return r->len;
    const unsigned char *nl = memchr(r->data + at, '\n', r->len - at);
    return nl ? (size_t)(nl - r->data) + 1 : r->len;
}

static CsvStatus fail(CsvReader *r, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static CsvStatus fail(CsvReader *r, uint64_t line, const char *fmt, ...)
{
    int n = snprintf(r->err, sizeof r->err, "line %" PRIu64 ": ", line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
    va_end(ap);
    r->state = FAILED;
    return CSV_ERROR;
}


/* The offending character for a message: itself if printable (or a whole
 * UTF-8 character), else an escape, so the message stays one clean line. */
static void show_char(char out[8], const unsigned char *p, const unsigned char *end)
{
    size_t n = *p >= 0x80 ? utf8_char(p, (size_t)(end - p)) : 0;   /* a multi-byte character */
    if (*p >= 0x21 && *p <= 0x7E)
        snprintf(out, 8, "%c", *p);
    else if (n > 0)
        snprintf(out, 8, "%.*s", (int)n, (const char *)p);
    else if (*p == '\r')
        snprintf(out, 8, "\\r");
    else
        snprintf(out, 8, "\\x%02X", *p);
}

static void grow_fields_to(CsvReader *r, size_t cap)
{
    size_t n = r->fields_cap ? r->fields_cap : 16;
    while (n < cap)
        n *= 2;
    r->fields_cap = n;
    r->fields = mem_realloc(r->fields, n * sizeof *r->fields);
    r->scratch_at = mem_realloc(r->scratch_at, n * sizeof *r->scratch_at);
}

static void grow_fields(CsvReader *r)
{
    grow_fields_to(r, r->fields_cap + 1);
}

static void scratch_add(CsvReader *r, const unsigned char *s, size_t n)
{
    if (r->scratch_cap - r->scratch_len < n) {
        size_t cap = r->scratch_cap ? r->scratch_cap : 256;
        while (cap - r->scratch_len < n)
            cap *= 2;  /* cannot overflow: the total is at most the data's length */
        r->scratch = mem_realloc(r->scratch, cap);
        r->scratch_cap = cap;
    }
    memcpy(r->scratch + r->scratch_len, s, n);
    r->scratch_len += n;
}

static inline bool blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* One record starting at p (not a blank line). Hot: keeps its state in
 * locals and writes it back once. */
static CsvStatus read_record(CsvReader *r, const unsigned char *p)
{
    const unsigned char *const end = r->data + r->len;
    const unsigned char *const safe_u = r->data + r->safe_u;
    const unsigned char *const safe_q = r->data + r->safe_q;
    uint64_t line = r->line;
    size_t nf = 0;
    bool unescaped = false;
    r->scratch_len = 0;

    for (;;) {
        if (nf == r->fields_cap)
            grow_fields(r);
        CsvField *f = &r->fields[nf++];
        while (p < end && blank(*p))
            p++;

        if (p < end && *p == '"') {
            const unsigned char *start = ++p, *seg = p;
            uint64_t open_line = line;
            size_t at = r->scratch_len;
            bool doubled = false;
            for (;;) {
                if (p >= safe_q) {
                    /* No quote left. Name the last line that has bytes on it. */
                    uint64_t last = line - (r->len > 0 && end[-1] == '\n' && line > open_line);
                    return fail(r, last, "unterminated quoted field (it starts at line %" PRIu64 ")",
                                open_line);
                }
                while (!stop_q[*p])
                    p++;
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        scratch_add(r, seg, (size_t)(p + 1 - seg));
                        seg = p += 2;
                        doubled = true;
                        continue;
                    }
                    break;
                }
                if (*p == '\n') {
                    line++;
                    p++;
                    continue;
                }
                return fail(r, line, "a NUL byte in field %zu", nf);
            }
            if (doubled) {
                scratch_add(r, seg, (size_t)(p - seg));
                /* scratch may move while the record is read: pointed at the end */
                f->ptr = NULL;
                r->scratch_at[nf - 1] = at;
                f->len = r->scratch_len - at;
                unescaped = true;
            } else {
                f->ptr = (const char *)start;
                f->len = (size_t)(p - start);
            }
            f->quoted = true;
            p++;
            while (p < end && blank(*p))
                p++;
            if (p == end)
                break;
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == '\n') {
                p++;
                line++;
                break;
            }
            if (*p == '\r' && (p + 1 == end || p[1] == '\n')) {
                if (++p < end) {
                    p++;
                    line++;
                }
                break;
            }
            if (*p == 0)
                return fail(r, line, "a NUL byte in field %zu", nf);
            char shown[8];
            show_char(shown, p, end);
            return fail(r, line, "unexpected `%s` after the closing quote of field %zu", shown, nf);
        }

        const unsigned char *start = p;
        for (;;) {
            if (p >= safe_u) {
                p = end;  /* nothing left that could stop the field */
                break;
            }
            while (!stop_u[*p])
                p++;
            if (*p == ',' || *p == '\n')
                break;
            if (*p == '\r') {
                if (p + 1 == end || p[1] == '\n')
                    break;
                p++;  /* a CR inside a line is data */
                continue;
            }
            if (*p == '"')
                return fail(r, line, "a quote inside an unquoted field (field %zu)", nf);
            return fail(r, line, "a NUL byte in field %zu", nf);
        }
        const unsigned char *e = p;
        while (e > start && blank(e[-1]))
            e--;
        f->ptr = (const char *)start;
        f->len = (size_t)(e - start);
        f->quoted = false;
        if (p == end)
            break;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '\r')
            p++;
        if (p < end) {
            p++;  /* the LF */
            line++;
        }
        break;
    }

    if (unescaped)
        for (size_t i = 0; i < nf; i++)
            if (!r->fields[i].ptr)
                r->fields[i].ptr = r->scratch + r->scratch_at[i];
    r->nfields = nf;
    r->pos = (size_t)(p - r->data);
    r->line = line;
    return CSV_RECORD;
}

/* The fast reader's index of the data, 64 bytes (a block) at a time, one
 * bit a byte (bit i for byte i):
 * - the separators outside quotes (`,` and LF): where the quotes are is
 *   known from their count (a prefix XOR of the quote bits), so a field,
 *   quoted or not, costs one count of trailing zeros and one clear of the
 *   lowest bit, whatever commas its quotes hold;
 * - the bytes a plain record may not hold: a NUL, a LF inside quotes, a
 *   quote not just after a separator (opening) or not just before one or a
 *   CRLF (closing) -- a doubled quote, a quote in an unquoted field, a byte
 *   between a closing quote and its separator -- and a space or tab next to
 *   a separator or CRLF outside quotes (to trim). A record is checked
 *   against them once, at its end. A CR anywhere else is a byte of its
 *   field, for both readers.
 * Indexing starts at a record's start (outside quotes) and goes on from
 * block to block while the records read pass their checks, so the quote
 * count is the true one wherever a record passes; after any other record
 * it starts again at the next.
 * The masks of the block a record ends in serve the next record. The bytes
 * are classified with AVX2 where the CPU has it (checked when a reader
 * opens), else with SSE2 (x86-64 always has it), else a byte at a time.
 * Only whole blocks are loaded: the data's short last block is classified
 * a byte at a time, so nothing past the data is read. */
enum { BLOCK = 64 };

/* One block's bytes of each kind: quotes; separators (`,` LF); NUL and
 * LF (which a plain record holds only as its line end); CR (likewise, just
 * before the LF); spaces and tabs. */
typedef struct BlockBytes {
    uint64_t quote, sep, nullf, cr, blank;
} BlockBytes;

enum { K_QUOTE = 1, K_SEP = 2, K_NULLF = 4, K_CR = 8, K_BLANK = 16 };
static const unsigned char byte_kind[256] = {
    ['"'] = K_QUOTE, [','] = K_SEP, ['\n'] = K_SEP | K_NULLF, [0] = K_NULLF, ['\r'] = K_CR,
    [' '] = K_BLANK, ['\t'] = K_BLANK,
};

/* The first n (at most BLOCK) bytes at p, a byte at a time. */
static void classify_bytewise(const unsigned char *p, size_t n, BlockBytes *b)
{
    memset(b, 0, sizeof *b);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = byte_kind[p[i]], bit = UINT64_C(1) << i;
        b->quote |= k & K_QUOTE ? bit : 0;
        b->sep |= k & K_SEP ? bit : 0;
        b->nullf |= k & K_NULLF ? bit : 0;
        b->cr |= k & K_CR ? bit : 0;
        b->blank |= k & K_BLANK ? bit : 0;
    }
}

/* Bit i of the result: the XOR of bits 0..i (1 inside quotes, counting the
 * opening quote and not the closing one). */
static inline uint64_t prefix_xor(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

#if defined(__SSE2__) && (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>
#define CSV_X86 1

static inline uint64_t sse2_bits(__m128i v, int at)
{
    return (uint64_t)(unsigned)_mm_movemask_epi8(v) << at;
}

static inline void classify_sse2(const unsigned char *p, BlockBytes *b)
{
    const __m128i quote = _mm_set1_epi8('"'), comma = _mm_set1_epi8(','), lf = _mm_set1_epi8('\n'),
                  cr = _mm_set1_epi8('\r'), zero = _mm_setzero_si128(), space = _mm_set1_epi8(' '),
                  tab = _mm_set1_epi8('\t');
    BlockBytes m = { 0, 0, 0, 0, 0 };
    for (int at = 0; at < BLOCK; at += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + at));
        __m128i l = _mm_cmpeq_epi8(v, lf);
        m.quote |= sse2_bits(_mm_cmpeq_epi8(v, quote), at);
        m.sep |= sse2_bits(_mm_or_si128(_mm_cmpeq_epi8(v, comma), l), at);
        m.nullf |= sse2_bits(_mm_or_si128(_mm_cmpeq_epi8(v, zero), l), at);
        m.cr |= sse2_bits(_mm_cmpeq_epi8(v, cr), at);
        m.blank |= sse2_bits(_mm_or_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(v, tab)), at);
    }
    *b = m;
}

#define CSV_AVX2 __attribute__((target("avx2,pclmul")))

/* A byte is of a kind whose bytes all have different low nibbles iff it
 * equals the entry of a 16-byte table its low nibble picks (vpshufb); the
 * entries for other nibbles hold a byte of another low nibble (n ^ 1),
 * which nothing picking them can equal, and vpshufb gives 0 for bytes of
 * 0x80 and up, which are not 0. */
#define CSV_NIBBLE_TABLE(at0, at9, atA, atC, atD) \
    _mm256_setr_epi8(at0, 0, 3, 2, 5, 4, 7, 6, 9, at9, atA, 10, atC, atD, 15, 14, \
                     at0, 0, 3, 2, 5, 4, 7, 6, 9, at9, atA, 10, atC, atD, 15, 14)

CSV_AVX2 static inline uint64_t avx2_bits(__m256i v, __m256i table)
{
    return (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_shuffle_epi8(table, v)));
}

CSV_AVX2 static inline void classify_avx2(const unsigned char *p, BlockBytes *b)
{
    const __m256i quote = _mm256_set1_epi8('"'), cr = _mm256_set1_epi8('\r'),
                  sep = CSV_NIBBLE_TABLE(1, 8, '\n', ',', 12),
                  nullf = CSV_NIBBLE_TABLE(0, 8, '\n', 13, 12),
                  blank = CSV_NIBBLE_TABLE(' ', '\t', 11, 13, 12);
    __m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
    b->quote = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, quote))
               | (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, quote)) << 32;
    b->sep = avx2_bits(lo, sep) | avx2_bits(hi, sep) << 32;
    b->nullf = avx2_bits(lo, nullf) | avx2_bits(hi, nullf) << 32;
    b->cr = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, cr))
            | (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, cr)) << 32;
    b->blank = avx2_bits(lo, blank) | avx2_bits(hi, blank) << 32;
}

/* prefix_xor in one carry-less multiply by all ones */
CSV_AVX2 static inline uint64_t prefix_xor_clmul(uint64_t x)
{
    __m128i r = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)x), _mm_set1_epi8(-1), 0);
    return (uint64_t)_mm_cvtsi128_si64(r);
}
#endif

typedef void ClassifyBlock(const unsigned char *p, BlockBytes *b);
typedef uint64_t PrefixXor(uint64_t x);

/* Indexes the block at base (inside the data) into r->ix, going on from
 * the state it holds for the block before it. Called through r->index:
 * once a block, out of the record loop. */
static inline __attribute__((always_inline)) void index_block(CsvReader *r, const unsigned char *base,
                                                              ClassifyBlock *classify, PrefixXor *pxor)
{
    BlockIndex *ix = &r->ix;
    BlockBytes b;
    size_t n = r->len - (size_t)(base - r->data);
    if (n >= BLOCK)
        classify(base, &b);
    else
        classify_bytewise(base, n, &b);
    const uint64_t top = UINT64_C(1) << 63;
    uint64_t inq = pxor(b.quote) ^ ix->in_quotes;
    uint64_t seps = b.sep & ~inq;
    uint64_t ends = seps, crlf = 0, bad = 0;    /* ends: what ends a field */
    if (b.cr | ix->need_lf) {
        /* a CR outside quotes just before a LF is part of the line end (the
         * last byte's, if the next block starts with a LF: need_lf) */
        uint64_t lf = b.sep & b.nullf;
        crlf = b.cr & ~inq & (lf >> 1 | top);
        ends |= crlf;
        bad = ix->need_lf & ~lf & 1;
    }
    uint64_t before = seps << 1 | ix->sep_last, after = ends >> 1;
    uint64_t open = b.quote & inq, close = b.quote & ~inq, blank = b.blank & ~inq;
    ix->bad = bad | (b.nullf & ~seps) | (open & ~before) | (close & ~after & ~top) | (blank & (before | after))
              | (ix->need_sep & ~ends & 1) | (ix->need_other & ends & 1);
    ix->base = base;
    ix->seps = seps;
    ix->in_quotes = (uint64_t)0 - (inq >> 63);
    ix->sep_last = seps >> 63;
    ix->need_sep = close >> 63;
    ix->need_other = blank >> 63;
    ix->need_lf = crlf >> 63;
}

/* The fast reader, for the records nearly every feed is made of: fields
 * either unquoted or in quotes with no quote, LF or NUL inside, each
 * followed at once by `,`, LF or CRLF; no space or tab at an unquoted
 * field's edge (which would be trimmed); a line end after the last. It
 * returns false, having changed nothing but the field array (and its
 * index, which the next record then makes again), at anything else (a
 * record the data ends in without a line end among them); the general
 * reader then reads that record from its start, so fields, errors (their
 * lines and field numbers) and positions are the same whichever reads it. */
static inline __attribute__((always_inline)) bool plain_record(CsvReader *r, const unsigned char *p)
{
    if (p != r->ix_next) {
        /* not where the last fast record ended: index from here, a record's
         * start, outside quotes as if after a separator */
        r->ix.in_quotes = r->ix.need_sep = r->ix.need_other = r->ix.need_lf = 0;
        r->ix.sep_last = 1;
        r->index(r, p);
    }
    /* a block holds at most BLOCK separators: room for them is made once a
     * block, not once a field */
    if (r->fields_cap <= BLOCK)
        grow_fields_to(r, BLOCK + 1);
    const unsigned char *base = r->ix.base;
    uint64_t seps = r->ix.seps;
    CsvField *f = r->fields;    /* in locals: stores to a field cannot change them */
    const unsigned char *s;
    unsigned k;
    do {
        while (!seps) {
            /* what is left of the block is this record's */
            if (r->ix.bad || r->len - (size_t)(base - r->data) <= BLOCK)
                return false;   /* a byte it may not hold, or no line end before the data's */
            r->index(r, base + BLOCK);
            base = r->ix.base;
            seps = r->ix.seps;
            size_t nf = (size_t)(f - r->fields);
            if (r->fields_cap - nf <= BLOCK) {
                grow_fields_to(r, nf + BLOCK + 1);
                f = r->fields + nf;
            }
        }
        k = (unsigned)__builtin_ctzll(seps);
        s = base + k;
        seps &= seps - 1;
        /* a field that starts with a quote ends with one (else a bit of bad
         * is set in it) */
        size_t quoted = *p == '"';
        f->ptr = (const char *)p + quoted;
        f->len = (size_t)(s - p) - 2 * quoted;
        f->quoted = quoted;
        f++;
        p = s + 1;
    } while (*s == ',');
    uint64_t upto = (UINT64_C(2) << k) - 1;    /* the bits up to the LF */
    if (r->ix.bad & upto)
        return false;
    if (s[-1] == '\r')     /* a CR before it (the record has a byte before its LF: it is not blank) */
        f[-1].len--;
    r->ix.bad &= ~upto;
    r->ix.seps = seps;
    r->ix_next = p;
    r->nfields = (size_t)(f - r->fields);
    r->pos = (size_t)(p - r->data);
    r->line++;
    return true;
}

#ifdef CSV_X86
static void index_block_sse2(CsvReader *r, const unsigned char *base)
{
    index_block(r, base, classify_sse2, prefix_xor);
}

CSV_AVX2 static void index_block_avx2(CsvReader *r, const unsigned char *base)
{
    index_block(r, base, classify_avx2, prefix_xor_clmul);
}
#else
static void classify_portable(const unsigned char *p, BlockBytes *b)
{
    classify_bytewise(p, BLOCK, b);
}

static void index_block_portable(CsvReader *r, const unsigned char *base)
{
    index_block(r, base, classify_portable, prefix_xor);
}
#endif

/* The fast reader's indexer for this CPU; NULL under PLEDGE_CSV_GENERAL
 * (every record by the general reader), and the SSE2 one under
 * PLEDGE_CSV_NO_AVX2 (tests that both read alike). */
static IndexBlock *choose_indexer(void)
{
    const char *general = getenv("PLEDGE_CSV_GENERAL");
    if (general && *general && strcmp(general, "0") != 0)
        return NULL;
#ifdef CSV_X86
    const char *no_avx2 = getenv("PLEDGE_CSV_NO_AVX2");
    if ((!no_avx2 || !*no_avx2 || strcmp(no_avx2, "0") == 0) && __builtin_cpu_supports("avx2")
        && __builtin_cpu_supports("pclmul"))
        return index_block_avx2;
    return index_block_sse2;
#else
    return index_block_portable;
#endif
}

/* Pages of a mapped file stay resident once read, so a 350 MB feed would
 * hold 350 MB. The previous record's fields die with this call, so every
 * page before the next record can go back (the kernel reads one again if a
 * slice of the same file still needs it). A madvise call every 512 KiB
 * (800 calls for a 400 MB file) costs nothing measurable and keeps a
 * reader's share of memory near 512 KiB, so peak memory follows the cells
 * a feed keeps, not its file. */
enum { RELEASE_EVERY = 512 << 10 };

static void release_read_pages(CsvReader *r, size_t every)
{
    size_t upto = (size_t)(r->data + r->pos - (const unsigned char *)r->map);
    if (!r->map || upto - r->released < every) return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    upto -= upto % page;
    if (upto > r->released && madvise((char *)r->map + r->released, upto - r->released, MADV_DONTNEED) == 0)
        r->released = upto;
}

/* csv_next past its fast path: the end, blank lines, the general reader. */
static __attribute__((noinline)) CsvStatus next_record(CsvReader *r, const CsvField **fields, size_t *nfields)
{
    if (r->state == FAILED)
        return CSV_ERROR;
    if (r->state == ENDED)
        return CSV_END;

    const unsigned char *const end = r->data + r->len;
    const unsigned char *p = r->data + r->pos;
    for (;;) {
        if ((size_t)(p - r->data) >= r->limit) {
            r->pos = r->rec_off = (size_t)(p - r->data);
            r->rec_line = r->line;
            r->ended_at_limit = r->pos == r->limit;
            r->state = ENDED;
            return CSV_END;
        }
        /* Skip a line that is empty or only spaces and tabs; most lines
         * start with none of those bytes (p is before limit, so in the data) */
        if (!line_start[*p])
            break;
        const unsigned char *q = p;
        while (q < end && blank(*q))
            q++;
        if (q == end) {
            p = end;
        } else if (*q == '\n') {
            p = q + 1;
            r->line++;
        } else if (*q == '\r' && (q + 1 == end || q[1] == '\n')) {
            p = q + 1;
            if (p < end) {
                p++;
                r->line++;
            }
        } else {
            break;
        }
    }
    r->rec_off = (size_t)(p - r->data);
    r->rec_line = r->line;
    CsvStatus st = r->index && plain_record(r, p) ? CSV_RECORD : read_record(r, p);
    *fields = r->fields;  /* read_record may have moved them */
    if (st == CSV_RECORD)
        *nfields = r->nfields;
    return st;
}

CsvStatus csv_next(CsvReader *r, const CsvField **fields, size_t *nfields)
{
    *fields = r->fields;
    *nfields = 0;
    release_read_pages(r, RELEASE_EVERY);
    /* the fast path: a record the fast reader reads, where the last one it
     * read ended (so not a blank line, and reading goes on) */
    const unsigned char *p = r->data + r->pos;
    if (p == r->ix_next && r->pos < r->limit && r->state == READING && !line_start[*p]) {
        size_t off = r->pos;
        uint64_t line = r->line;
        if (plain_record(r, p)) {
            r->rec_off = off;
            r->rec_line = line;
            *fields = r->fields;
            *nfields = r->nfields;
            return CSV_RECORD;
        }
    }
    return next_record(r, fields, nfields);
}

size_t csv_position(const CsvReader *r, uint64_t *line)
{
    *line = r->line;
    return r->pos;
}

uint64_t csv_line(const CsvReader *r)
{
    return r->rec_line;
}

size_t csv_offset(const CsvReader *r)
{
    return r->rec_off;
}

const char *csv_error(const CsvReader *r)
{
    return r->err;
}

const char *csv_name(const CsvReader *r)
{
    return r->name;
}

bool csv_ended_outside_quotes(const CsvReader *r)
{
    return r->state == ENDED && r->ended_at_limit;
}
