INSERT INTO posts (id, slug) VALUES (1, 'aaaaaaaaaaaaaaaaaaaa-1'), (2, 'aaaaaaaaaaaaaaaaaaaa-2'), (3, 'b');
