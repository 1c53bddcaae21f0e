INSERT INTO users (id, role) VALUES (1, 'admin'), (2, 'guest'), (3, 'guest');
