-- Push changes announced to every server instance: the database itself
-- NOTIFYs channel twofold_push, in the transaction that makes the change,
-- so a notification is delivered if and only if the change commits,
-- whichever code path (or tool) made it. Payloads carry ids only,
-- "KIND ID USER_ID"; an instance reads the state from the tables
-- (server/store/postgres Listener, server/pushhub):
--   prompt CHALLENGE USER        a pending challenge was created
--   settled CHALLENGE USER       a challenge left pending (answered, expired, cancelled)
--   registration DEVICE USER     a device's push key was replaced, or its registration removed
-- SQLite's 0009 is empty: one instance, whose hub is told directly.
CREATE FUNCTION twofold_push_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'push_challenges' THEN
        IF TG_OP = 'INSERT' THEN
            IF NEW.state = 'pending' THEN
                PERFORM pg_notify('twofold_push', 'prompt ' || NEW.id || ' ' || NEW.user_id);
            END IF;
        ELSIF OLD.state = 'pending' AND NEW.state <> 'pending' THEN
            PERFORM pg_notify('twofold_push', 'settled ' || NEW.id || ' ' || NEW.user_id);
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('twofold_push', 'registration ' || OLD.device_id || ' ' || OLD.user_id);
    ELSIF OLD.public_key IS DISTINCT FROM NEW.public_key THEN
        PERFORM pg_notify('twofold_push', 'registration ' || NEW.device_id || ' ' || NEW.user_id);
    END IF;
    RETURN NULL;
END
$$;

-- EXECUTE PROCEDURE, not FUNCTION: the spelling PostgreSQL 10 also reads.
CREATE TRIGGER push_challenges_notify AFTER INSERT OR UPDATE OF state ON push_challenges
    FOR EACH ROW EXECUTE PROCEDURE twofold_push_notify();
CREATE TRIGGER push_registrations_notify AFTER UPDATE OF public_key OR DELETE ON push_registrations
    FOR EACH ROW EXECUTE PROCEDURE twofold_push_notify();
