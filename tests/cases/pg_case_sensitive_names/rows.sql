INSERT INTO "Users" ("Id", "Name") VALUES (1, 'Ada');
INSERT INTO users (id) VALUES (7);
