/* compile.h: from a checked program to bytecode (one function per let, fn,
 * metric and expression of a commitment, check or rating). */
#ifndef PLEDGE_COMPILE_H
#define PLEDGE_COMPILE_H
#include "front.h"
#include "bytecode.h"

/* Compiles p (checked without errors) into *bc, which must be zeroed.
 * Returns false, with a diagnostic in p->diags, only when the program
 * exceeds a limit of the bytecode format (65,535 constants, functions or
 * registers). The same program always compiles to the same BcProgram. */
bool comp_program(Program *p, BcProgram *bc);

#endif
