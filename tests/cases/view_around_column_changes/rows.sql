INSERT INTO posts (id, title, body, draft) VALUES (1, 'Hello', 'first', FALSE), (2, 'Draft', NULL, TRUE), (3, 'Ünïcode ✓', 'x', FALSE);
