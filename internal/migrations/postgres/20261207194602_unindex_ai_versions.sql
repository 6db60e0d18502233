-- AI versions are no longer indexed for the originality check: only answers delivered to clients are
DELETE FROM "fingerprints" WHERE "revision_id" IN (SELECT "id" FROM "answer_revisions" WHERE "kind" <> 'EXPERT');
