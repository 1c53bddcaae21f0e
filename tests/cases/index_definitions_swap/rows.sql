INSERT INTO t (id, a, b) VALUES (1, 10, 20), (2, 11, 21);
