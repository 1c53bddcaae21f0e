INSERT INTO members (tenant, member) VALUES (1, 1), (1, 2);
INSERT INTO a_table_with_a_rather_long_name_that_reaches_the_limit_of_pg (a, b) VALUES (1, 2);
