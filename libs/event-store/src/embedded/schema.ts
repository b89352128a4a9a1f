import type { Database } from 'better-sqlite3';

/** Bumped with every change to the DDL below; stored in `PRAGMA user_version`. */
export const SCHEMA_VERSION = 1;

/*
 * `position` is the rowid: SQLite assigns max(rowid) + 1, and because every write holds the single write lock from
 * BEGIN IMMEDIATE to COMMIT, positions become visible in commit order. Readers therefore always see a gap-free
 * prefix of the log, which is what lets subscriptions page with `position > cursor` without skipping anything.
 * Rows are never deleted, so positions are never reused.
 */
const DDL_V1 = `
  CREATE TABLE events (
    position    INTEGER PRIMARY KEY,
    event_id    TEXT    NOT NULL UNIQUE,
    stream_name TEXT    NOT NULL,
    revision    INTEGER NOT NULL CHECK (revision >= 0),
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    UNIQUE (stream_name, revision)
  ) STRICT;
`;

/**
 * Creates or checks the schema. Runs under BEGIN IMMEDIATE so that two processes opening a fresh file at the same
 * moment do not both try to create it (the second waits on the busy timeout, then finds version 1).
 */
export function migrate(db: Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `Event store schema version ${version} is newer than this build understands (${SCHEMA_VERSION}); ` +
          'upgrade the application instead of opening the file with an older one',
      );
    }
    if (version < 1) {
      db.exec(DDL_V1);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
  }).immediate();
}
