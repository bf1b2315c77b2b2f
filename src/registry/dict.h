/*
 * dict.h: the registry's data dictionary (internal).
 *
 * One table of every record type and field that `registry import` accepts:
 * its kind, whether it is required, its range or allowed values, and the
 * object of the role matrix a role must be allowed to write. The importer
 * checks every record's keys against this table (import.c) and takes its
 * value lists from it (the pwi_v_* arrays), the CSV reader converts cells
 * by it (import_csv.c), amendments find the column of a field in it
 * (amend.c), and `pathways registry dictionary` prints it: so the printed
 * dictionary cannot drift from what the import checks.
 */
#ifndef PWI_DICT_H
#define PWI_DICT_H

#include <stdio.h>

#include "pathways/core.h"
#include "auth.h"

typedef enum {
    PWI_F_TEXT,      /* a string of 1 to 200 characters */
    PWI_F_NOTES,     /* free text up to 20,000 characters, may hold line breaks */
    PWI_F_DATE,      /* YYYY-MM-DD, not in the future */
    PWI_F_INT,       /* an integer in [lo, hi] */
    PWI_F_NUMBER,    /* a number in [lo, hi] */
    PWI_F_BOOL,      /* true or false */
    PWI_F_ENUM,      /* one of `values` */
    PWI_F_SUBSTANCE, /* a name, alias or TDI code of data/codes/substances.yaml */
    PWI_F_ANALYTE,   /* a name or alias of data/codes/analytes.yaml */
    PWI_F_REGIME,    /* a built-in regime's name */
    PWI_F_REF,       /* the ref of another record (person or episode) */
    PWI_F_LIST,      /* an array of names (or {member, reason} objects) */
    PWI_F_OBJECT,    /* a JSON object (an episode's case) */
    PWI_F_ROWREF     /* the id of a stored row (amendments) */
} pwi_field_kind;

typedef struct pwi_field {
    const char *name;
    pwi_field_kind kind;
    int required;
    double lo, hi;               /* PWI_F_INT / PWI_F_NUMBER */
    const char *const *values;   /* PWI_F_ENUM */
    pwi_object writer;           /* the role must write this object */
    const char *column;          /* stored column; NULL: not amendable */
    const char *help;            /* one line for the dictionary */
} pwi_field;

typedef struct pwi_rectype {
    const char *name;            /* the record's "type" */
    const char *table;           /* its table (NULL: changes others only) */
    pwi_object writer;           /* the object a role must write */
    const pwi_field *fields;
    int nfields;
} pwi_rectype;

/* Value lists (NULL-terminated), shared with the importer. */
extern const char *const pwi_v_sex[];
extern const char *const pwi_v_legal_basis[];
extern const char *const pwi_v_referral_source[];
extern const char *const pwi_v_route[];
extern const char *const pwi_v_frequency[];
extern const char *const pwi_v_injecting[];
extern const char *const pwi_v_decision[];
extern const char *const pwi_v_stage[];
extern const char *const pwi_v_result[];
extern const char *const pwi_v_adjudication[];
extern const char *const pwi_v_discharge_reason[];
extern const char *const pwi_v_legal_completion[];
extern const char *const pwi_v_followup_status[];
extern const char *const pwi_v_consent_scope[];
extern const char *const pwi_v_consent_status[];
extern const char *const pwi_v_amend_record[];

/* The record types, in the order of the docs. */
int pwi_dict_count(void);
const pwi_rectype *pwi_dict_at(int i);
const pwi_rectype *pwi_dict_find(const char *type);
const pwi_field *pwi_dict_field(const pwi_rectype *rt, const char *name);

/* The kind's name as printed ("date", "integer", ...). */
const char *pwi_dict_kind_name(pwi_field_kind k);

/* Analytes: the stored name of a name or alias, or NULL. */
const char *pwi_analyte_canonical(const char *name);
/* The analyte list, NULL-terminated (for the dictionary and the forms). */
const char *const *pwi_analyte_names(void);

/* Prints the dictionary: format "json" (one document) or "csv" (one row
 * per field: record, field, kind, required, allowed, writer, column, help). */
int pwi_dict_print(FILE *out, const char *format);

/* The CSV template of a record type: a byte-order mark and the header row.
 * PW_ENOTFOUND for an unknown type. */
int pwi_dict_template(FILE *out, const char *type);

/* A stable machine code for an error ("required", "future_date",
 * "not_in_list", ...): the HTTP API sends it beside the English message so
 * that the front-end can show it in the user's language. */
const char *pwi_error_code(const pw_error *e);

#endif /* PWI_DICT_H */
