-- Real-name codes are counted per phone (a cool-down and a daily cap that every replica
-- sees): the count reads the sessions of one phone in the last day.
CREATE INDEX realname_sessions_phone ON realname_sessions (phone, created_at);
