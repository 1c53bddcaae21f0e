INSERT INTO posts (id) VALUES (1), (2);
