/* layout.h: the fields of a .plb program's tables, described once.
 *
 * Each table of a BcProgram (bytecode.h) has a BcLayout: its fields in the
 * order the file holds them, each with how it is written (kind), what the
 * verifier checks it refers to (ref), and the words that messages and the
 * listing use for it. plb.c writes and reads every section from these
 * tables, verify.c checks every reference from them, disasm.c prints
 * fields by them and api/diff.c compares two programs by them, so adding a
 * field to a table is one line in layout.c (besides the member in
 * bytecode.h and its row in docs/bytecode.md). */
#ifndef PLEDGE_LAYOUT_H
#define PLEDGE_LAYOUT_H
#include "vm/bytecode.h"
#include <stddef.h>

/* How a field is written. Integers are little-endian. */
typedef enum BcFieldKind {
    BF_U8, BF_U16, BF_U32, BF_I32,
    BF_DAY,         /* i32: a day number */
    BF_STR,         /* u32: an index into the string pool, or 0xFFFFFFFF for none (NULL) */
    BF_TEXT,        /* as BF_STR, with the string's length in the uint32_t member `aux` */
    BF_SHA256,      /* 32 bytes as they are */
    BF_VALUE,       /* a constant: a kind byte, a unit byte, then by kind (plb.c) */
    BF_STRUCT,      /* inline: the fields of `elem` */
    BF_ARRAY,       /* a count as wide as the member `aux`, then that many `elem`s */
    BF_EACH,        /* as many `elem`s as the earlier member `aux` says (no count here) */
    BF_LINES        /* a u32 count that is 0 or the earlier member `aux`, then that many `elem`s */
} BcFieldKind;

/* What the verifier checks a field holds. A field marked BFF_OPTIONAL may
 * also be -1, for none. */
typedef enum BcRef {
    BR_NONE,
    BR_NEEDED,      /* a string that must be there (the layout's `needs` says which) */
    BR_EXPR,        /* a function of kind expr, without parameters */
    BR_METRIC,      /* a function of kind metric, without parameters */
    BR_FILTER,      /* a where-filter taking as many parameters as the member `with` counts */
    BR_CONST_WINDOW,/* a constant that is a window: a range, or one period */
    BR_CONST_NUMBER,/* a constant that is a number */
    BR_FEED,        /* a feed */
    BR_COLUMN,      /* a column of the feed in the member `with` (for an array, each element is) */
    BR_OWN_COLUMN,  /* a column of the feed that holds it: below the count in the member `with` */
    BR_HIER,        /* a hierarchy */
    BR_GRAIN,       /* a period grain */
    BR_TYPE,        /* a TypeKind */
    BR_PLAIN_TYPE,  /* number, count, bool or text: what an extern can pass (for an array, each element) */
    BR_FORMAT,      /* a column format (COL_*) that the column's type (the member `with`) takes */
    BR_CLASS,       /* a commitment class: 1 or 2 */
    BR_CMP,         /* a comparison (Cmp) */
    BR_AGG_FUNC,    /* an AggFunc */
    BR_PUB          /* a PubKind */
} BcRef;

enum {
    BFF_OPTIONAL = 1,   /* -1: none */
    BFF_LIST     = 2,   /* disasm lists it on a line of its own when set, as text */
    BFF_QUOTED   = 4    /* ... in quotes (with BFF_LIST) */
};

typedef struct BcLayout BcLayout;

typedef struct BcField {
    const char *label;      /* in messages and the listing: "measure", "column" */
    const char *plural;     /* arrays, in the reader's messages: "columns" */
    uint8_t     kind;       /* BcFieldKind */
    uint8_t     ref;        /* BcRef */
    uint8_t     flags;      /* BFF_* */
    uint8_t     size;       /* of the member */
    uint16_t    off;        /* of the member */
    uint16_t    aux_off;    /* of the member `aux` (see the kinds) */
    uint8_t     aux_size;
    uint8_t     with_size;
    uint16_t    with_off;   /* of the member `with` (see the refs) */
    const BcLayout *elem;   /* BF_STRUCT, BF_ARRAY, BF_EACH, BF_LINES */
} BcField;

/* The most fields one layout has (checked where each is defined): the reader
 * keeps where each field began, for its messages. */
enum { BC_MAX_FIELDS = 32 };

struct BcLayout {
    const char    *noun;    /* "feed", "commitment"; an array's elements take the array's label */
    const char    *needs;   /* what is said after "NOUN INDEX" when a BR_NEEDED field is missing */
    size_t         size;    /* of the struct */
    const BcField *fields;
    uint8_t        nfields;
    int8_t         name;    /* the field that names an entry in messages ("feed `ae`"), or -1 */
};

/* The sections after the string pool, in the file's order. */
typedef enum BcSectionId {
    SEC_CONSTS, SEC_FNS, SEC_AGGS, SEC_FEEDS, SEC_HIERS, SEC_ROUND, SEC_COMMITS, SEC_CHECKS,
    SEC_RATINGS, SEC_EXTERNS, SEC_SOURCES, SEC_RULES, SEC__COUNT
} BcSectionId;

typedef struct BcSection {
    char        tag[5];     /* "FEED" */
    const char *plural;     /* "feeds": in messages */
    uint16_t    off;        /* of the table's pointer in BcProgram, or of the struct (one entry) */
    uint16_t    count_off;  /* of its count */
    uint8_t     count_size; /* 2 or 4; 0: one entry, no count (the round) */
    const BcLayout *layout;
} BcSection;

extern const BcSection bc_sections[SEC__COUNT];
extern const BcLayout bc_layout_function, bc_layout_commitment, bc_layout_check, bc_layout_hierarchy;

/* Bytes the smallest entry of a layout takes in the file. */
size_t bc_layout_min(const BcLayout *l);

/* A member of the struct at obj: an unsigned or signed integer (by the
 * field's size; BF_I32 and BF_DAY fields and BFF_OPTIONAL ones are signed),
 * a string, or an array's pointer. */
static inline void *bc_member(const void *obj, size_t off) { return (char *)obj + off; }
int64_t bc_get_int(const void *obj, size_t off, size_t size, bool is_signed);
void bc_set_int(void *obj, size_t off, size_t size, int64_t v);
int64_t bc_field_int(const BcField *f, const void *obj);
static inline const char *bc_field_str(const BcField *f, const void *obj)
{
    return *(const char *const *)bc_member(obj, f->off);
}

#endif
