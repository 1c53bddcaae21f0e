INSERT INTO users (id, email, active) VALUES (1, 'ann@example.com', TRUE), (2, 'bob@example.com', FALSE), (3, 'cy@example.com', TRUE);
