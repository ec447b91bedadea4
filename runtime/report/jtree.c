/* jtree.c: JSON trees held in the state's ledger (jtree.h). */
#include "config.h"
#include "report/jtree.h"

void jtree_release(void *json) { json_decref(json); }

json_t *jtree_new(MemHold **hold)
{
    MemHold *h = *hold = mem_hold();    /* taken before the tree exists */
    h->release = jtree_release;
    return h->p = json_object();
}

json_t *jtree_child(json_t *parent, const char *key, json_t *c)
{
    if (key) json_object_set_new(parent, key, c);
    else json_array_append_new(parent, c);
    return c;
}

json_t *jtree_str(const char *s) { return s ? json_string(s) : json_null(); }
