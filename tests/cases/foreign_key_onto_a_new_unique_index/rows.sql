INSERT INTO stock (id, sku) VALUES (1, 10), (2, 20);
