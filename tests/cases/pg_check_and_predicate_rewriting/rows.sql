INSERT INTO orders (id, status, qty, note) VALUES (1, 'new', 0, NULL), (2, 'sent', 5, 'x');
