INSERT INTO `order` (id) VALUES (1), (2);
