INSERT INTO t (id) VALUES (1);
INSERT INTO tmp_one (x) VALUES (1);
INSERT INTO legacy_log (line) VALUES ('kept');
