INSERT INTO t (id, a, b, c) VALUES (1, 1, 1, 'x'), (2, 1, 2, 'y');
