INSERT INTO people (id, nickname) VALUES (1, 'an'), (2, NULL);
