CREATE TABLE users (id INT NOT NULL PRIMARY KEY, email VARCHAR(100) NOT NULL, active TINYINT(1) NOT NULL);
CREATE VIEW `ActiveUsers` AS SELECT u.id, u.email FROM users u WHERE u.active = 1;
