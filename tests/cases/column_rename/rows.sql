INSERT INTO people (id, name, mail) VALUES (1, 'ann', 'a@x'), (2, 'bob', NULL);
