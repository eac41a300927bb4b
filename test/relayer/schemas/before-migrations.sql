-- The relayer database schema as created by main at commit 3e655e9, before versioned migrations:
-- the three SCHEMA constants verbatim (src/relayer/store/sqlStore.ts, src/relayer/approvals/store.ts,
-- src/relayer/notify/store.ts). Valid DDL for both SQLite and PostgreSQL. Never edit: it is what old databases hold.

-- src/relayer/store/sqlStore.ts
CREATE TABLE IF NOT EXISTS user_ops (
  hash TEXT PRIMARY KEY,
  entry_point TEXT NOT NULL,
  sender TEXT NOT NULL,
  nonce TEXT NOT NULL,
  op_json TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  revert_json TEXT,
  needs_simulation INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  api_key_id TEXT,
  received_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  included_at BIGINT,
  lease_owner TEXT,
  lease_expires_at BIGINT,
  bundle_signer TEXT,
  bundle_nonce BIGINT,
  tx_hash TEXT,
  success INTEGER,
  actual_gas_cost TEXT,
  actual_gas_used TEXT,
  block_number BIGINT,
  block_hash TEXT
);
CREATE INDEX IF NOT EXISTS user_ops_queue ON user_ops (status, received_at);
CREATE INDEX IF NOT EXISTS user_ops_bundle ON user_ops (bundle_signer, bundle_nonce);
CREATE UNIQUE INDEX IF NOT EXISTS user_ops_open_sender_nonce ON user_ops (sender, nonce)
  WHERE status IN ('received', 'submitted');
CREATE TABLE IF NOT EXISTS transactions (
  hash TEXT PRIMARY KEY,
  signer TEXT NOT NULL,
  nonce BIGINT NOT NULL,
  raw TEXT NOT NULL,
  max_fee_per_gas TEXT NOT NULL,
  max_priority_fee_per_gas TEXT NOT NULL,
  gas_limit TEXT NOT NULL,
  status TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  sent_block BIGINT,
  receipt_json TEXT,
  op_count INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS transactions_signer_status ON transactions (signer, status, nonce);
CREATE TABLE IF NOT EXISTS signer_nonces (
  signer TEXT PRIMARY KEY,
  next_nonce BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  key_hash TEXT NOT NULL,
  label TEXT NOT NULL,
  sender TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  revoked_at BIGINT,
  rotated_at BIGINT
);
CREATE TABLE IF NOT EXISTS audit_log (
  seq BIGINT PRIMARY KEY,
  at BIGINT NOT NULL,
  event TEXT NOT NULL,
  op_hash TEXT,
  sender TEXT,
  detail_json TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);

-- src/relayer/approvals/store.ts
CREATE TABLE IF NOT EXISTS owner_approvals (
  wallet TEXT NOT NULL,
  proposal_id TEXT NOT NULL,
  owner TEXT NOT NULL,
  deadline TEXT NOT NULL,
  signature TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  withdrawn_at BIGINT,
  PRIMARY KEY (wallet, proposal_id, owner)
);
CREATE TABLE IF NOT EXISTS proposal_actions (
  wallet TEXT NOT NULL,
  proposal_id TEXT NOT NULL,
  action TEXT NOT NULL,
  status TEXT NOT NULL,
  tx_hash TEXT,
  reason TEXT,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (wallet, proposal_id, action)
);

-- src/relayer/notify/store.ts
CREATE TABLE IF NOT EXISTS webhook_endpoints (
  id TEXT PRIMARY KEY,
  wallet TEXT NOT NULL,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  removed_at BIGINT
);
CREATE TABLE IF NOT EXISTS notify_events (
  id TEXT PRIMARY KEY,
  wallet TEXT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  event_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_at BIGINT NOT NULL,
  last_error TEXT,
  delivered_at BIGINT,
  PRIMARY KEY (event_id, endpoint_id)
);
CREATE TABLE IF NOT EXISTS notify_cursor (
  name TEXT PRIMARY KEY,
  block BIGINT NOT NULL
);
