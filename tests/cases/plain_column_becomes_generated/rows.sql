INSERT INTO order_lines (id, price, qty, total) VALUES (1, 250, 2, 7), (2, -40, 3, NULL);
