INSERT INTO users (id, email, name) VALUES (1, 'A@x.org', 'Ann'), (2, 'b@x.org', 'Bo');
