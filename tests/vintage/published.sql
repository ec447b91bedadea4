-- published.sql: for tests/vintage.test, after the A&E rows are imported as
-- `ae` (examples/data/nhs/ae_attendances.csv) and the dated trust-to-STP
-- links as `links` (trust_stp_2016_2019.csv), and the days to look at are
-- in `days(day)`.

-- The vintage feed of issue 12, item 1: every row published 42 days after
-- its month ends.
CREATE TABLE vintage AS
    SELECT period, org_code, type, attendances, breaches, admissions,
           date(period, '+1 month', '-1 day', '+42 days') AS published_on
    FROM ae;
CREATE INDEX vintage_org ON vintage (org_code, period, published_on);

-- The months of 2018/19 Q4, by their first days.
CREATE TABLE q4 (month);
INSERT INTO q4 VALUES ('2019-01-01'), ('2019-02-01'), ('2019-03-01');

-- Each footprint's members in each month of Q4, as known on each day: the
-- trusts linked to it on the month's first day (valid_from and valid_to
-- both included, empty open) that have a row published on or before the
-- day, of any month.
CREATE VIEW member AS
    SELECT DISTINCT day, STP_code, code, month
    FROM days, q4, links
    WHERE (valid_from = '' OR valid_from <= month) AND (valid_to = '' OR month <= valid_to)
      AND EXISTS (SELECT 1 FROM vintage v WHERE v.org_code = code AND v.published_on <= day);

-- A member's month of Q4 with no row published on or before the day.
CREATE VIEW unpublished AS
    SELECT * FROM member m
    WHERE NOT EXISTS (SELECT 1 FROM vintage v
                      WHERE v.org_code = m.code AND v.period = m.month AND v.published_on <= m.day);

-- The footprints whose Q4 is known on each day: every member has published
-- every month of it.
CREATE VIEW known AS
    SELECT day, STP_code FROM days, (SELECT DISTINCT STP_code FROM links)
    EXCEPT SELECT day, STP_code FROM unpublished;

-- The A&E rows, with their publication day and the footprint of their trust
-- on their month's first day.
CREATE VIEW dated AS
    SELECT vintage.*, STP_code FROM vintage JOIN links ON links.code = org_code
        AND (valid_from = '' OR valid_from <= period) AND (valid_to = '' OR period <= valid_to);

-- Each footprint's breaches and attendances over Q4, from all its rows.
CREATE VIEW q4_sums AS
    SELECT STP_code, sum(CAST(breaches AS INTEGER)) AS breaches,
           sum(CAST(attendances AS INTEGER)) AS attendances
    FROM dated WHERE period IN (SELECT month FROM q4)
    GROUP BY STP_code;
