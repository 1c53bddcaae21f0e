INSERT INTO keep (id) VALUES (1);
INSERT INTO `groups` (id) VALUES (1);
INSERT INTO group_members (group_id, member) VALUES (1, 1);
INSERT INTO audit (id, keep_id) VALUES (1, 1);
