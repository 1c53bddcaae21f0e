INSERT INTO owners (id, name) VALUES (1, 'ann');
