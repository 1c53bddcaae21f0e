INSERT INTO stock (id, qty, price) VALUES (1, '12', '3.50'), (2, ' 7 ', NULL);
INSERT INTO stock (id) VALUES (3);
