/*
 * The audit log in the store: append-only rows, each carrying the SHA-256 of the previous
 * entry so that editing, deleting or reordering one is detected by a walk over the chain.
 */
#include "store_int.h"

const char vg_store_audit_schema[] =
    "CREATE TABLE audit ("
    " seq INTEGER PRIMARY KEY,"
    " ts_ms INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " remote TEXT,"
    " action TEXT NOT NULL,"
    " target TEXT,"
    " detail TEXT,"
    " prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL);";
