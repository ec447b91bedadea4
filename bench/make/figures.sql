-- bench/make/figures.sql: the four figures of bench/make/round.pledge for
-- every system, in SQL that both DuckDB (duckdb.mjs) and sqlite3 (sqlite.sh)
-- run, over a table or view `ae` (period as text 'YYYY-MM-DD', org_code,
-- type, attendances, breaches, admissions) and `lookup` (code, STP_code).
-- One pass sums each system's rows per month, type 1 apart; the windows then
-- add up months. A value is NULL (printed empty) where the sum of attendances
-- is missing or zero, as Pledge's is then null. Output: system,item,value,
-- the value with 15 significant digits, ordered by system and item.
WITH m AS (
    SELECT l.STP_code AS system, ae.period AS period,
           sum(ae.attendances) AS a, sum(ae.breaches) AS b,
           sum(CASE WHEN ae.type = '1' THEN ae.attendances END) AS a1,
           sum(CASE WHEN ae.type = '1' THEN ae.breaches END) AS b1
    FROM ae JOIN lookup l ON l.code = ae.org_code
    GROUP BY l.STP_code, ae.period
), w(item, lo, hi, type1) AS (VALUES
    ('ae_all',     '2016-04-01', '2028-03-31', 0),
    ('t1_all',     '2016-04-01', '2028-03-31', 1),
    ('ae_2425',    '2024-04-01', '2025-03-31', 0),
    ('t1_2425_q4', '2025-01-01', '2025-03-31', 1)
), s AS (
    SELECT m.system, w.item,
           sum(CASE WHEN w.type1 = 1 THEN m.b1 ELSE m.b END) AS b,
           sum(CASE WHEN w.type1 = 1 THEN m.a1 ELSE m.a END) AS a
    FROM m JOIN w ON m.period BETWEEN w.lo AND w.hi
    GROUP BY m.system, w.item
), systems AS (
    SELECT DISTINCT STP_code AS system FROM lookup
)
SELECT y.system, w.item,
       CASE WHEN s.a IS NULL OR s.a = 0 THEN ''
            ELSE printf('%.15g', 1.0 - CAST(s.b AS DOUBLE) / s.a) END AS value
FROM systems y CROSS JOIN w
LEFT JOIN s ON s.system = y.system AND s.item = w.item
ORDER BY y.system, w.item;
