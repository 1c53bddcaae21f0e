INSERT INTO people (id, name, nickname) VALUES (1, 'ann', 'an'), (2, 'bob', 'bo');
