INSERT INTO posts (id, title, code, body) VALUES (1, 'Hello', 'a-1', 'first post'), (2, 'Ünïcode ✓', 'b-2', 'second');
