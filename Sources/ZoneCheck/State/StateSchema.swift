import GRDB

/// The state database's tables, created and changed only through numbered migrations (GRDB's
/// `DatabaseMigrator` records which ran), so an older database is brought forward in place.
///
/// Times are seconds since 1970 (UTC) as REAL. Observations are kept as a change log (a row when a server's
/// serial or state for a zone changes), so a run over thousands of unchanged zones writes a few rows, not
/// thousands.
enum StateSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE run (
                        id INTEGER PRIMARY KEY,
                        started REAL NOT NULL,
                        finished REAL,
                        pid INTEGER NOT NULL,
                        host TEXT NOT NULL,
                        zones INTEGER NOT NULL DEFAULT 0,
                        deep INTEGER NOT NULL DEFAULT 0,
                        status INTEGER,
                        summary TEXT
                    );
                    CREATE INDEX run_started ON run(started);

                    -- What each server serves for each zone now, and since when (the last change).
                    CREATE TABLE serverState (
                        zone TEXT NOT NULL,
                        server TEXT NOT NULL,
                        serial INTEGER,
                        state TEXT NOT NULL,
                        since REAL NOT NULL,
                        PRIMARY KEY (zone, server)
                    ) WITHOUT ROWID;

                    -- The change log: one row when a server's serial or state for a zone changed.
                    CREATE TABLE observation (
                        id INTEGER PRIMARY KEY,
                        runId INTEGER NOT NULL,
                        time REAL NOT NULL,
                        zone TEXT NOT NULL,
                        server TEXT NOT NULL,
                        serial INTEGER,
                        state TEXT NOT NULL,
                        rttMs REAL,
                        detail TEXT
                    );
                    CREATE INDEX observation_zone ON observation(zone, time);
                    CREATE INDEX observation_time ON observation(time);

                    -- Per run and server: what the digest's server health is made of.
                    CREATE TABLE serverRun (
                        runId INTEGER NOT NULL,
                        time REAL NOT NULL,
                        server TEXT NOT NULL,
                        queries INTEGER NOT NULL,
                        answered INTEGER NOT NULL,
                        authFailures INTEGER NOT NULL,
                        rttMedianMs REAL,
                        lagging INTEGER NOT NULL,
                        status INTEGER NOT NULL,
                        PRIMARY KEY (runId, server)
                    );
                    CREATE INDEX serverRun_time ON serverRun(time);

                    -- Since when each (zone, server, problem) has been seen without a break.
                    CREATE TABLE problemStart (
                        zone TEXT NOT NULL,
                        server TEXT NOT NULL,
                        problem TEXT NOT NULL,
                        since REAL NOT NULL,
                        PRIMARY KEY (zone, server, problem)
                    ) WITHOUT ROWID;

                    CREATE TABLE incident (
                        id INTEGER PRIMARY KEY,
                        zone TEXT NOT NULL,
                        problem TEXT NOT NULL,
                        servers TEXT NOT NULL,
                        severity INTEGER NOT NULL,
                        detail TEXT NOT NULL,
                        openedAt REAL NOT NULL,
                        updatedAt REAL NOT NULL,
                        resolvedAt REAL,
                        cleanRuns INTEGER NOT NULL DEFAULT 0,
                        flapping INTEGER NOT NULL DEFAULT 0,
                        alertedSeverity INTEGER,
                        alertedServers TEXT NOT NULL DEFAULT '',
                        flapNotified INTEGER NOT NULL DEFAULT 0,
                        resolutionNotified INTEGER NOT NULL DEFAULT 0
                    );
                    -- One open incident per (zone, problem).
                    CREATE UNIQUE INDEX incident_open ON incident(zone, problem) WHERE resolvedAt IS NULL;
                    CREATE INDEX incident_zone ON incident(zone, openedAt);

                    -- Per (zone, problem): seen (1) or not (0) at each of the last runs, oldest first.
                    CREATE TABLE flapHistory (
                        zone TEXT NOT NULL,
                        problem TEXT NOT NULL,
                        bits TEXT NOT NULL,
                        PRIMARY KEY (zone, problem)
                    ) WITHOUT ROWID;

                    -- Written "started" before anything is sent, so a killed run's attempt still counts.
                    CREATE TABLE repairAttempt (
                        id INTEGER PRIMARY KEY,
                        runId INTEGER NOT NULL,
                        zone TEXT NOT NULL,
                        started REAL NOT NULL,
                        finished REAL,
                        status TEXT NOT NULL,
                        actions TEXT NOT NULL,
                        detail TEXT
                    );
                    CREATE INDEX repairAttempt_zone ON repairAttempt(zone, started);

                    CREATE TABLE alert (
                        id INTEGER PRIMARY KEY,
                        runId INTEGER,
                        time REAL NOT NULL,
                        kind TEXT NOT NULL,
                        incidents TEXT NOT NULL,
                        outcome TEXT NOT NULL,
                        detail TEXT
                    );
                    """)
        }
        migrator.registerMigration("v2-audit-head") { db in
            // The audit log's length and last line's hash when the last run finished: the hash chain cannot
            // see its own last line edited or the end cut off; this record can.
            try db.execute(
                sql: """
                    CREATE TABLE auditHead (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        lines INTEGER NOT NULL,
                        hash TEXT NOT NULL,
                        time REAL NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v3-deep-comparison") { db in
            // Per zone and server: the serial at the zone's last verified comparison (the deep check), and when
            // (the same time on every row of a zone; serial NULL: the server gave no verified one). `run` spreads
            // the deep check over its runs from this (`DeepSchedule`).
            try db.execute(
                sql: """
                    CREATE TABLE deepComparison (
                        zone TEXT NOT NULL,
                        server TEXT NOT NULL,
                        serial INTEGER,
                        time REAL NOT NULL,
                        PRIMARY KEY (zone, server)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v4-server-signatures") { db in
            // Per run and server: the earliest RRSIG(SOA) expiration it served (NULL: no signed zone) and the
            // instances (NSIDs) that answered, comma-separated, for the digest's server table.
            try db.execute(
                sql: """
                    ALTER TABLE serverRun ADD COLUMN signaturesEnd REAL;
                    ALTER TABLE serverRun ADD COLUMN instances TEXT;
                    """)
        }
        return migrator
    }
}
