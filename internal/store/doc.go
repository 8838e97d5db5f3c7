// Package store holds all of Piazza's SQL, for SQLite and PostgreSQL.
//
// SQL is written once with ? placeholders in the subset both databases share;
// dialect.go is the only place that knows one database from the other. Every method
// that reads or writes a tenant's rows takes the tenant id as an explicit argument
// and puts it in the WHERE clause, so a query can never return another tenant's rows.
//
// Transactions ride in the context: Atomic starts one (or joins the one already in
// ctx), and every method called with that context runs inside it. Domain services use
// this to make an action and its audit entry one atomic write.
package store
