package copydb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	_ "github.com/mattn/go-sqlite3" // the source's driver

	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/server/store/postgres"
	"github.com/twofold-auth/twofold/server/store/sqlite"
)

// Errors.
var (
	ErrTargetNotEmpty = errors.New("copydb: the PostgreSQL database already holds Twofold data; migrate into an empty database")
	ErrSchema         = errors.New("copydb: the two databases' tables differ")
	ErrVerify         = errors.New("copydb: verification failed")
)

// Table is what was copied of one table.
type Table struct {
	Name string
	Rows int
}

// internal are the tables that are not data: the migrations' own record,
// and PostgreSQL's rerun lane.
var internal = map[string]bool{"schema_migrations": true, "retry_lane": true}

// Copy copies the SQLite database at sqlitePath into the PostgreSQL
// database at pgURL, verifies it and commits; it returns the tables in the
// order they were copied. Nothing is written to PostgreSQL beyond its
// migrations unless every row verifies. Stop the server first: rows it
// writes to SQLite meanwhile would not be copied.
func Copy(ctx context.Context, sqlitePath, pgURL string) ([]Table, error) {
	if _, err := os.Stat(sqlitePath); err != nil {
		return nil, fmt.Errorf("copydb: source: %w", err)
	}
	// Each engine brings its database to this binary's schema.
	src, err := sqlite.Open(sqlitePath, sqlite.Options{})
	if err != nil {
		return nil, err
	}
	src.Close()
	dst, err := postgres.Open(ctx, pgURL, postgres.Options{})
	if err != nil {
		return nil, err
	}
	dst.Close()

	lite, err := sql.Open("sqlite3", "file:"+sqlitePath+"?mode=ro&_foreign_keys=on")
	if err != nil {
		return nil, err
	}
	defer lite.Close()
	ltx, err := lite.BeginTx(ctx, nil) // one snapshot of every table
	if err != nil {
		return nil, err
	}
	defer ltx.Rollback()
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return nil, fmt.Errorf("copydb: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var out []Table
	err = pgx.BeginFunc(ctx, conn, func(ptx pgx.Tx) error {
		out, err = copyAll(ctx, ltx, ptx)
		return err
	})
	return out, err
}

// copyAll copies, checks and verifies every table inside ptx.
func copyAll(ctx context.Context, ltx *sql.Tx, ptx pgx.Tx) ([]Table, error) {
	tables, err := orderedTables(ctx, ptx)
	if err != nil {
		return nil, err
	}
	if err := sameTables(ctx, ltx, tables); err != nil {
		return nil, err
	}
	if _, err := ptx.Exec(ctx, "LOCK TABLE "+identList(tables)+" IN ACCESS EXCLUSIVE MODE"); err != nil {
		return nil, fmt.Errorf("copydb: lock: %w", err)
	}
	if err := checkEmpty(ctx, ptx, tables); err != nil {
		return nil, err
	}
	// The migrations' default organisation makes way for the source's.
	if _, err := ptx.Exec(ctx, `DELETE FROM organisations`); err != nil {
		return nil, fmt.Errorf("copydb: %w", err)
	}
	out := make([]Table, 0, len(tables))
	for _, t := range tables {
		cols, err := columns(ctx, ptx, t)
		if err != nil {
			return nil, err
		}
		n, err := copyTable(ctx, ltx, ptx, t, cols)
		if err != nil {
			return nil, err
		}
		if err := verifyTable(ctx, ltx, ptx, t, cols); err != nil {
			return nil, err
		}
		out = append(out, Table{Name: t, Rows: n})
	}
	return out, advanceSequences(ctx, ptx, tables)
}

// orderedTables lists PostgreSQL's data tables, every table after those
// its foreign keys reference.
func orderedTables(ctx context.Context, ptx pgx.Tx) ([]string, error) {
	rows, err := ptx.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		return nil, fmt.Errorf("copydb: tables: %w", err)
	}
	all, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("copydb: tables: %w", err)
	}
	rows, err = ptx.Query(ctx, `SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
		WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace`)
	if err != nil {
		return nil, fmt.Errorf("copydb: foreign keys: %w", err)
	}
	parents := map[string][]string{}
	for rows.Next() {
		var child, parent string
		if err := rows.Scan(&child, &parent); err != nil {
			rows.Close()
			return nil, err
		}
		parents[child] = append(parents[child], parent)
	}
	rows.Close()
	var order []string
	placed := map[string]bool{}
	var place func(t string, depth int) error
	place = func(t string, depth int) error {
		if placed[t] {
			return nil
		}
		if depth > len(all) {
			return fmt.Errorf("%w: foreign keys form a cycle at %s", ErrSchema, t)
		}
		for _, p := range parents[t] {
			if p != t {
				if err := place(p, depth+1); err != nil {
					return err
				}
			}
		}
		placed[t] = true
		if !internal[t] {
			order = append(order, t)
		}
		return nil
	}
	for _, t := range all {
		if err := place(t, 0); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// sameTables checks that SQLite has the same data tables.
func sameTables(ctx context.Context, ltx *sql.Tx, tables []string) error {
	rows, err := ltx.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return fmt.Errorf("copydb: SQLite tables: %w", err)
	}
	defer rows.Close()
	var lite []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		if !internal[name] {
			lite = append(lite, name)
		}
	}
	pg := slices.Sorted(slices.Values(tables))
	if !slices.Equal(lite, pg) {
		return fmt.Errorf("%w: SQLite has %v, PostgreSQL %v", ErrSchema, lite, pg)
	}
	return rows.Err()
}

// checkEmpty refuses a target with any row its migrations did not put
// there.
func checkEmpty(ctx context.Context, ptx pgx.Tx, tables []string) error {
	for _, t := range tables {
		q := "SELECT COUNT(*) FROM " + pgx.Identifier{t}.Sanitize()
		if t == "organisations" {
			q += " WHERE id <> '" + store.DefaultOrgID + "'"
		}
		var n int
		if err := ptx.QueryRow(ctx, q).Scan(&n); err != nil {
			return fmt.Errorf("copydb: %s: %w", t, err)
		}
		if n > 0 {
			return fmt.Errorf("%w (%s has %d rows)", ErrTargetNotEmpty, t, n)
		}
	}
	return nil
}

// column is one of a table's columns and its PostgreSQL type.
type column struct{ name, typ string }

func columns(ctx context.Context, ptx pgx.Tx, table string) ([]column, error) {
	rows, err := ptx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, fmt.Errorf("copydb: %s: %w", table, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (column, error) {
		var c column
		return c, r.Scan(&c.name, &c.typ)
	})
}

func identList(tables []string) string {
	q := make([]string, len(tables))
	for i, t := range tables {
		q[i] = pgx.Identifier{t}.Sanitize()
	}
	return strings.Join(q, ", ")
}

// selectFrom is the query reading cols of table (both dialects quote
// identifiers alike).
func selectFrom(table string, cols []column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = pgx.Identifier{c.name}.Sanitize()
	}
	return "SELECT " + strings.Join(names, ", ") + " FROM " + pgx.Identifier{table}.Sanitize()
}

// liteRows reads every row of table from SQLite, each value converted to
// what PostgreSQL's column holds, and hands each row to fn.
func liteRows(ctx context.Context, ltx *sql.Tx, table string, cols []column, fn func([]any) error) error {
	rows, err := ltx.QueryContext(ctx, selectFrom(table, cols))
	if err != nil {
		return fmt.Errorf("copydb: SQLite %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("copydb: SQLite %s: %w", table, err)
		}
		for i, c := range cols {
			if vals[i], err = convert(c.typ, vals[i]); err != nil {
				return fmt.Errorf("copydb: %s.%s: %w", table, c.name, err)
			}
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// convert turns a SQLite value into one for a PostgreSQL column of type
// typ: integers for integer and bigint, text for text, bytes for bytea.
func convert(typ string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case "integer", "bigint", "smallint":
		if n, ok := v.(int64); ok {
			return n, nil
		}
	case "text":
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			if utf8.Valid(x) {
				return string(x), nil
			}
		}
	case "bytea":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	}
	return nil, fmt.Errorf("a %T value does not fit a %s column", v, typ)
}

// copyBatch is how many rows one COPY carries.
const copyBatch = 10000

// copyTable copies a table's rows with COPY, a batch at a time.
func copyTable(ctx context.Context, ltx *sql.Tx, ptx pgx.Tx, table string, cols []column) (int, error) {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	var batch [][]any
	total := 0
	flush := func() error {
		n, err := ptx.CopyFrom(ctx, pgx.Identifier{table}, names, pgx.CopyFromRows(batch))
		if err != nil {
			return fmt.Errorf("copydb: copying %s: %w", table, err)
		}
		total += int(n)
		batch = batch[:0]
		return nil
	}
	err := liteRows(ctx, ltx, table, cols, func(r []any) error {
		if batch = append(batch, r); len(batch) == copyBatch {
			return flush()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	return total, err
}

// verifyTable compares the table in both databases: its number of rows and
// the multiset of its rows' digests.
func verifyTable(ctx context.Context, ltx *sql.Tx, ptx pgx.Tx, table string, cols []column) error {
	var want, got [][32]byte
	if err := liteRows(ctx, ltx, table, cols, func(r []any) error { want = append(want, digest(r)); return nil }); err != nil {
		return err
	}
	rows, err := ptx.Query(ctx, selectFrom(table, cols))
	if err != nil {
		return fmt.Errorf("copydb: %s: %w", table, err)
	}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			rows.Close()
			return fmt.Errorf("copydb: %s: %w", table, err)
		}
		got = append(got, digest(vals))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("copydb: %s: %w", table, err)
	}
	if len(want) != len(got) {
		return fmt.Errorf("%w: %s has %d rows in SQLite and %d in PostgreSQL", ErrVerify, table, len(want), len(got))
	}
	less := func(a, b [32]byte) int { return slices.Compare(a[:], b[:]) }
	slices.SortFunc(want, less)
	slices.SortFunc(got, less)
	differ := 0
	for i := range want {
		if want[i] != got[i] {
			differ++
		}
	}
	if differ > 0 {
		return fmt.Errorf("%w: %s: %d of %d rows differ", ErrVerify, table, differ, len(want))
	}
	return nil
}

// digest is a row's SHA-256 over each value's kind and bytes: integers of
// any width as one kind, text and bytes as two others, NULL as a fourth.
func digest(row []any) [32]byte {
	h := sha256.New()
	var b [9]byte
	for _, v := range row {
		var kind byte
		var data []byte
		switch x := v.(type) {
		case nil:
			kind = 'n'
		case int64:
			kind, data = 'i', binary.BigEndian.AppendUint64(nil, uint64(x))
		case int32:
			kind, data = 'i', binary.BigEndian.AppendUint64(nil, uint64(int64(x)))
		case int16:
			kind, data = 'i', binary.BigEndian.AppendUint64(nil, uint64(int64(x)))
		case string:
			kind, data = 't', []byte(x)
		case []byte:
			kind, data = 'b', x
		default:
			kind, data = '?', fmt.Appendf(nil, "%T %v", x, x)
		}
		b[0] = kind
		binary.BigEndian.PutUint64(b[1:], uint64(len(data)))
		h.Write(b[:])
		h.Write(data)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// advanceSequences moves every identity or serial sequence past its
// column's highest value, so the next insert gets a new id.
func advanceSequences(ctx context.Context, ptx pgx.Tx, tables []string) error {
	for _, t := range tables {
		rows, err := ptx.Query(ctx, `SELECT column_name, pg_get_serial_sequence($1, column_name) FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $2 AND pg_get_serial_sequence($1, column_name) IS NOT NULL`,
			pgx.Identifier{t}.Sanitize(), t)
		if err != nil {
			return fmt.Errorf("copydb: sequences of %s: %w", t, err)
		}
		type seq struct{ col, name string }
		seqs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (seq, error) {
			var s seq
			return s, r.Scan(&s.col, &s.name)
		})
		if err != nil {
			return fmt.Errorf("copydb: sequences of %s: %w", t, err)
		}
		for _, s := range seqs {
			q := fmt.Sprintf("SELECT setval($1, COALESCE(MAX(%s), 0) + 1, false) FROM %s", pgx.Identifier{s.col}.Sanitize(), pgx.Identifier{t}.Sanitize())
			if _, err := ptx.Exec(ctx, q, s.name); err != nil {
				return fmt.Errorf("copydb: sequence %s: %w", s.name, err)
			}
		}
	}
	return nil
}
