INSERT INTO t (id, a, b) VALUES (1, 1, NULL), (2, -1, 5);
