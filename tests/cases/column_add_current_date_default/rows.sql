INSERT INTO events (id, title) VALUES (1, 'launch'), (2, 'review');
