INSERT INTO words (id, word) VALUES (1, 'b'), (2, 'B'), (3, 'a');
