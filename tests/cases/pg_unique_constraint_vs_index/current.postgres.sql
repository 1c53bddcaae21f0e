CREATE TABLE accounts (id int PRIMARY KEY, email varchar(100) NOT NULL CONSTRAINT accounts_email_key UNIQUE, login varchar(20) NOT NULL, code int NOT NULL CONSTRAINT accounts_code_key UNIQUE);
CREATE UNIQUE INDEX accounts_login_idx ON accounts (login);
