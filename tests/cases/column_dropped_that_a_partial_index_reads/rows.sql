INSERT INTO items (id, title, archived) VALUES (1, 'kept', FALSE), (2, 'old', TRUE);
