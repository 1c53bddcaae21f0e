INSERT INTO nodes (id, code, parent_code) VALUES (1, 10, NULL), (2, 20, 10), (3, 30, 20);
