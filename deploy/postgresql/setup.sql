-- qingchu: PostgreSQL role and database (run once, as the postgres superuser).
--
--   sudo -u postgres psql -v ON_ERROR_STOP=1 -f /opt/qingchu/deploy/postgresql/setup.sql
--
-- psql asks for the new role's password (use the one in DATABASE_URL; `openssl rand -hex 24` makes one
-- that needs no escaping in a URL). Non-interactive: add -v password=SECRET.
-- Other names: -v role=NAME -v db=NAME (default: qingchu for both). Running it again only resets the
-- password; it never drops anything.
--
-- Then, in /etc/qingchu/qingchu.env:
--
--   DATABASE_URL=postgres://qingchu:SECRET@127.0.0.1:5432/qingchu
--
-- and create the tables with `qingchu migrate` (see README.md, "Production").
--
-- Client authentication (pg_hba.conf, /etc/postgresql/15/main/pg_hba.conf on Debian 12): the service
-- connects over TCP to 127.0.0.1 with a password, which Debian's default file already allows with
--
--   host    all    all    127.0.0.1/32    scram-sha-256
--
-- Keep that line (or narrow it to `host qingchu qingchu 127.0.0.1/32 scram-sha-256` above it) and never
-- use `trust` there. password_encryption is scram-sha-256 by default since PostgreSQL 14, so the password
-- set below is stored as a SCRAM verifier. After editing pg_hba.conf: systemctl reload postgresql.
-- PostgreSQL on another host: set listen_addresses in postgresql.conf, allow only the application
-- servers' addresses in pg_hba.conf (hostssl … scram-sha-256), and put that host in DATABASE_URL.

\set ON_ERROR_STOP on

\if :{?role}
\else
  \set role qingchu
\endif
\if :{?db}
\else
  \set db qingchu
\endif
\if :{?password}
\else
  \prompt 'Password for the PostgreSQL role (as in DATABASE_URL): ' password
\endif

SET password_encryption = 'scram-sha-256';

-- The role: may log in, owns its database, nothing more (no superuser, no CREATEDB, no CREATEROLE).
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN PASSWORD :'password';

-- The database: UTF8 (the case texts are Chinese), locale C.UTF-8 (present on every Debian system),
-- owned by the role, so `qingchu migrate` can create its tables in the public schema.
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L LOCALE %L TEMPLATE template0',
              :'db', :'role', 'UTF8', 'C.UTF-8')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec

-- Only the owner (and superusers) may connect.
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"role";

SELECT d.datname AS database, pg_get_userbyid(d.datdba) AS owner,
       pg_encoding_to_char(d.encoding) AS encoding, d.datcollate AS collation
  FROM pg_database d WHERE d.datname = :'db';
