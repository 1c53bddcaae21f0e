INSERT INTO members VALUES (1, 'admin'), (2, 'guest');
