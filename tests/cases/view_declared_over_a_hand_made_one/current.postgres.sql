CREATE TABLE users (id INTEGER NOT NULL PRIMARY KEY, email VARCHAR(100) NOT NULL, active BOOLEAN NOT NULL);
CREATE VIEW "ActiveUsers" AS SELECT u.id, u.email FROM users u WHERE u.active = true;
