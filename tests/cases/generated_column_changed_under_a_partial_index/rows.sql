INSERT INTO "order" (id, "order", "key") VALUES (1, TRUE, 3), (2, FALSE, -4);
