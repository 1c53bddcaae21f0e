INSERT INTO tickets (id, title) VALUES (1, 'one'), (7, 'seven');
