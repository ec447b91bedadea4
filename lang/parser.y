/* parser.y: the grammar of Pledge (spec §1–§3), a pure bison parser.
 *
 * Declarations keep their bodies generic (`name = value` attributes, typed
 * columns, rating arms, rows tables); which attributes a declaration requires
 * or forbids is the checker's business, so a mistake there gets a message
 * about the declaration, not a syntax error. The tree is built in the
 * compilation's arena, so no semantic value needs a %destructor.
 *
 * Error recovery is per declaration: after a syntax error the parser skips
 * to the next declaration keyword, so independent mistakes are all reported
 * and one does not cascade. */
%code requires {
#include "lang/front.h"
typedef struct Str { const char *s; size_t len; } Str;
#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif
}

%code {
/* the parser's stack grows through the state's allocator, like everything */
#define YYMALLOC mem_alloc
#define YYFREE mem_free
#include "lang/lexer.h"
#include <string.h>

#define CTX     (plget_extra(scanner))
#define ARENA   (CTX->arena)
#define NODE(k, at) ast_node(ARENA, (k), (at))
/* A hostile file could nest expressions deeper than the checker's recursion
 * should go; refuse it here, once, with a position. */
#define BOUNDED(n, at) do { \
        if ((n)->depth > FRONT_MAX_EXPR_DEPTH) { \
            diag_error(CTX->diags, CTX->mod->src, (at), \
                       "expression too long or too deeply nested (more than %d levels): split it with `let`", FRONT_MAX_EXPR_DEPTH); \
            CTX->fatal = true; \
            YYABORT; \
        } \
    } while (0)

static Node *binary(yyscan_t scanner, Op op, Node *l, Node *r, Span op_at)
{
    return ast_binary(CTX->arena, op, l, r, op_at);
}

static Node *literal_num(yyscan_t scanner, NodeKind k, Num v, Span at)
{
    Node *n = NODE(k, at);
    n->num = v;
    return n;
}

static Decl *decl(yyscan_t scanner, DeclKind k, Span at, Str name, Span name_at)
{
    Decl *d = ast_decl(CTX->arena, k, at);
    d->name = name.s;
    d->name_span = name_at;
    d->module = CTX->mod;
    return d;
}

/* Bison calls this only when its stack is full ("memory exhausted"): a
 * long run of prefix operators such as `- - - … 1`. */
static void plerror(Span *at, yyscan_t scanner, const char *msg)
{
    (void)msg;
    if (CTX->fatal) return;
    diag_error(CTX->diags, CTX->mod->src, *at, "too deeply nested to read: simplify this expression");
    CTX->fatal = true;
}
}

/* A pure parser with a reentrant scanner: no state outside a parse. The
 * only statics in the generated yyparse (yyval_default, yyloc_default) are
 * templates it copies from and never writes. */
%define api.pure full
%define api.prefix {pl}
%define api.location.type {Span}
%define parse.error custom
%locations
%expect 0
%param {yyscan_t scanner}

%initial-action {
    @$.first_line = @$.last_line = 1;
    @$.first_column = @$.last_column = 1;
}

%union {
    Str         str;
    Num         num;
    Period      period;
    int32_t     days;
    bool        boolean;
    Node       *node;
    Decl       *decl;
    Attr       *attr;
    Field      *field;
    TypeExpr    texpr;
    List        list;
    RatingArm  *arm;
    RowsTable  *table;
    Op          op;
    CommitmentClass cls;
}

%token END 0 "end of file"
%token <str> IDENT "a name" STRING "a string"
%token <num> NUMBER "a number" PERCENT "a percent" PP "percentage points" MONEY "an amount of money"
%token <period> DATE "a date" MONTH "a month" QUARTER "a quarter" FY "a financial year"
%token <days> DURATION "a duration"
%token <boolean> BOOL "true or false"
%token ROUND "round" IMPORT "import" FEED "feed" HIERARCHY "hierarchy" LET "let" FN "fn"
%token EXTERN "extern" METRIC "metric" FOUNDATIONAL "foundational"
%token TRANSFORMATION "transformation" COMMITMENT "commitment" CHECK "check"
%token NATIONAL "national" RATING "rating" TEST "test" ROWS "rows" EXPECT "expect"
%token AND "and" OR "or" NOT "not" IF "if" THEN "then" ELSE "else" WHERE "where"
%token IN "in" AS "as" WHEN "when" OTHERWISE "otherwise" HORIZON "horizon"
%token EQ "==" NE "!=" LE "<=" GE ">=" DOTDOT ".."
%token BAD "a character that is not Pledge"   /* reported by the lexer already */
%token EXPR_ONLY "an expression"              /* sent first by the lexer for pledge eval */

%type <decl> decl round_decl import_decl feed_decl hierarchy_decl let_decl fn_decl
%type <decl> extern_decl metric_decl commitment_decl check_decl rating_decl test_decl
%type <decl> attr_body feed_body test_body
%type <str> name any_name opt_title dotted
%type <node> expr primary window attr_value literal cell signed
%type <attr> attr
%type <field> param column
%type <texpr> type
%type <list> opt_params params opt_args args arms header cells rows
%type <arm> arm
%type <table> table
%type <op> cmp
%type <cls> class

%precedence ELSE
%precedence IN
%left WHERE
%left OR
%left AND
%precedence NOT
%nonassoc EQ NE '<' '>' LE GE
%precedence WINDOW
%nonassoc DOTDOT
%left '+' '-'
%left '*' '/'
%precedence UMINUS
%precedence AS

%%

start
    : file
    | EXPR_ONLY expr    { CTX->expr = $2; }
    ;

file
    : %empty
    | file decl     { list_push(ARENA, &CTX->mod->decls, $2); CTX->damaged = false; }
    | file error    { CTX->damaged = false; }
    ;

decl: round_decl | import_decl | feed_decl | hierarchy_decl | let_decl | fn_decl
    | extern_decl | metric_decl | commitment_decl | check_decl | rating_decl | test_decl
    ;

opt_title
    : %empty        { $$ = (Str){ NULL, 0 }; }
    | STRING
    ;

/* names in positions where no keyword can be meant: a column called `check`
 * or `test` stays usable */
name: IDENT
    | ROUND { $$ = (Str){ "round", 5 }; } | IMPORT { $$ = (Str){ "import", 6 }; }
    | FEED { $$ = (Str){ "feed", 4 }; } | HIERARCHY { $$ = (Str){ "hierarchy", 9 }; }
    | LET { $$ = (Str){ "let", 3 }; } | FN { $$ = (Str){ "fn", 2 }; }
    | EXTERN { $$ = (Str){ "extern", 6 }; } | METRIC { $$ = (Str){ "metric", 6 }; }
    | FOUNDATIONAL { $$ = (Str){ "foundational", 12 }; }
    | TRANSFORMATION { $$ = (Str){ "transformation", 14 }; }
    | COMMITMENT { $$ = (Str){ "commitment", 10 }; } | CHECK { $$ = (Str){ "check", 5 }; }
    | NATIONAL { $$ = (Str){ "national", 8 }; } | RATING { $$ = (Str){ "rating", 6 }; }
    | TEST { $$ = (Str){ "test", 4 }; } | ROWS { $$ = (Str){ "rows", 4 }; }
    | EXPECT { $$ = (Str){ "expect", 6 }; }
    ;

/* after a dot, any word at all */
any_name
    : name
    | AND { $$ = (Str){ "and", 3 }; } | OR { $$ = (Str){ "or", 2 }; }
    | NOT { $$ = (Str){ "not", 3 }; } | IF { $$ = (Str){ "if", 2 }; }
    | THEN { $$ = (Str){ "then", 4 }; } | ELSE { $$ = (Str){ "else", 4 }; }
    | WHERE { $$ = (Str){ "where", 5 }; } | IN { $$ = (Str){ "in", 2 }; }
    | AS { $$ = (Str){ "as", 2 }; } | WHEN { $$ = (Str){ "when", 4 }; }
    | OTHERWISE { $$ = (Str){ "otherwise", 9 }; }
    ;

/* ---- declarations ------------------------------------------------------ */

round_decl
    : ROUND IDENT opt_title '{' attr_body '}'
        { $$ = $5; $$->kind = D_ROUND; $$->span = @$; $$->name = $2.s; $$->name_span = @2; $$->title = $3.s; }
    ;

attr_body
    : %empty        { $$ = decl(scanner, D_ROUND, @$, (Str){ NULL, 0 }, @$); }
    | attr_body attr { $$ = $1; list_push(ARENA, &$$->attrs, $2); }
    | attr_body HORIZON name '=' expr
        {
            /* `horizon two_year = 2019/20 .. 2020/21`: a named horizon of the round */
            $$ = $1;
            Attr *a = arena_alloc(ARENA, sizeof *a);
            a->name = $3.s;
            a->name_span = @3;
            a->value = $5;
            a->named_horizon = true;
            list_push(ARENA, &$$->attrs, a);
        }
    ;

attr: name '=' attr_value
        {
            $$ = arena_alloc(ARENA, sizeof *$$);
            $$->name = $1.s;
            $$->name_span = @1;
            $$->value = $3;
        }
    ;

attr_value
    : expr
    | cmp expr      { $$ = NODE(N_THRESHOLD, @$); $$->op = $1; $$->op_span = @1; $$->lhs = $2; $$->depth = $2->depth + 1; }
    ;

cmp : EQ { $$ = EOP_EQ; } | NE { $$ = EOP_NE; } | '<' { $$ = EOP_LT; } | LE { $$ = EOP_LE; }
    | '>' { $$ = EOP_GT; } | GE { $$ = EOP_GE; }
    ;

import_decl
    : IMPORT dotted
        { $$ = decl(scanner, D_IMPORT, @$, (Str){ NULL, 0 }, @2); $$->import_path = $2.s; }
    | IMPORT dotted AS IDENT
        { $$ = decl(scanner, D_IMPORT, @$, $4, @4); $$->import_path = $2.s; }
    | IMPORT STRING
        { $$ = decl(scanner, D_IMPORT, @$, (Str){ NULL, 0 }, @2); $$->import_path = $2.s; $$->import_is_file = true; }
    | IMPORT STRING AS IDENT
        { $$ = decl(scanner, D_IMPORT, @$, $4, @4); $$->import_path = $2.s; $$->import_is_file = true; }
    ;

dotted
    : IDENT
    | dotted '.' IDENT  { $$.s = arena_printf(ARENA, "%s.%s", $1.s, $3.s); $$.len = strlen($$.s); }
    ;

feed_decl
    : FEED IDENT opt_title '{' feed_body '}'
        { $$ = $5; $$->kind = D_FEED; $$->span = @$; $$->name = $2.s; $$->name_span = @2; $$->title = $3.s; }
    ;

feed_body
    : %empty            { $$ = decl(scanner, D_FEED, @$, (Str){ NULL, 0 }, @$); }
    | feed_body attr    { $$ = $1; list_push(ARENA, &$$->attrs, $2); }
    | feed_body name '=' expr ',' args
        {
            /* `key = type, site`: columns, comma-separated (a list node the checker knows) */
            Attr *a = arena_alloc(ARENA, sizeof *a);
            a->name = $2.s;
            a->name_span = @2;
            Span sp = @4;
            sp.last_line = @6.last_line;
            sp.last_column = @6.last_column;
            a->value = NODE(N_LIST, sp);
            a->value->boolean = true;
            list_push(ARENA, &a->value->args, $4);
            for (size_t i = 0; i < $6.len; i++) list_push(ARENA, &a->value->args, $6.items[i]);
            $$ = $1; list_push(ARENA, &$$->attrs, a);
        }
    | feed_body column  { $$ = $1; list_push(ARENA, &$$->fields, $2); }
    ;

column
    : name ':' type AS IDENT
        {
            $$ = arena_alloc(ARENA, sizeof *$$); $$->name = $1.s; $$->span = @1; $$->type = $3;
            $$->format = $5.s; $$->format_span = @5;
        }
    | name ':' type IN expr
        {
            /* `quintile: text in ["1", "2"]`: the column's groups, in order (issue 16) */
            $$ = arena_alloc(ARENA, sizeof *$$); $$->name = $1.s; $$->span = @1; $$->type = $3;
            $$->groups = $5;
        }
    | name ':' type
        {
            $$ = arena_alloc(ARENA, sizeof *$$); $$->name = $1.s; $$->span = @1; $$->type = $3;
            /* `attendances:` with the type forgotten takes the next line's name as its type */
            if (@3.first_line > @2.first_line && type_by_name($3.name) == T_ERROR) {
                diag_error(CTX->diags, CTX->mod->src, @2, "column `%s` needs a type after `:`, as in `%s: count`",
                           $1.s, $1.s);
                CTX->damaged = true;
            }
        }
    ;

type: IDENT             { $$ = (TypeExpr){ $1.s, @1, 0 }; }
    | '[' IDENT ']'     { $$ = (TypeExpr){ $2.s, @$, 1 }; }
    ;

hierarchy_decl
    : HIERARCHY IDENT opt_title '{' attr_body '}'
        { $$ = $5; $$->kind = D_HIERARCHY; $$->span = @$; $$->name = $2.s; $$->name_span = @2; $$->title = $3.s; }
    ;

let_decl
    : LET IDENT '=' expr
        { $$ = decl(scanner, D_LET, @$, $2, @2); $$->body = $4; }
    | LET IDENT ':' type '=' expr
        { $$ = decl(scanner, D_LET, @$, $2, @2); $$->type = $4; $$->has_type = true; $$->body = $6; }
    ;

fn_decl
    : FN IDENT '(' opt_params ')' ':' type '=' expr
        {
            $$ = decl(scanner, D_FN, @$, $2, @2);
            $$->fields = $4; $$->type = $7; $$->has_type = true; $$->body = $9;
        }
    ;

extern_decl
    : EXTERN STRING FN IDENT '(' opt_params ')' ':' type
        {
            $$ = decl(scanner, D_EXTERN, @$, $4, @4);
            $$->lib = $2.s; $$->fields = $6; $$->type = $9; $$->has_type = true;
        }
    ;

opt_params
    : %empty            { $$ = (List){ 0 }; }
    | params
    ;

params
    : param             { $$ = (List){ 0 }; list_push(ARENA, &$$, $1); }
    | params ',' param  { $$ = $1; list_push(ARENA, &$$, $3); }
    ;

param
    : IDENT ':' type
        { $$ = arena_alloc(ARENA, sizeof *$$); $$->name = $1.s; $$->span = @1; $$->type = $3; }
    ;

metric_decl
    : METRIC IDENT opt_title ':' type '=' expr
        {
            $$ = decl(scanner, D_METRIC, @$, $2, @2);
            $$->title = $3.s; $$->type = $5; $$->has_type = true; $$->body = $7;
        }
    ;

class: FOUNDATIONAL { $$ = CLASS_FOUNDATIONAL; } | TRANSFORMATION { $$ = CLASS_TRANSFORMATION; } ;

commitment_decl
    : class COMMITMENT IDENT opt_title '{' attr_body '}'
        {
            $$ = $6; $$->kind = D_COMMITMENT; $$->span = @$; $$->cls = $1;
            $$->name = $3.s; $$->name_span = @3; $$->title = $4.s;
        }
    | COMMITMENT IDENT opt_title '{' attr_body '}'
        {
            $$ = $5; $$->kind = D_COMMITMENT; $$->span = @$; $$->cls = CLASS_NONE;
            $$->name = $2.s; $$->name_span = @2; $$->title = $3.s;
        }
    | NATIONAL class COMMITMENT IDENT opt_title '{' attr_body '}'
        {
            $$ = $7; $$->kind = D_COMMITMENT; $$->span = @$; $$->cls = $2; $$->national = true;
            $$->name = $4.s; $$->name_span = @4; $$->title = $5.s;
        }
    | NATIONAL COMMITMENT IDENT opt_title '{' attr_body '}'
        {
            $$ = $6; $$->kind = D_COMMITMENT; $$->span = @$; $$->cls = CLASS_NONE; $$->national = true;
            $$->name = $3.s; $$->name_span = @3; $$->title = $4.s;
        }
    ;

check_decl
    : CHECK IDENT opt_title '{' attr_body '}'
        { $$ = $5; $$->kind = D_CHECK; $$->span = @$; $$->name = $2.s; $$->name_span = @2; $$->title = $3.s; }
    | NATIONAL CHECK IDENT opt_title '{' attr_body '}'
        {
            $$ = $6; $$->kind = D_CHECK; $$->span = @$; $$->national = true;
            $$->name = $3.s; $$->name_span = @3; $$->title = $4.s;
        }
    ;

rating_decl
    : RATING IDENT opt_title '{' arms '}'
        { $$ = decl(scanner, D_RATING, @$, $2, @2); $$->title = $3.s; $$->arms = $5; }
    ;

arms: %empty            { $$ = (List){ 0 }; }
    | arms arm          { $$ = $1; list_push(ARENA, &$$, $2); }
    ;

arm : IDENT WHEN expr   { $$ = arena_alloc(ARENA, sizeof *$$); $$->label = $1.s; $$->span = @1; $$->when = $3; }
    | IDENT OTHERWISE   { $$ = arena_alloc(ARENA, sizeof *$$); $$->label = $1.s; $$->span = @1; }
    ;

test_decl
    : TEST STRING '{' test_body '}'
        { $$ = $4; $$->kind = D_TEST; $$->span = @$; $$->title = $2.s; $$->name_span = @2; }
    ;

test_body
    : %empty                { $$ = decl(scanner, D_TEST, @$, (Str){ NULL, 0 }, @$); }
    | test_body attr        { $$ = $1; list_push(ARENA, &$$->attrs, $2); }
    | test_body EXPECT expr { $$ = $1; list_push(ARENA, &$$->expects, $3); }
    | test_body table       { $$ = $1; list_push(ARENA, &$$->tables, $2); }
    ;

table
    : ROWS name '{' header rows '}'
        {
            $$ = arena_alloc(ARENA, sizeof *$$);
            $$->target = $2.s; $$->span = @2; $$->header = $4; $$->rows = $5;
        }
    ;

header
    : name
        {
            Field *f = arena_alloc(ARENA, sizeof *f); f->name = $1.s; f->span = @1;
            $$ = (List){ 0 }; list_push(ARENA, &$$, f);
        }
    | header ',' name
        {
            Field *f = arena_alloc(ARENA, sizeof *f); f->name = $3.s; f->span = @3;
            $$ = $1; list_push(ARENA, &$$, f);
        }
    ;

rows: %empty            { $$ = (List){ 0 }; }
    | rows cells        { List *row = arena_alloc(ARENA, sizeof *row); *row = $2; $$ = $1; list_push(ARENA, &$$, row); }
    ;

cells
    : cell              { $$ = (List){ 0 }; list_push(ARENA, &$$, $1); }
    | cells ',' cell    { $$ = $1; list_push(ARENA, &$$, $3); }
    ;

cell: literal
    | signed
    | '*'               { $$ = NODE(N_MISSING, @$); }
    ;

signed
    : '-' NUMBER        { $$ = literal_num(scanner, N_NUMBER, num_neg($2), @$); }
    | '-' PERCENT       { $$ = literal_num(scanner, N_PERCENT, num_neg($2), @$); }
    | '-' PP            { $$ = literal_num(scanner, N_PP, num_neg($2), @$); }
    | '-' MONEY         { $$ = literal_num(scanner, N_MONEY, num_neg($2), @$); }
    ;

/* ---- expressions ------------------------------------------------------- */

expr: primary
    | expr '+' expr     { $$ = binary(scanner, EOP_ADD, $1, $3, @2); BOUNDED($$, @2); }
    | expr '-' expr     { $$ = binary(scanner, EOP_SUB, $1, $3, @2); BOUNDED($$, @2); }
    | expr '*' expr     { $$ = binary(scanner, EOP_MUL, $1, $3, @2); BOUNDED($$, @2); }
    | expr '/' expr     { $$ = binary(scanner, EOP_DIV, $1, $3, @2); BOUNDED($$, @2); }
    | expr EQ expr      { $$ = binary(scanner, EOP_EQ, $1, $3, @2); BOUNDED($$, @2); }
    | expr NE expr      { $$ = binary(scanner, EOP_NE, $1, $3, @2); BOUNDED($$, @2); }
    | expr '<' expr     { $$ = binary(scanner, EOP_LT, $1, $3, @2); BOUNDED($$, @2); }
    | expr LE expr      { $$ = binary(scanner, EOP_LE, $1, $3, @2); BOUNDED($$, @2); }
    | expr '>' expr     { $$ = binary(scanner, EOP_GT, $1, $3, @2); BOUNDED($$, @2); }
    | expr GE expr      { $$ = binary(scanner, EOP_GE, $1, $3, @2); BOUNDED($$, @2); }
    | expr AND expr     { $$ = binary(scanner, EOP_AND, $1, $3, @2); BOUNDED($$, @2); }
    | expr OR expr      { $$ = binary(scanner, EOP_OR, $1, $3, @2); BOUNDED($$, @2); }
    | expr DOTDOT expr  { $$ = binary(scanner, EOP_RANGE, $1, $3, @2); BOUNDED($$, @2); }
    | NOT expr          { $$ = ast_unary(ARENA, EOP_NOT, $2, @1, @$); BOUNDED($$, @1); }
    | '-' expr %prec UMINUS { $$ = ast_unary(ARENA, EOP_NEG, $2, @1, @$); BOUNDED($$, @1); }
    | expr IN window
        { $$ = binary(scanner, EOP_RANGE, $1, $3, @2); $$->kind = N_IN; BOUNDED($$, @2); }
    | expr WHERE expr
        { $$ = binary(scanner, EOP_AND, $1, $3, @2); $$->kind = N_WHERE; BOUNDED($$, @2); }
    /* `period = month as month` in a feed (a grain), or a vintage feed's
     * column read from one publication: `plans.beds as first`, `as latest` */
    | expr AS name
        {
            bool pub = strcmp($3.s, "first") == 0 || strcmp($3.s, "latest") == 0;
            $$ = NODE(pub ? N_PUB : N_AS, @$); $$->lhs = $1; $$->str = $3.s; $$->op_span = @3;
            $$->depth = $1->depth + 1; BOUNDED($$, @2);
        }
    /* `plans.beds as of 2019-09-27`: as published by that day (rhs; the
     * checker takes a day only) */
    | expr AS name literal
        {
            $$ = NODE(N_PUB, @$); $$->lhs = $1; $$->str = $3.s; $$->op_span = @3; $$->rhs = $4;
            $$->days = 1; $$->depth = $1->depth + 1; BOUNDED($$, @2);
        }
    | IF expr THEN expr ELSE expr
        {
            $$ = NODE(N_IF, @$); $$->lhs = $2; $$->rhs = $4; $$->alt = $6; $$->op_span = @1;
            $$->depth = 1 + ($2->depth > $4->depth ? ($2->depth > $6->depth ? $2->depth : $6->depth)
                                                   : ($4->depth > $6->depth ? $4->depth : $6->depth));
            BOUNDED($$, @1);
        }
    ;

/* what follows `in`: a period, a name for one, or a range of them */
window
    : primary %prec WINDOW
    | primary DOTDOT primary { $$ = binary(scanner, EOP_RANGE, $1, $3, @2); }
    ;

primary
    : literal
    | IDENT             { $$ = NODE(N_NAME, @$); $$->str = $1.s; $$->str_len = $1.len; }
    | FOUNDATIONAL      { $$ = NODE(N_CLASS, @$); $$->boolean = false; }
    | TRANSFORMATION    { $$ = NODE(N_CLASS, @$); $$->boolean = true; }
    | BAD               { $$ = NODE(N_BAD, @$); }
    | primary '.' any_name
        { $$ = NODE(N_FIELD, @$); $$->lhs = $1; $$->str = $3.s; $$->str_len = $3.len; $$->op_span = @3; $$->depth = $1->depth + 1; BOUNDED($$, @2); }
    | primary '(' opt_args ')'
        {
            $$ = NODE(N_CALL, @$); $$->lhs = $1; $$->args = $3; $$->op_span = @1;
            int d = $1->depth;
            for (size_t i = 0; i < $3.len; i++) { Node *a = $3.items[i]; if (a->depth > d) d = a->depth; }
            $$->depth = d + 1;
            BOUNDED($$, @2);
        }
    | '(' expr ')'      { $$ = $2; $$->span = @$; }    /* the brackets belong to it: a quote keeps them */
    | '[' opt_args ']'
        {
            $$ = NODE(N_LIST, @$); $$->args = $2;
            int d = 0;
            for (size_t i = 0; i < $2.len; i++) { Node *a = $2.items[i]; if (a->depth > d) d = a->depth; }
            $$->depth = d + 1;
        }
    ;

literal
    : NUMBER            { $$ = literal_num(scanner, N_NUMBER, $1, @$); }
    | PERCENT           { $$ = literal_num(scanner, N_PERCENT, $1, @$); }
    | PP                { $$ = literal_num(scanner, N_PP, $1, @$); }
    | MONEY             { $$ = literal_num(scanner, N_MONEY, $1, @$); }
    | STRING            { $$ = NODE(N_STRING, @$); $$->str = $1.s; $$->str_len = $1.len; }
    | BOOL              { $$ = NODE(N_BOOL, @$); $$->boolean = $1; }
    | DATE              { $$ = NODE(N_PERIOD, @$); $$->period = $1; }
    | MONTH             { $$ = NODE(N_PERIOD, @$); $$->period = $1; }
    | QUARTER           { $$ = NODE(N_PERIOD, @$); $$->period = $1; }
    | FY                { $$ = NODE(N_PERIOD, @$); $$->period = $1; }
    | DURATION          { $$ = NODE(N_DURATION, @$); $$->days = $1; }
    ;

opt_args
    : %empty            { $$ = (List){ 0 }; }
    | args
    ;

args: expr              { $$ = (List){ 0 }; list_push(ARENA, &$$, $1); }
    | args ',' expr     { $$ = $1; list_push(ARENA, &$$, $3); }
    ;

%%

/* The text of the token at `at`, for "unexpected `…`". */
static const char *token_text(ParseCtx *c, Span at, char *buf, size_t cap)
{
    size_t len;
    const char *line = source_line(c->mod->src, at.first_line, &len);
    if (!line) return "";
    size_t i = 0, start = 0, end = len;
    for (int col = 1; i < len; i++) {
        if (((unsigned char)line[i] & 0xC0) == 0x80) continue;
        if (col == at.first_column) start = i;
        if (col == at.last_column + 1 && at.last_line == at.first_line) { end = i; break; }
        col++;
    }
    if (at.last_line != at.first_line) end = len;
    if (end - start > 40) end = start + 40;
    snprintf(buf, cap, "%.*s", (int)(end - start), line + start);
    return buf;
}

/* "`==`" for punctuation and keywords, "a name" for kinds of token. */
static const char *symbol_phrase(yysymbol_kind_t sym, char *buf, size_t cap)
{
    const char *s = yysymbol_name(sym);
    size_t n = strlen(s);
    if (n >= 2 && (s[0] == '"' || s[0] == '\'')) { s++; n -= 2; }
    if (memchr(s, ' ', n)) snprintf(buf, cap, "%.*s", (int)n, s);
    else snprintf(buf, cap, "`%.*s`", (int)n, s);
    return buf;
}

static bool starts_declaration(int token)
{
    switch (token) {
    case ROUND: case IMPORT: case FEED: case HIERARCHY: case LET: case FN: case EXTERN: case METRIC:
    case FOUNDATIONAL: case TRANSFORMATION: case COMMITMENT: case CHECK: case NATIONAL: case RATING:
    case TEST:
        return true;
    default:
        return false;
    }
}

static int yyreport_syntax_error(const yypcontext_t *pc, yyscan_t scanner)
{
    ParseCtx *c = CTX;
    yysymbol_kind_t found = yypcontext_token(pc);
    /* after a fatal lexer error, at a character the lexer reported, or in a
     * declaration the lexer already found wrong: that error says it */
    if (c->fatal || found == YYSYMBOL_BAD || c->damaged) return 0;
    Span at = *yypcontext_location(pc);
    char msg[512], tok[64], phrase[64];
    size_t k;

    /* A declaration keyword at the start of a line while a bracket is open:
     * the bracket was never closed (`let` inside a body is otherwise read as
     * an attribute's name). */
    bool last_starts = starts_declaration(c->last_token) && c->last_span.first_column == 1;
    bool this_starts = c->this_token != 0 && starts_declaration(c->this_token) && at.first_column == 1;
    if (c->depth > 0 && (found == YYSYMBOL_YYEOF || last_starts || this_starts)) {
        int d = c->depth < FRONT_MAX_BRACKETS ? c->depth : FRONT_MAX_BRACKETS;
        static const char closer[128] = { ['('] = ')', ['['] = ']', ['{'] = '}' };
        char open = c->bracket_kind[d];
        Span where = found == YYSYMBOL_YYEOF ? at : last_starts ? c->last_span : at;
        diag_error(c->diags, c->mod->src, where, "%s: the `%c` on line %d is not closed",
                   found == YYSYMBOL_YYEOF ? "unexpected end of file" : "a new declaration starts here",
                   open, c->braces[d].first_line);
        diag_hint(c->diags, "add `%c` where it ends", closer[(unsigned char)open]);
        return 0;
    }

    if (found == YYSYMBOL_YYEOF)
        k = (size_t)snprintf(msg, sizeof msg, "unexpected end of file");
    else
        k = (size_t)snprintf(msg, sizeof msg, "unexpected `%s`", token_text(c, at, tok, sizeof tok));
    if (c->rows_depth && found != YYSYMBOL_YYEOF) {
        diag_error(c->diags, c->mod->src, at, "%s in a rows table: its cells are single values, "
                   "separated by commas", msg);
        if (found == YYSYMBOL_IDENT)
            diag_hint(c->diags, "text is written in quotes, as in \"%s\"", tok);
        return 0;
    }

    /* Name what is expected when it is a short list; otherwise only the
     * closing brackets and keywords among it, which say what was left out. */
    yysymbol_kind_t expected[YYNTOKENS];
    int n = yypcontext_expected_tokens(pc, expected, YYNTOKENS);
    if (n > 4) {
        int kept = 0;
        for (int i = 0; i < n; i++) {
            yysymbol_kind_t e = expected[i];
            const char *name = yysymbol_name(e);
            if (e == YYSYMBOL_THEN || e == YYSYMBOL_ELSE || e == YYSYMBOL_WHEN ||
                (name[0] == '\'' && strchr(")]}", name[1])))
                expected[kept++] = e;
        }
        n = kept;
    }
    if (n > 0 && n <= 4) {
        k += (size_t)snprintf(msg + k, sizeof msg - k, "; expected ");
        for (int i = 0; i < n && k < sizeof msg; i++)
            k += (size_t)snprintf(msg + k, sizeof msg - k, "%s%s",
                                  i == 0 ? "" : i == n - 1 ? " or " : ", ",
                                  symbol_phrase(expected[i], phrase, sizeof phrase));
    }
    diag_error(c->diags, c->mod->src, at, "%s", msg);
    return 0;
}

bool parse_module(ParseCtx *ctx)
{
    yyscan_t scanner;
    if (pllex_init_extra(ctx, &scanner) != 0) return false;
    ctx->line = ctx->col = 1;
    Source *src = ctx->mod->src;
    YY_BUFFER_STATE buf = pl_scan_bytes(src->text, (int)src->len, scanner);
    int errors = ctx->diags->errors;
    int rc = plparse(scanner);
    pl_delete_buffer(buf, scanner);
    pllex_destroy(scanner);
    return rc == 0 && ctx->diags->errors == errors && !ctx->fatal;
}
