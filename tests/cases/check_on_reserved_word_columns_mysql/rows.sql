INSERT INTO orders (id, `order`, `key`, `index`) VALUES (1, 5, 'a', -3), (2, -100, 'bb', 100);
