/* csv.h: reading CSV files as RFC 4180 describes them, and as the NHS
 * publishes them: quoted fields with commas, quotes and newlines inside,
 * CRLF or LF line ends, a UTF-8 byte-order mark, spaces around fields
 * (outside quotes), no newline after the last record.
 *
 * The reader works on bytes in memory (a whole file mapped or read), so a
 * field is a pointer and a length into them; a quoted field with doubled
 * quotes is unescaped into the reader's scratch buffer. A slice of the bytes
 * can be read on its own, which is how two cores load one file.
 *
 * Where RFC 4180 leaves a choice:
 * - A record ends at LF, at CRLF, or at a CR that is the last byte of the
 *   data. A CR anywhere else outside quotes is an ordinary byte of its field
 *   (files with CR-only line ends are read as one long line).
 * - A line that is empty or holds only spaces and tabs is skipped (trimmed,
 *   it would be one empty field, which no feed means). `""` alone on a line
 *   is a record of one quoted empty field.
 * - Spaces and tabs around a field, outside quotes, are not part of it;
 *   inside quotes everything is kept. A trailing comma makes a last, empty
 *   field. Bytes are passed through as they are (no UTF-8 check).
 * - Lines are counted by LF, including LFs inside quoted fields. */
#ifndef PLEDGE_CSV_H
#define PLEDGE_CSV_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef struct CsvField {
    const char *ptr;        /* not NUL-terminated */
    size_t      len;
    bool        quoted;     /* it was written in quotes ("" is empty text, not missing) */
} CsvField;

typedef struct CsvReader CsvReader;

/* Maps or reads the file whole. NULL with a reason in why on failure. */
CsvReader *csv_open_file(const char *path, char *why, size_t whycap);
/* Reads bytes the caller keeps alive; name is used in messages. */
CsvReader *csv_open_memory(const char *data, size_t len, const char *name);
void       csv_close(CsvReader *r);

/* The whole file's bytes (after a BOM), to split it for parallel reading. */
const char *csv_data(const CsvReader *r, size_t *len);

/* A reader over a part of r's data, for reading one file on several cores.
 * from must be the beginning of a record; line numbers start at first_line
 * (the caller counts the LFs before from) and offsets stay in r's terms.
 * The rule: the slice reads every record that STARTS in [from, to), and
 * reads the last of them whole even if it runs past to (up to the end of
 * r's data); it starts nothing at or after to. Blank lines are skipped the
 * same way. So slices split at csv_next_record_start offsets read, together,
 * exactly the records of a whole read. The slice shares r's bytes: close it
 * before r. from and to are clamped to r's length. */
CsvReader *csv_open_slice(const CsvReader *r, size_t from, size_t to, uint64_t first_line);

/* Where the record after `at` begins, assuming `at` is outside quotes: the
 * byte after the first LF at or after `at`; len if none. For splitting. */
size_t csv_next_record_start(const CsvReader *r, size_t at);

typedef enum CsvStatus { CSV_RECORD, CSV_END, CSV_ERROR } CsvStatus;

/* The next record: its fields stay valid until the next call (or csv_close).
 * An empty line is skipped. Ragged rows are the caller's business. On
 * CSV_ERROR, csv_error says what and where (N is the line of the offending
 * byte, or the last line for an unterminated field; K counts from 1):
 *   "line N: unterminated quoted field (it starts at line M)"
 *   "line N: unexpected `x` after the closing quote of field K"
 *   "line N: a quote inside an unquoted field (field K)"
 *   "line N: a NUL byte in field K"
 * (x is the character, a whole UTF-8 one if well formed, else `\r` or `\xNN`).
 * CSV_END and CSV_ERROR stick: later calls return them again. */
CsvStatus csv_next(CsvReader *r, const CsvField **fields, size_t *nfields);

/* The line the current record starts on (1-based), and its byte offset in
 * csv_data's terms; after CSV_END, where reading stopped. csv_error is ""
 * until an error. */
uint64_t    csv_line(const CsvReader *r);
/* Where the next record (or blank line) starts, and its line: what is left
 * to read, to hand to slices. */
size_t      csv_position(const CsvReader *r, uint64_t *line);
size_t      csv_offset(const CsvReader *r);
const char *csv_error(const CsvReader *r);
const char *csv_name(const CsvReader *r);

/* Whether the slice ended outside quotes, as it must if the split was right:
 * true once csv_next has returned CSV_END and the slice's last record (or
 * skipped blank line) ended exactly at its `to`, i.e. `to` is a record
 * boundary as this slice read the data. If the slice began at a true record
 * start, that proves the split at `to` was right (a `to` inside a quoted
 * field makes the record that holds it end past `to`). So check the slices
 * in order, from the one at offset 0; if any says false or fails, read the
 * file serially instead (which reports any real error). For a reader over
 * the whole data: true once it has returned CSV_END. */
bool csv_ended_outside_quotes(const CsvReader *r);

#endif
