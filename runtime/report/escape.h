/* escape.h: text written into another language, one escaper per language,
 * in one place. Every writer of HTML, XML, JSON, CSV or terminal text (but
 * the text report, which measures columns as it goes: report_text.c's
 * next_char applies the same rule) goes through these
 * for any text that came from input (a rule file, a feed, an option).
 *
 * Each writes s[0..n) to out so that the result is valid in its language and
 * reads as the same text: nothing in s can open markup, end a string or
 * cell, or become a formula. Bytes that are not well-formed UTF-8 are
 * written as U+FFFD in the four markup languages (in JSON as the escape
 * \ufffd), so every output is valid UTF-8. */
#ifndef PLEDGE_REPORT_ESCAPE_H
#define PLEDGE_REPORT_ESCAPE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* HTML text or a quoted attribute value: & < > " ' as references; tab,
 * line feed and carriage return as references too (the same characters to a
 * browser, and no control byte in the page); the other C0 characters and DEL
 * as U+FFFD (HTML forbids them). */
void esc_html(FILE *out, const char *s, size_t n);

/* XML 1.0 text or a quoted attribute value: & < > " ' as references; tab,
 * line feed and carriage return as character references (an attribute keeps
 * them instead of normalising them to spaces); the other C0 characters, which
 * XML 1.0 cannot hold at all, as U+FFFD; DEL as a reference. */
void esc_xml(FILE *out, const char *s, size_t n);

/* A JSON string with its quotes: " and \ escaped, every C0 character and
 * DEL as \u00XX. */
void esc_json(FILE *out, const char *s, size_t n);

/* A CSV text cell (RFC 4180): quoted when it holds a comma, a quote, or any
 * control character, its quotes doubled. A cell that a spreadsheet would run
 * as a formula (it starts with = + - @, tab or carriage return) is written
 * with a single quote first, so it reads as text (docs/decisions.md, "CSV
 * cells that look like formulas"). Numbers are not text cells: write them
 * with esc_csv_number. */
void esc_csv(FILE *out, const char *s, size_t n);

/* Text for a terminal (the text of `data` and `explain`, error messages):
 * C0 control characters but tab and line feed, DEL, the C1 controls
 * U+0080..U+009F and each byte that is not UTF-8 as `?`, so nothing from
 * input can move the cursor, clear the screen or retitle the window. */
void esc_text(FILE *out, const char *s, size_t n);
/* The same in place (each replaced byte or character becomes one `?` byte per
 * byte, so the length stays). */
void esc_text_inplace(char *s);

/* Markdown text (pledge doc): ASCII punctuation that could open markup
 * inline (\ ` * _ [ ] < > | ~ & !) backslash-escaped, and at the start
 * also # + - = >; tab, LF and CR as spaces (a name stays on its line);
 * other C0 characters and DEL as U+FFFD. */
void esc_markdown(FILE *out, const char *s, size_t n);
/* The same text as a Markdown code span, backticks and all: fenced by one
 * backtick more than the longest run it holds, nothing escaped inside. */
void esc_markdown_code(FILE *out, const char *s, size_t n);

/* A number as a CSV cell, as it is (a negative number stays a number). */
void esc_csv_number(FILE *out, const char *s, size_t n);

#endif
