INSERT INTO codes (id, code) VALUES (1, NULL), (2, NULL), (3, 7);
