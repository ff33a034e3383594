-- The embedded store's schema. IF NOT EXISTS: data directories made before migrations existed
-- already hold these tables; Flyway baselines them at version 0 and this script leaves them alone.
CREATE TABLE IF NOT EXISTS revisions (
  revision BIGINT PRIMARY KEY,
  created_at TIMESTAMP NOT NULL,
  summary VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS resources (
  kind VARCHAR(32) NOT NULL,
  name VARCHAR(253) NOT NULL,
  body VARBINARY NOT NULL,
  revision BIGINT NOT NULL,
  PRIMARY KEY (kind, name)
);
CREATE TABLE IF NOT EXISTS resource_history (
  revision BIGINT NOT NULL,
  kind VARCHAR(32) NOT NULL,
  name VARCHAR(253) NOT NULL,
  body VARBINARY,
  PRIMARY KEY (kind, name, revision)
);
CREATE TABLE IF NOT EXISTS identity_tokens (
  id VARCHAR(32) PRIMARY KEY,
  identity VARCHAR(600) NOT NULL,
  token_sha256 VARCHAR(64) NOT NULL UNIQUE,
  created_at TIMESTAMP NOT NULL
);
