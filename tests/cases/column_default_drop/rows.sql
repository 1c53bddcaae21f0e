INSERT INTO jobs (id, state, tries) VALUES (1, 'done', 3);
