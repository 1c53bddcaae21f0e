INSERT INTO items (id, title, price) VALUES (1, 'pen', 2), (2, 'lamp', 40), (3, 'cup', 8), (4, 'mug', -3);
