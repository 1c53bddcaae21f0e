INSERT INTO members (tenant, member) VALUES (1, 7), (2, 7);
INSERT INTO logs (id, line) VALUES (1, 'a'), (2, 'b');
