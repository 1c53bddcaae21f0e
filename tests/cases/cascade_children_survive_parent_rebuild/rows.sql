INSERT INTO users VALUES (1, 'a'), (2, 'b');
INSERT INTO items VALUES (10, 1), (11, 2), (12, 1);
