INSERT INTO t (id, code) VALUES (1, 'same'), (2, 'same'), (3, 'other');
