INSERT INTO notes (id, mood, kind) VALUES (1, 'sad', 'memo'), (2, NULL, 'todo');
