INSERT INTO people (id, name, legacy) VALUES (1, 'ann', 'x'), (2, 'bob', NULL);
