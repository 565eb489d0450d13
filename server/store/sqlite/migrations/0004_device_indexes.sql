-- Device look-ups by user must use a user index. Without statistics the
-- planner preferred the (state, expires_at) index for "state = 'active'",
-- scanning every active device of every user; the sweep's index is now
-- partial (pending devices only), so it cannot be picked for that.
-- Listing a user's devices in creation order reads the new index in order
-- instead of sorting.
DROP INDEX totp_devices_pending;
CREATE INDEX totp_devices_pending ON totp_devices (expires_at) WHERE state = 'pending';
DROP INDEX totp_devices_user_id;
CREATE INDEX totp_devices_user_created ON totp_devices (user_id, created_at, id);
