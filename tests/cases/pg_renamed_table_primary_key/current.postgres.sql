CREATE TABLE old_members (tenant int NOT NULL, member int NOT NULL, PRIMARY KEY (member));
ALTER TABLE old_members RENAME TO members;
CREATE TABLE a_table_with_a_rather_long_name_that_reaches_the_limit_of_pg (a int NOT NULL, b int NOT NULL, PRIMARY KEY (a));
