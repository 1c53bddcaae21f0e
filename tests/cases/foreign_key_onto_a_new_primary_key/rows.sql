INSERT INTO parents (code, name) VALUES (1, 'one'), (2, 'two');
