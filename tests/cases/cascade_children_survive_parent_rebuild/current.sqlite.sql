CREATE TABLE "users" ("id" INTEGER PRIMARY KEY, "email" VARCHAR(20) NOT NULL);
CREATE TABLE "items" ("id" INTEGER PRIMARY KEY, "owner_id" INTEGER,
  CONSTRAINT "fk_items_owner_id_users" FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON DELETE CASCADE);
