INSERT INTO notes (id, body, tag) VALUES (1, 'first', 'a'), (2, 'second', NULL);
