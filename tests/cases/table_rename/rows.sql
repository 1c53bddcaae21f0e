INSERT INTO members (id, role) VALUES (1, 'admin'), (2, 'guest');
INSERT INTO notes (id, member_id) VALUES (10, 2);
