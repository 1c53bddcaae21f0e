INSERT INTO u (id, a) VALUES (1, 1), (2, 3); INSERT INTO t (id, b) VALUES (1, 2), (2, 4);
