INSERT INTO posts (id, title) VALUES (1, 'first'), (2, 'second');
