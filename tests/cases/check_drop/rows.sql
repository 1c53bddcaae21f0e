INSERT INTO stock (id, qty) VALUES (1, 0), (2, 5);
