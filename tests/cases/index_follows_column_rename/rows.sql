INSERT INTO people (id, email, name) VALUES (1, 'a@x', 'ann'), (2, 'b@x', 'bob');
