/* plb.h: the .plb file: a compiled round, written and read whole.
 *
 * The format is documented in docs/bytecode.md. Writing is deterministic:
 * the same BcProgram gives the same bytes. Reading checks every length and
 * offset of the file (plb_read) and then every reference inside the program
 * (bc_verify) before anything may run it. */
#ifndef PLEDGE_PLB_H
#define PLEDGE_PLB_H
#include "vm/bytecode.h"
#include <stdio.h>

enum { PLB_FORMAT_VERSION = 5 };     /* 2: doc comments of commitments and checks; 3: feeds' key
                                      * columns and row rules, `missing =`; 4: a vintage feed's `lag`;
                                      * 5: a commitment's `deadline`, a feed's `hierarchy`,
                                      *    the round's named horizons, a threshold's plan window,
                                      *    an aggregate's publication, national commitments */
#define PLB_MAGIC "PLEDGEBC"                /* the first 8 bytes of every .plb */

/* Whether path holds a compiled round: it starts with the magic, or it
 * cannot be read and its name ends in .plb. */
bool plb_is_bytecode_file(const char *path);

/* The file's bytes, allocated with mem_alloc (the caller frees them). */
void plb_write(const BcProgram *p, uint8_t **out, size_t *len);

/* Writes to path whole or not at all (a temporary file, then rename). */
bool plb_write_file(const BcProgram *p, const char *path, char *why, size_t whycap);

/* Reads and verifies. On failure *out is left empty (nothing to free) and
 * why names the problem and, where it helps, the byte offset or the
 * function and instruction. */
bool plb_read(const uint8_t *data, size_t len, BcProgram *out, char *why, size_t whycap);
bool plb_read_file(const char *path, BcProgram *out, char *why, size_t whycap);

/* Checks every index, register, jump, operand kind and constant of p
 * (runtime/verify.c). The compiler's output passes by construction; a file
 * from elsewhere must pass before it runs. */
bool bc_verify(const BcProgram *p, char *why, size_t whycap);

/* A readable listing: round, sources, schemas, constants, and each
 * function's instructions with their source lines (runtime/disasm.c). */
void bc_disasm(const BcProgram *p, FILE *out);

#endif
