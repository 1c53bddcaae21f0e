INSERT INTO posts (id, owner, created_at) VALUES (1, 7, '2024-01-01 10:00:00'), (2, 7, '2024-02-01 10:00:00');
