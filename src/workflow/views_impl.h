/*
 * views_impl.h - what the files of the views share; private to
 * src/workflow/views*.c (callers use views.h). views.c holds these helpers
 * and the views of cases, norms, the inbox and keys; views_groups.c the
 * views of standing groups.
 */
#ifndef PARLEY_WORKFLOW_VIEWS_IMPL_H
#define PARLEY_WORKFLOW_VIEWS_IMPL_H

#include "workflow/views.h"

#include <sqlite3.h>

/* An SQLite failure of a query as PL_EDB, with its sentence. */
int pl_view_db_err(sqlite3 *db, pl_diag *d);

/* Prepares sql on db (PL_EDB). */
int pl_view_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, pl_diag *d);

/* Runs st (bound) and appends each row to arr as an object (pl_view_row). PL_ENOMEM, PL_EDB. */
int pl_view_rows_into(sqlite3 *db, sqlite3_stmt *st, json_t *arr, pl_diag *d);

/* The page's limit: 100 for 0, at most PL_VIEW_LIMIT_MAX. */
uint64_t pl_view_page_limit(pl_page pg);

/* The one integer a COUNT query st answers, into *n. */
int pl_view_count(sqlite3 *db, sqlite3_stmt *st, int64_t *n, pl_diag *d);

/* {"total": N, "next": OFF|null, key: items} (items taken); NULL when out of memory. */
json_t *pl_view_paged(const char *key, json_t *items, int64_t total, pl_page pg);

/*
 * A paged list: SELECT select FROM from ORDER BY order, with ?1 bound to party and ?2 to state when
 * given (from holds the WHERE that reads them), ?3 and ?4 the page; the rows under key with "total"
 * and "next" (pl_view_paged). PL_ENOMEM, PL_EDB.
 */
int pl_view_list(pl_index *x, const char *key, const char *select, const char *from, const char *order,
		 const char *party, const char *state, pl_page pg, json_t **out, pl_diag *d);

#endif
