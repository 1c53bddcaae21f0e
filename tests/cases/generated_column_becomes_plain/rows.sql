INSERT INTO order_lines (id, price, qty) VALUES (1, 250, 2), (2, -40, 3);
