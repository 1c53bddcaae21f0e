INSERT INTO users (id, email) VALUES (1, 'Ann@example.com'), (2, 'bob@example.com');
