INSERT INTO slots (id, day) VALUES (1, NULL), (2, NULL), (3, '2024-05-01');
