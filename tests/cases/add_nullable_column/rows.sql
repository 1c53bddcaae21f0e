INSERT INTO users VALUES (1, 'a@x', 'ann'), (2, 'b@x', NULL);
