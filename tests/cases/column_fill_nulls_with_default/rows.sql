INSERT INTO jobs (id, state) VALUES (1, 'done'), (2, NULL);
