/* jtree.h: JSON trees built with Jansson while a call may run out of memory.
 *
 * Jansson allocates with the C library's malloc, outside the state's
 * ledger (base/mem.h), so a jump out of memory while a tree is built or
 * written would leave it behind. A tree is therefore held from its root
 * (jtree_new), and each container is put in its parent before it is
 * filled (jtree_child): whatever allocates from the ledger on the way, the
 * hold's root reaches every node. mem_release(hold) frees the tree. */
#ifndef PLEDGE_JTREE_H
#define PLEDGE_JTREE_H
#include "base/mem.h"
#include <jansson.h>

/* An empty object as the root of a tree held by *hold (a new hold). */
json_t *jtree_new(MemHold **hold);
/* c put in parent (under key, or appended to an array when key is NULL);
 * returns c, to be filled. */
json_t *jtree_child(json_t *parent, const char *key, json_t *c);
/* A string, or null for NULL. */
json_t *jtree_str(const char *s);
/* A hold's release function for a tree read or built elsewhere. */
void jtree_release(void *json);

#endif
