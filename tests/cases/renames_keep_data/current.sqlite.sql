CREATE TABLE "members" ("id" INTEGER PRIMARY KEY, "kind" VARCHAR(20) NOT NULL);
CREATE INDEX "ix_members_kind" ON "members" ("kind");
