CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100) NOT NULL, active BOOLEAN NOT NULL);
CREATE VIEW "ActiveUsers" AS SELECT u.id, u.email FROM users u WHERE u.active = 1;
