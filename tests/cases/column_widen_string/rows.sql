INSERT INTO codes (id, code, note) VALUES (1, 'abcdefghij', 'short'), (2, 'x', NULL);
