INSERT INTO stock (id, qty) VALUES (1, '12'), (2, 'many');
