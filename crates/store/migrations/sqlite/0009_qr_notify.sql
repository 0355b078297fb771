-- PostgreSQL announces QR request changes to the other replicas with a trigger (0009 there);
-- SQLite serves one process, whose platform wakes its own waiting pages. Nothing to do here:
-- the migration keeps both backends' numbering in step.
SELECT 1;
