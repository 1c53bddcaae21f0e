CREATE TABLE "Users" ("Id" int PRIMARY KEY, "Name" text NOT NULL);
CREATE TABLE users (id int PRIMARY KEY);
