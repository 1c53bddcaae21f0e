CREATE TABLE "alembic_version" ("v" TEXT);
CREATE TABLE "tmp_scratch" ("x" INTEGER);
CREATE TABLE "old_stuff" ("x" INTEGER);
