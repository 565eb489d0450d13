package postgres

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/server/store/sqlite"
)

// pgOnly are the PostgreSQL tables with no SQLite counterpart.
var pgOnly = map[string]bool{"retry_lane": true}

// stricter are the columns that are NOT NULL here and nullable on SQLite
// (where a column added later could only be nullable).
var stricter = map[string]bool{"sessions.id": true}

// The engines keep one schema: the same tables and columns, of matching
// types and nullability, and the same migration versions from the
// PostgreSQL baseline on, so that a database moves between them row for
// row and a migration written for one is written for the other with the
// same number.
func TestSchemaMatchesSQLite(t *testing.T) {
	// Migration versions.
	sqliteFiles, err := filepath.Glob("../sqlite/migrations/*.sql")
	if err != nil || len(sqliteFiles) == 0 {
		t.Fatalf("SQLite migrations: %v", err)
	}
	pgFiles, _ := migrationFiles(migrations)
	baseline := pgFiles[0].version
	var want, got []int
	for _, f := range sqliteFiles {
		v, err := strconv.Atoi(strings.SplitN(filepath.Base(f), "_", 2)[0])
		if err != nil {
			t.Fatal(err)
		}
		if v >= baseline {
			want = append(want, v)
		}
	}
	for _, m := range pgFiles {
		got = append(got, m.version)
	}
	if fmt.Sprint(want) != fmt.Sprint(got) {
		t.Errorf("migration versions: PostgreSQL has %v, SQLite %v (from %d on)", got, want, baseline)
	}

	// Columns.
	path := filepath.Join(t.TempDir(), "schema.db")
	ss, err := sqlite.Open(path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ss.Close()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lite := map[string]string{}
	rows, err := db.Query(`SELECT m.name, p.name, p.type, p."notnull" OR p.pk > 0
		FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, col, typ string
		var notNull bool
		if err := rows.Scan(&table, &col, &typ, &notNull); err != nil {
			t.Fatal(err)
		}
		if stricter[table+"."+col] {
			notNull = true
		}
		lite[table+"."+col] = fmt.Sprintf("%s %v", map[string]string{"INTEGER": "integer", "TEXT": "text", "BLOB": "bytea"}[typ], notNull)
	}
	rows.Close()

	s, _ := openTest(t, Options{})
	pg := map[string]string{}
	prows, err := s.pool.Query(ctx, `SELECT table_name, column_name, data_type, is_nullable = 'NO'
		FROM information_schema.columns WHERE table_schema = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	for prows.Next() {
		var table, col, typ string
		var notNull bool
		if err := prows.Scan(&table, &col, &typ, &notNull); err != nil {
			t.Fatal(err)
		}
		if typ == "bigint" {
			typ = "integer" // SQLite's INTEGER holds 64 bits
		}
		pg[table+"."+col] = fmt.Sprintf("%s %v", typ, notNull)
	}
	prows.Close()
	for table := range pgOnly {
		var exists bool
		if err := s.pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&exists); err != nil || !exists {
			t.Errorf("PostgreSQL-only table %s missing (%v)", table, err)
		}
	}
	var diffs []string
	for k, v := range lite {
		if pg[k] != v {
			diffs = append(diffs, fmt.Sprintf("%s: SQLite %q, PostgreSQL %q", k, v, pg[k]))
		}
	}
	for k, v := range pg {
		if _, ok := lite[k]; !ok && !pgOnly[strings.SplitN(k, ".", 2)[0]] {
			diffs = append(diffs, fmt.Sprintf("%s: only on PostgreSQL (%s)", k, v))
		}
	}
	sort.Strings(diffs)
	for _, d := range diffs {
		t.Error(d)
	}
	if len(lite) < 50 {
		t.Fatalf("only %d SQLite columns read", len(lite))
	}
}
