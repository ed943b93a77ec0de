/*
 * API tokens in the store: one row per token, holding its public id, name, scopes, optional
 * model, and a salted hash of the secret (never the secret itself). The hashing and the
 * constant-time comparison live in src/serve/auth.c; this file only keeps the rows.
 */
#include "store_int.h"

const char vg_store_tokens_schema[] =
    "CREATE TABLE tokens ("
    " id TEXT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " salt BLOB NOT NULL,"
    " hash BLOB NOT NULL,"
    " scopes INTEGER NOT NULL,"
    " model TEXT,"
    " created_ms INTEGER NOT NULL,"
    " created_by TEXT,"
    " expires_ms INTEGER,"
    " revoked_ms INTEGER);";
