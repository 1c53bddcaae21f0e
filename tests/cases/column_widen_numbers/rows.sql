INSERT INTO counters (id, small, medium, big, price) VALUES (1, 32000, 2000000000, -32000, 123.45);
