-- Emails are now normalised to Unicode NFC (before lower-casing) when typed: store the ones saved in
-- another form (NFD) as the server now spells them, so that login and registration find them.
-- A row whose NFC form another row also has (already or once normalised) is left as it is: they
-- are two accounts, and rewriting one would break the unique index; an admin merges them by hand.
UPDATE "users" SET "email" = normalize("email", NFC)
WHERE "email" <> normalize("email", NFC)
  AND NOT EXISTS (SELECT 1 FROM "users" AS "other" WHERE "other"."id" <> "users"."id"
    AND normalize("other"."email", NFC) = normalize("users"."email", NFC));
