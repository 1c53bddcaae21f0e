CREATE TABLE "t" ("id" INTEGER PRIMARY KEY, "a" INTEGER NOT NULL, "b" INTEGER NOT NULL);
CREATE INDEX "ix_t_a" ON "t" ("a");
CREATE INDEX "old_index" ON "t" ("b");
CREATE UNIQUE INDEX "uq_t_b" ON "t" ("b");
