/* ast.c: building the syntax tree in an arena. */
#include "lang/ast.h"
#include <string.h>

void list_push(Arena *a, List *l, void *item)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        void **items = arena_alloc(a, cap * sizeof *items);
        if (l->len) memcpy(items, l->items, l->len * sizeof *items);
        l->items = items;      /* the old array stays in the arena until it goes */
        l->cap = cap;
    }
    l->items[l->len++] = item;
}

Node *ast_node(Arena *a, NodeKind kind, Span span)
{
    Node *n = arena_alloc(a, sizeof *n);
    n->kind = kind;
    n->span = span;
    n->op_span = span;
    n->depth = 1;
    return n;
}

static int deeper(const Node *x, const Node *y)
{
    int dx = x ? x->depth : 0, dy = y ? y->depth : 0;
    return 1 + (dx > dy ? dx : dy);
}

Node *ast_binary(Arena *a, Op op, Node *lhs, Node *rhs, Span op_span)
{
    Node *n = ast_node(a, N_BINARY, span_join(lhs->span, rhs->span));
    n->op = op;
    n->lhs = lhs;
    n->rhs = rhs;
    n->op_span = op_span;
    n->depth = deeper(lhs, rhs);
    return n;
}

Node *ast_unary(Arena *a, Op op, Node *operand, Span op_span, Span span)
{
    Node *n = ast_node(a, N_UNARY, span);
    n->op = op;
    n->lhs = operand;
    n->op_span = op_span;
    n->depth = deeper(operand, NULL);
    return n;
}

Decl *ast_decl(Arena *a, DeclKind kind, Span span)
{
    Decl *d = arena_alloc(a, sizeof *d);
    d->kind = kind;
    d->span = span;
    d->index = -1;
    d->folded = -2;
    return d;
}

Node *ast_aggregate_parts(Node *arg, Node **cond, Node **window, Node **pub)
{
    Node *publication = NULL;
    *cond = *window = NULL;
    if (pub) *pub = NULL;
    for (;;) {
        if (arg->kind == N_PUB && !publication) {
            publication = arg;
            if (pub) *pub = arg;
            arg = arg->lhs;
            continue;
        }
        if (arg->kind == N_IN && !*window) { *window = arg->rhs; arg = arg->lhs; continue; }
        if (arg->kind == N_WHERE && !*cond) { *cond = arg->rhs; arg = arg->lhs; continue; }
        return arg;
    }
}

Attr *decl_attr(Decl *d, const char *name)
{
    for (size_t i = 0; i < d->attrs.len; i++) {
        Attr *at = d->attrs.items[i];
        if (strcmp(at->name, name) == 0) {
            at->used = true;
            return at;
        }
    }
    return NULL;
}

const char *op_text(Op op)
{
    static const char *const text[] = {
        [EOP_ADD] = "+", [EOP_SUB] = "-", [EOP_MUL] = "*", [EOP_DIV] = "/",
        [EOP_EQ] = "==", [EOP_NE] = "!=", [EOP_LT] = "<", [EOP_LE] = "<=",
        [EOP_GT] = ">", [EOP_GE] = ">=", [EOP_AND] = "and", [EOP_OR] = "or",
        [EOP_NOT] = "not", [EOP_NEG] = "-", [EOP_RANGE] = "..",
    };
    return text[op];
}

const char *decl_kind_name(DeclKind k)
{
    static const char *const name[] = {
        [D_ROUND] = "round", [D_IMPORT] = "import", [D_FEED] = "feed",
        [D_HIERARCHY] = "hierarchy", [D_LET] = "let", [D_FN] = "fn",
        [D_EXTERN] = "extern fn", [D_METRIC] = "metric",
        [D_COMMITMENT] = "commitment", [D_CHECK] = "check",
        [D_RATING] = "rating", [D_TEST] = "test",
    };
    return name[k];
}

/* Whether n reads feed `feed`, through the metrics, lets and functions it
 * names: 1 yes, 0 no, -1 cannot tell (a name not checked yet). */
int ast_reads_feed(Node *n, Decl *feed, int depth)
{
    if (!n || depth > 64) return -1;
    if (n->kind == N_FIELD && n->lhs && n->lhs->ref == feed) return 1;
    int r = 0;
    Decl *d = n->ref ? n->ref : (n->kind == N_CALL && n->lhs ? n->lhs->ref : NULL);
    if (d && (d->kind == D_METRIC || d->kind == D_LET || d->kind == D_FN)) {
        if (d->state != 2) r = -1;
        else {
            int k = ast_reads_feed(d->body, feed, depth + 1);
            if (k) return k > 0 ? 1 : (r = -1, -1);
        }
    }
    Node *kids[3] = { n->lhs, n->rhs, n->alt };
    for (int i = 0; i < 3; i++) {
        if (!kids[i] || (n->kind == N_CALL && i == 0)) continue;
        int k = ast_reads_feed(kids[i], feed, depth + 1);
        if (k > 0) return 1;
        if (k < 0) r = -1;
    }
    for (size_t i = 0; i < n->args.len; i++) {
        int k = ast_reads_feed(n->args.items[i], feed, depth + 1);
        if (k > 0) return 1;
        if (k < 0) r = -1;
    }
    return r;
}

Field *ast_item_groups(Decl *d, Node **by)
{
    Attr *at = NULL;
    for (size_t i = 0; i < d->attrs.len && !at; i++)
        if (strcmp(((Attr *)d->attrs.items[i])->name, "by") == 0) at = d->attrs.items[i];
    Node *n = at ? at->value : NULL;
    if (!n || n->kind != N_FIELD || !n->lhs || !n->lhs->ref || n->lhs->ref->kind != D_FEED || n->column < 0)
        return NULL;
    Field *f = n->lhs->ref->fields.items[n->column];
    if (!f->groups) return NULL;
    if (by) *by = n;
    return f;
}

int ast_group_index(const Field *f, const char *label)
{
    for (size_t i = 0; f->groups && i < f->groups->args.len; i++)
        if (strcmp(((Node *)f->groups->args.items[i])->str, label) == 0) return (int)i;
    return -1;
}
