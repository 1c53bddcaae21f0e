INSERT INTO stock (id, qty, price, label) VALUES (1, 0, 5, 'a'), (2, 7, 3, 'it''s');
