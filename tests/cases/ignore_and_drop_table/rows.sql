INSERT INTO alembic_version VALUES ('abc');
