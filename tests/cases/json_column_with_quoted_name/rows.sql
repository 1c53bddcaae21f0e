INSERT INTO contacts (id) VALUES (1), (2);
