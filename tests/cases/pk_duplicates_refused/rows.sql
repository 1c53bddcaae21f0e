INSERT INTO logs (id, line) VALUES (1, 'a'), (1, 'b');
