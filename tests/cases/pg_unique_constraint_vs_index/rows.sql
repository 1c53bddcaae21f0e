INSERT INTO accounts (id, email, login, code) VALUES (1, 'a@x', 'a', 1), (2, 'b@x', 'b', 2);
