INSERT INTO parent (id) VALUES (1), (2);
INSERT INTO child (id, parent_id) VALUES (10, 1), (11, 2), (12, NULL);
