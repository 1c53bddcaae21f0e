INSERT INTO authors (id, name, favourite_book_id) VALUES (1, 'ann', NULL);
INSERT INTO books (id, title, author_id) VALUES (10, 'first', 1), (11, 'second', 1);
UPDATE authors SET favourite_book_id = 11 WHERE id = 1;
