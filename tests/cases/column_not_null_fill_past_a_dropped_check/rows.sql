INSERT INTO readings (id, value) VALUES (1, 3.5);
INSERT INTO readings (id) VALUES (2);
INSERT INTO readings (id, value) VALUES (3, NULL);
