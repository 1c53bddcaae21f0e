INSERT INTO t (id, code, sku) VALUES (1, 'a', 's1'), (2, 'b', 's1x');
