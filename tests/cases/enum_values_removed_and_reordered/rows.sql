INSERT INTO posts (id, status, previous) VALUES (1, 'draft', NULL), (2, 'published', 'draft');
