-- Create "fingerprints" table
CREATE TABLE `fingerprints` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `hash` integer NOT NULL, `question_id` uuid NOT NULL, `revision_id` uuid NOT NULL);
-- Create index "fingerprint_hash_question_id_revision_id" to table: "fingerprints"
CREATE INDEX `fingerprint_hash_question_id_revision_id` ON `fingerprints` (`hash`, `question_id`, `revision_id`);
-- Create index "fingerprint_revision_id_hash" to table: "fingerprints"
CREATE UNIQUE INDEX `fingerprint_revision_id_hash` ON `fingerprints` (`revision_id`, `hash`);
